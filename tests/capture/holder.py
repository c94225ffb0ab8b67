"""A wallet holder for capture tests: a fresh did:key, its proofs, and opening a session with it.

``POST /sessions`` needs proof of possession of the holder DID: a key-proof JWS (typ
``openid4vci-proof+jwt``, EdDSA, kid a DID URL of the did:key) over a fresh ``c_nonce`` from
``POST /nonce``, for the issuer (aud). The credential step signs the session's own nonce the same way.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from did import Ed25519KeyPair, did_key_from_public_key
from did.jws import sign_jws
from issuer import PROOF_JWT_TYPE

__all__ = ["Holder", "open_session"]


class Holder:
    def __init__(self) -> None:
        self.key = Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.kid = f"{self.did}#{self.key.public_key.multibase}"

    def proof(self, nonce: str, aud: str) -> str:
        claims = {"aud": aud, "iat": int(time.time()), "nonce": nonce}
        return sign_jws(claims, self.key, kid=self.kid, typ=PROOF_JWT_TYPE)


def issuer_id(client: TestClient) -> str:
    return str(client.get("/.well-known/openid-credential-issuer").json()["credential_issuer"])


def open_session(
    client: TestClient, holder: Holder, *, face_match: bool = False, device: str = "desktop"
) -> dict[str, Any]:
    """A new session for ``holder``, proving possession of its DID."""
    nonce = client.post("/nonce")
    assert nonce.status_code == 200, nonce.text
    body = {
        "holderDid": holder.did,
        "deviceType": device,
        "holderProof": holder.proof(nonce.json()["c_nonce"], issuer_id(client)),
        "options": {"faceMatch": face_match},
    }
    answer = client.post("/sessions", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
