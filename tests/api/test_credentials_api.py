"""The credential API end to end over HTTP: issue (admin), verify, revoke, and what is published."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import base58
import pytest
from fastapi.testclient import TestClient

from did import FetchBusy
from issuer import bit_at, decode_list
from livecred import Settings, create_app
from tests.conftest import MODELS_DIR

TOKEN = "test-admin-token-0123456789abcdef"
PUBLIC = "http://testserver"
HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("issuer-state"),
        admin_token=TOKEN,
        public_url=PUBLIC,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def credential(**subject: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", f"{PUBLIC}/contexts/liveness/v1"],
        "type": ["VerifiableCredential", "LivenessCredential"],
        "credentialSubject": {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z", **subject},
        "credentialSchema": {"id": f"{PUBLIC}/schemas/LivenessCredential.json", "type": "JsonSchema"},
        "evidence": [{"type": ["LivenessCheckEvidence"], "checks": ["antispoof", "blink"]}],
    }


def issue(api: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/credentials/issue", json=body, headers=ADMIN)
    assert response.status_code == 201, response.json()
    vc: dict[str, Any] = response.json()["verifiableCredential"]
    return vc


def verify(api: TestClient, vc: Any) -> dict[str, Any]:
    response = api.post("/credentials/verify", json={"verifiableCredential": vc})
    result: dict[str, Any] = response.json()
    # VC-API: verified is 200, not verified a 400 with the same body.
    assert response.status_code == (200 if result.get("verified") else 400), result
    assert {"verified", "issuer", "trustedIssuer", "reasons", "checks", "errors"} <= set(result), result
    return result


def test_admin_endpoints_need_the_token(api: TestClient, client: TestClient) -> None:
    body = {"credential": credential()}
    assert client.post("/credentials/issue", json=body).json()["code"] == "admin_disabled"
    assert client.post("/credentials/issue", json=body).status_code == 403
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = api.post("/credentials/issue", json=body, headers=headers)
        assert response.status_code == 401 and response.json()["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    status = {"credentialId": "urn:uuid:x", "credentialStatus": [{"status": "revoked"}]}
    assert api.post("/credentials/status", json=status).status_code == 401


def test_issue_and_verify(api: TestClient) -> None:
    vc = issue(api, {"credential": credential()})
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert vc["issuer"] == api.get("/issuer").json()["did"]
    assert vc["credentialStatus"]["statusListCredential"].startswith(f"{PUBLIC}/status/")
    result = verify(api, vc)
    assert result["verified"] and result["errors"] == []
    assert result["checks"] == ["issuer", "proof", "schema", "validity", "status"]
    assert result["issuer"] == vc["issuer"] and result["trustedIssuer"] and result["reasons"] == []
    assert result["credentialStatus"] == "active"


def test_issue_with_ed25519signature2020_and_without_status(api: TestClient) -> None:
    vc = issue(
        api, {"credential": credential(), "options": {"proofType": "Ed25519Signature2020", "statusPurpose": "none"}}
    )
    assert vc["proof"]["type"] == "Ed25519Signature2020" and "credentialStatus" not in vc
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in vc["@context"]
    # Signed fine, but a LivenessCredential that cannot be revoked fails the strict status policy.
    result = verify(api, vc)
    assert not result["verified"] and result["reasons"] == ["status_missing"]
    assert "proof" in result["checks"]


def test_invalid_credentials_are_refused_with_reasons(api: TestClient) -> None:
    bad = credential()
    del bad["credentialSubject"]["deviceType"]
    bad["credentialSubject"]["timestamp"] = "not a date"
    response = api.post("/credentials/issue", json={"credential": bad}, headers=ADMIN)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "schema_validation_failed"
    assert {"path": "credentialSubject", "message": "missing required properties: deviceType"} in body["errors"]
    assert {"path": "credentialSubject/timestamp", "message": "is not a valid date-time"} in body["errors"]
    assert "not a date" not in response.text

    response = api.post("/credentials/issue", json={"credential": credential(favouriteColour="blue")}, headers=ADMIN)
    assert response.status_code == 422 and response.json()["code"] == "undefined_terms"
    assert response.json()["terms"] == ["favouriteColour"]

    remote = credential()
    remote["@context"].append("https://evil.example/ctx")
    response = api.post("/credentials/issue", json={"credential": remote}, headers=ADMIN)
    assert response.status_code == 422 and response.json()["code"] == "context_not_allowed"

    bad_option = {"credential": credential(), "options": {"proofType": "RsaSignature2018"}}
    assert api.post("/credentials/issue", json=bad_option, headers=ADMIN).status_code == 422


def test_tampered_and_forged_credentials_do_not_verify(api: TestClient) -> None:
    vc = issue(api, {"credential": credential()})
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["deviceType"] = "desktop"
    result = verify(api, tampered)
    assert not result["verified"] and "proof: the signature does not verify" in result["errors"]
    forged = copy.deepcopy(vc)
    forged["issuer"] = HOLDER
    assert not verify(api, forged)["verified"]
    assert not verify(api, {"credentialSubject": {}})["verified"]


def test_revocation_round_trip_through_the_api(api: TestClient) -> None:
    vc = issue(api, {"credential": credential()})
    index = int(vc["credentialStatus"]["statusListIndex"])
    list_url = vc["credentialStatus"]["statusListCredential"]
    status = {"credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]}
    response = api.post("/credentials/status", json=status, headers=ADMIN)
    assert response.status_code == 200 and response.json() == {"credentialId": vc["id"], "status": "revoked"}

    result = verify(api, vc)
    assert not result["verified"] and result["errors"] == ["status: the credential is revoked"]
    assert result["credentialStatus"] == "revoked"

    listing = api.get(list_url.removeprefix(PUBLIC))
    assert listing.status_code == 200
    list_vc = listing.json()
    assert list_vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert list_vc["credentialSubject"]["statusPurpose"] == "revocation"
    assert bit_at(decode_list(list_vc["credentialSubject"]["encodedList"]), index)
    assert verify(api, list_vc)["errors"] == []  # the list itself is a verifiable credential

    again = api.post("/credentials/status", json=status, headers=ADMIN)
    assert again.status_code == 409 and again.json()["code"] == "status_change_refused"
    unknown = {**status, "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    assert api.post("/credentials/status", json=unknown, headers=ADMIN).status_code == 404
    assert api.get("/status/doesnotexist").status_code == 404
    assert api.get("/status/..%2F..%2Fetc").status_code == 404


def test_published_schema_context_and_did(api: TestClient) -> None:
    schema = api.get("/schemas/LivenessCredential.json")
    assert schema.status_code == 200 and schema.headers["content-type"].startswith("application/schema+json")
    assert schema.json()["$metadata"]["uris"]["jsonLdContext"] == f"{PUBLIC}/contexts/liveness/v1"
    context = api.get("/contexts/liveness/v1")
    assert context.headers["content-type"].startswith("application/ld+json")
    terms = context.json()["@context"]
    for term in ("LivenessCredential", "deviceType", "timestamp", "LivenessCheckEvidence", "Groth16FaceMatchProof"):
        assert term in terms
    # did:key issuer: nothing to serve at /.well-known/did.json, and it says why.
    response = api.get("/.well-known/did.json")
    assert response.status_code == 404 and response.json()["code"] == "not_did_web"
    assert api.get("/issuer").json()["did"].startswith("did:key:z6Mk")


def test_did_web_issuer_publishes_its_document(tmp_path: Path) -> None:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path,
        admin_token=TOKEN,
        issuer_domain="issuer.example.com",
        public_url=PUBLIC,
    )
    with TestClient(create_app(settings)) as client:
        document = client.get("/.well-known/did.json")
        assert document.status_code == 200
        assert document.headers["content-type"].startswith("application/did+json")
        assert document.json()["id"] == "did:web:issuer.example.com"
        vc = issue(client, {"credential": credential()})
        assert vc["issuer"] == "did:web:issuer.example.com"
        assert vc["proof"]["verificationMethod"].startswith("did:web:issuer.example.com#z6Mk")
        assert verify(client, vc)["verified"]


def test_credential_bodies_are_size_limited(api: TestClient) -> None:
    huge = credential()
    huge["evidence"][0]["checks"] = ["x" * 1000] * 400
    response = api.post("/credentials/verify", json={"verifiableCredential": huge})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_credential_ids_are_unique_and_bounded(api: TestClient) -> None:
    fixed = {**credential(), "id": "urn:uuid:6f1c0e4e-1111-4c1e-9a55-000000000001"}
    issue(api, {"credential": fixed})
    again = api.post("/credentials/issue", json={"credential": fixed}, headers=ADMIN)
    assert again.status_code == 409 and "already issued" in again.json()["message"]
    assert again.json()["code"] == "duplicate_credential_id"  # not a status change
    long_id = {**credential(), "id": "urn:x:" + "a" * 300}
    response = api.post("/credentials/issue", json={"credential": long_id}, headers=ADMIN)
    assert response.status_code == 422 and response.json()["code"] == "invalid_credential"


# Hostile credentials: refused before they cost much (issuer/complexity.py, bench/verify_bombs.py).
def _clique(n: int) -> list[dict[str, Any]]:
    """Blank nodes that all point at each other (every term defined): RDFC-1.0's worst case."""
    ids = [f"_:n{i}" for i in range(n)]
    return [{"id": i, "type": "LivenessCheckEvidence", "verifier": [j for j in ids if j != i]} for i in ids]


def _nested_subject(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"}
    for _ in range(depth):
        node = {"type": "VerifiableCredential", "credentialSubject": node}
    return node


def _nested_evidence(depth: int) -> list[dict[str, Any]]:
    node: dict[str, Any] = {"type": "LivenessCheckEvidence"}
    for _ in range(depth):
        node = {"type": "LivenessCheckEvidence", "verifier": node}
    return [node]


def _forged(vc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``vc`` changed, under a proof of the right shape (a 64-byte signature) that does not verify."""
    out = {**copy.deepcopy(vc), **changes}
    out["proof"]["proofValue"] = "z" + base58.b58encode(bytes(64)).decode()
    return out


def test_hostile_credentials_are_refused_with_422(api: TestClient) -> None:
    vc = issue(api, {"credential": credential()})
    bombs = [
        ("credential_too_complex", _forged(vc, evidence=_clique(8))),
        # 50 deep: the API's JSON guard refuses bodies nested deeper than 64 before they get here.
        ("credential_too_complex", _forged(vc, credentialSubject=_nested_subject(50))),
        ("canonicalization_too_complex", _forged(vc, evidence=_clique(6))),
    ]
    for code, bomb in bombs:
        response = api.post("/credentials/verify", json={"verifiableCredential": bomb})
        assert response.status_code == 422 and response.json()["code"] == code
        assert response.json()["message"].startswith("the document is too complex to ")


def test_a_failed_cheap_check_is_a_verdict_even_for_a_bomb(api: TestClient) -> None:
    bomb = _forged(issue(api, {"credential": credential()}), evidence=_clique(8))
    bomb["proof"]["proofValue"] = "z" + base58.b58encode(bytes(32)).decode()
    result = verify(api, bomb)
    assert not result["verified"]
    assert result["errors"] == ["proof: proofValue is not a 64-byte Ed25519 signature"]


def test_issuing_hostile_credentials_is_refused_with_422(api: TestClient) -> None:
    for code, bomb in [
        ("credential_too_complex", credential() | {"evidence": _nested_evidence(50)}),
        ("canonicalization_too_complex", credential() | {"evidence": _clique(6)}),
    ]:
        response = api.post("/credentials/issue", json={"credential": bomb}, headers=ADMIN)
        assert response.status_code == 422 and response.json()["code"] == code


def test_a_busy_fetcher_is_503_not_a_verdict(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """When every outbound fetch slot is taken, the issuer's key cannot be resolved now: the client
    is told to come back (503 + Retry-After), not that the credential is false."""
    vc = _forged(issue(api, {"credential": credential()}), issuer="did:web:issuer.example")
    vc["proof"]["verificationMethod"] = "did:web:issuer.example#key-1"
    resolver = api.app.state.issuer.resolver  # type: ignore[attr-defined]
    verifier = api.app.state.issuer.verifier  # type: ignore[attr-defined]
    monkeypatch.setattr(verifier, "policy", verifier.policy.with_options(trusted_issuers={"did:web:issuer.example"}))

    def busy(did_url: str) -> Any:
        raise FetchBusy()

    monkeypatch.setattr(resolver, "resolve", busy)
    response = api.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 503
    assert response.json()["code"] == "fetch_busy" and int(response.headers["Retry-After"]) >= 1
