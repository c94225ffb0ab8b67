"""`/credentials/verify` as a relying party needs it (issue 15): who the issuer is, whether it is
trusted, and reason codes; forged and un-revoked credentials fail over HTTP."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from did import Ed25519KeyPair, did_key_from_public_key
from issuer import create_proof
from livecred import Settings, create_app
from tests.api.test_credentials_api import ADMIN, TOKEN, credential, issue
from tests.conftest import MODELS_DIR

PUBLIC = "http://testserver"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("policy-state"),
        admin_token=TOKEN,
        public_url=PUBLIC,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def verify(api: TestClient, vc: Any) -> dict[str, Any]:
    response = api.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code in (200, 400), response.json()
    body: dict[str, Any] = response.json()
    assert (response.status_code == 200) == body["verified"]
    return body


def test_a_credential_signed_by_a_fresh_did_key_is_untrusted(api: TestClient) -> None:
    genuine = issue(api, {"credential": credential()})
    key = Ed25519KeyPair.generate()
    forger = did_key_from_public_key(key.public_key)
    unsigned = {k: v for k, v in genuine.items() if k != "proof"} | {"issuer": forger}
    forged = create_proof(
        unsigned,
        key,
        verification_method=f"{forger}#{forger.removeprefix('did:key:')}",
        created="2026-11-21T10:00:00Z",
        loader=api.app.state.issuer.loader,  # type: ignore[attr-defined]
    )
    body = verify(api, forged)
    assert not body["verified"] and body["reasons"][0] == "untrusted_issuer"
    # Who signed is the client's own input: not echoed. The trusted issuer is named.
    assert body["issuer"] is None and body["trustedIssuer"] is False
    own = verify(api, genuine)
    assert own["verified"] and own["trustedIssuer"] and own["issuer"] == api.get("/issuer").json()["did"]


def test_a_revoked_credential_rewritten_into_the_same_rdf_stays_revoked(api: TestClient) -> None:
    vc = issue(api, {"credential": credential()})
    status = {"credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]}
    assert api.post("/credentials/status", json=status, headers=ADMIN).status_code == 200
    rewritten = copy.deepcopy(vc)
    rewritten["type"] = ["VerifiableCredential", "urn:livecred:vocab#LivenessCredential"]
    rewritten["credentialStatus"] = [rewritten["credentialStatus"]]
    body = verify(api, rewritten)
    assert not body["verified"] and body["reasons"] == ["revoked"] and body["credentialStatus"] == "revoked"
    assert body["warnings"] == []


def test_trusted_issuers_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_TRUSTED_ISSUERS", "self, did:key:z6MkhK5BYWX6RUVnxjkJ3hxrRLVCmVoW1pmWG2gDW6bHiqw7")
    assert Settings().trusted_issuers == ["self", "did:key:z6MkhK5BYWX6RUVnxjkJ3hxrRLVCmVoW1pmWG2gDW6bHiqw7"]
    for bad in ("https://evil.example", "did:key:z6Mk#frag", " , "):
        monkeypatch.setenv("LIVECRED_TRUSTED_ISSUERS", bad)
        with pytest.raises(ValueError, match="TRUSTED_ISSUERS"):
            Settings()


def test_presentations_over_http_need_a_fresh_challenge_and_the_holders_key(api: TestClient) -> None:
    holder_key = Ed25519KeyPair.generate()
    holder = did_key_from_public_key(holder_key.public_key)
    vc = issue(
        api, {"credential": credential() | {"credentialSubject": {**credential()["credentialSubject"], "id": holder}}}
    )
    made = api.post("/challenges", json={})
    assert made.status_code == 201
    challenge, domain = made.json()["challenge"], made.json()["domain"]
    assert domain == "testserver"
    unsigned = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [vc],
    }
    vp = create_proof(
        unsigned,
        holder_key,
        verification_method=f"{holder}#{holder.removeprefix('did:key:')}",
        created="2026-11-21T10:00:00Z",
        loader=api.app.state.issuer.loader,  # type: ignore[attr-defined]
        purpose="authentication",
        challenge=challenge,
        domain=domain,
    )
    body = {"verifiablePresentation": vp, "options": {"challenge": challenge}}
    first = api.post("/presentations/verify", json=body)
    assert first.status_code == 200, first.json()
    assert first.json()["verified"] and first.json()["credentialResults"][0]["verified"]
    replay = api.post("/presentations/verify", json=body)
    assert replay.status_code == 400 and replay.json()["reasons"] == ["replayed"]


def test_vc2_credentials_are_issued_beside_vc11_ones(api: TestClient) -> None:
    v2 = credential()
    v2["@context"] = ["https://www.w3.org/ns/credentials/v2", f"{PUBLIC}/contexts/liveness/v1"]
    v2["credentialSchema"]["id"] = f"{PUBLIC}/schemas/LivenessCredential-v2.json"
    vc = issue(api, {"credential": v2})
    assert "validFrom" in vc and "validUntil" in vc and "issuanceDate" not in vc
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    body = verify(api, vc)
    assert body["verified"] and body["checks"] == ["issuer", "proof", "schema", "validity", "status"], body
    # A VC 2.0 credential dated the 1.1 way is refused (issuanceDate is no VC 2.0 term).
    dated_v11 = v2 | {"issuanceDate": "2026-11-21T10:00:00Z"}
    refused = api.post("/credentials/issue", json={"credential": dated_v11}, headers=ADMIN)
    assert refused.status_code == 422, refused.json()
    schema = api.get("/schemas/LivenessCredential-v2.json").json()
    assert "validFrom" in schema["required"] and "issuanceDate" not in schema["properties"]
