"""Nothing a client sends comes back in an error: a marker string, put wherever the main routes
take text from a client (DIDs, DID URLs, credential ids and fields, URLs, form parameters, key
proofs), never appears in a response body."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from did import Ed25519KeyPair, did_key_from_public_key
from did.jws import sign_jws
from livecred import Settings, create_app
from tests.conftest import MODELS_DIR
from wallet import PRE_AUTHORIZED_GRANT, PROOF_JWT_TYPE, Wallet

# Lower-case letters and digits only, so that it also fits a DID method name and a host name.
MARKER = "qmarker7zx"
TOKEN = "test-admin-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
PUBLIC = "http://testserver"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("echo"),
        admin_token=TOKEN,
        public_url=PUBLIC,
        rate_limits_enabled=False,  # many requests from one address; limits: test_rate_limits.py
    )
    with TestClient(create_app(settings)) as client:
        yield client


class Holder:
    def __init__(self) -> None:
        self.key = Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)

    def proof(self, nonce: str, *, kid: str | None = None, **claims: Any) -> str:
        body = {"aud": PUBLIC, "iat": int(time.time()), "nonce": nonce, **claims}
        return sign_jws(body, self.key, kid=kid or f"{self.did}#{self.key.public_key.multibase}", typ=PROOF_JWT_TYPE)


def _assert_no_echo(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code)
    assert MARKER not in response.text, (what, response.text)


def _passed_session(api: TestClient, holder: Holder) -> tuple[str, str, str]:
    """A session for ``holder`` whose checks passed (the verdict set directly: no camera here)."""
    pop = holder.proof(api.post("/nonce").json()["c_nonce"])
    opened = api.post("/sessions", json={"holderDid": holder.did, "deviceType": "mobile", "holderProof": pop})
    assert opened.status_code == 201, opened.text
    session_id, nonce = opened.json()["sessionId"], opened.json()["nonce"]
    wallet: Wallet = api.app.state.wallet  # type: ignore[attr-defined]
    _, offer = wallet.finish_attempt(
        wallet.begin_attempt(session_id, None), passed=True, checks=["antispoof"], face_match_proof=None, device=None
    )
    assert offer is not None
    return session_id, nonce, offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]


def test_sessions_do_not_echo_the_holder_did(api: TestClient) -> None:
    holder = Holder()
    for did in (
        f"did:{MARKER}:abc",
        f"did:key:{MARKER}",
        f"did:key:z6Mk{MARKER}",
        f"did:web:{MARKER}%3A",
        f"not-a-did-{MARKER}",
        f"{holder.did}#{MARKER}",
        f"{holder.did}?{MARKER}=1",
        f"{holder.did}/{MARKER}",
        f"{holder.did}\n{MARKER}",
    ):
        body = {"holderDid": did, "deviceType": "mobile", "holderProof": holder.proof(MARKER)}
        _assert_no_echo(api.post("/sessions", json=body), did)
    body = {"holderDid": holder.did, "deviceType": f"{MARKER}\n", "holderProof": "x"}
    _assert_no_echo(api.post("/sessions", json=body), "deviceType")
    c_nonce = api.post("/nonce").json()["c_nonce"]
    for name, proof in {
        "proof nonce": holder.proof(MARKER),
        "proof aud": holder.proof(c_nonce, aud=MARKER),
        "proof kid": holder.proof(c_nonce, kid=f"{holder.did}#{MARKER}"),
        "garbage": f"{MARKER}.{MARKER}.{MARKER}",
    }.items():
        body = {"holderDid": holder.did, "deviceType": "mobile", "holderProof": proof}
        _assert_no_echo(api.post("/sessions", json=body), name)
    # The capture socket's errors do not echo what the client sent either.
    with api.websocket_connect(f"/sessions/lcs_{MARKER}/capture") as ws:
        ws.send_json({"type": "start"})
        assert MARKER not in ws.receive_text()
    with api.websocket_connect("/sessions/x/capture") as ws:
        ws.send_text(f'{{"type": "{MARKER}"}}')
        assert MARKER not in ws.receive_text()


def test_verify_does_not_echo_the_credential(api: TestClient) -> None:
    body = {
        "credential": {
            "@context": ["https://www.w3.org/2018/credentials/v1", f"{PUBLIC}/contexts/liveness/v1"],
            "type": ["VerifiableCredential", "LivenessCredential"],
            "credentialSubject": {"id": Holder().did, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"},
            "credentialSchema": {"id": f"{PUBLIC}/schemas/LivenessCredential.json", "type": "JsonSchema"},
        }
    }
    issued = api.post("/credentials/issue", json=body, headers=ADMIN)
    assert issued.status_code == 201, issued.text
    vc: dict[str, Any] = issued.json()["verifiableCredential"]

    def tampered(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
        doc = copy.deepcopy(vc)
        node: Any = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        return doc

    variants = [
        tampered(("id",), f"urn:uuid:{MARKER}"),
        tampered(("issuer",), f"did:key:z6Mk{MARKER}"),
        tampered(("issuer",), f"did:{MARKER}:x"),
        tampered(("@context", 1), f"https://{MARKER}.example/context"),
        tampered(("type", 1), MARKER),
        tampered(("credentialSubject", "id"), f"did:key:{MARKER}"),
        tampered(("credentialSubject", "deviceType"), MARKER),
        tampered(("issuanceDate",), MARKER),
        tampered(("expirationDate",), f"2020-01-01T00:00:00Z{MARKER}"),
        tampered(("proof", "type"), MARKER),
        tampered(("proof", "cryptosuite"), MARKER),
        tampered(("proof", "proofPurpose"), MARKER),
        tampered(("proof", "proofValue"), f"z{MARKER}"),
        tampered(("proof", "verificationMethod"), f"{vc['issuer']}#{MARKER}"),
        tampered(("proof", "verificationMethod"), f"{vc['issuer']}?{MARKER}#x"),
        tampered(("credentialStatus", "statusListCredential"), f"{PUBLIC}/status/{MARKER}"),
        tampered(("credentialStatus", "statusListIndex"), MARKER),
        tampered(("credentialStatus", "statusPurpose"), MARKER),
        tampered(("credentialStatus", "type"), MARKER),
        {**vc, "evidence": [{"type": ["Groth16FaceMatchProof"], "groth16Proof": MARKER, "threshold": MARKER}]},
        {**vc, MARKER: MARKER},
    ]
    for n, doc in enumerate(variants):
        response = api.post("/credentials/verify", json={"verifiableCredential": doc})
        _assert_no_echo(response, f"variant {n}")
        assert response.status_code == 400 and response.json()["verified"] is False, n


def test_status_and_issue_do_not_echo_ids(api: TestClient) -> None:
    for credential_id in (f"urn:uuid:{MARKER}", MARKER):
        body = {"credentialId": credential_id, "credentialStatus": [{"status": "revoked"}]}
        _assert_no_echo(api.post("/credentials/status", json=body, headers=ADMIN), credential_id)
    bad = {"credential": {"@context": [f"https://{MARKER}.example/"], "type": [MARKER], "id": MARKER}}
    _assert_no_echo(api.post("/credentials/issue", json=bad, headers=ADMIN), "issue")


def test_openid4vci_does_not_echo_codes_tokens_or_proofs(api: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    for raw in (
        f"grant_type={MARKER}",
        f"grant_type={PRE_AUTHORIZED_GRANT}&pre-authorized_code={MARKER}",
        f"{MARKER}=1&{MARKER}=2",
        f"grant_type={PRE_AUTHORIZED_GRANT}&grant_type={MARKER}",
        f"%ff{MARKER}",
    ):
        _assert_no_echo(api.post("/token", content=raw, headers=form), raw)

    holder = Holder()
    session_id, nonce, code = _passed_session(api, holder)
    raw = f"grant_type={PRE_AUTHORIZED_GRANT}&pre-authorized_code={code}"
    token = api.post("/token", content=raw, headers=form).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    c_nonce = api.post("/nonce").json()["c_nonce"]
    proofs: dict[str, Any] = {
        "foreign kid": lambda n: holder.proof(n, kid=f"did:key:z6Mk{MARKER}#x"),
        "kid fragment": lambda n: holder.proof(n, kid=f"{holder.did}#{MARKER}"),
        "kid query": lambda n: holder.proof(n, kid=f"{holder.did}?{MARKER}=1#x"),
        "kid method": lambda n: holder.proof(n, kid=f"did:{MARKER}:x#y"),
        "aud": lambda n: holder.proof(n, aud=MARKER),
        "nonce": lambda n: holder.proof(MARKER),
        "iat": lambda n: holder.proof(n, iat=MARKER),
        "garbage": lambda n: f"{MARKER}.{MARKER}.{MARKER}",
    }
    for name, make in proofs.items():
        request = {"credential_configuration_id": "LivenessCredential_ldp_vc", "proofs": {"jwt": [make(c_nonce)]}}
        _assert_no_echo(api.post("/credential", json=request, headers=bearer), name)
        direct = api.post(f"/sessions/{session_id}/credential", json={"holderProof": make(nonce)})
        _assert_no_echo(direct, f"direct {name}")
    for body in (
        {"credential_configuration_id": MARKER, "proofs": {"jwt": ["x"]}},
        {"credential_configuration_id": "LivenessCredential_ldp_vc", "proofs": {MARKER: ["x"]}},
        {"credential_identifier": MARKER},
    ):
        _assert_no_echo(api.post("/credential", json=body, headers=bearer), str(body))
    _assert_no_echo(api.post("/credential", json={}, headers={"Authorization": f"Bearer {MARKER}"}), "token")
