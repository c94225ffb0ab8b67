"""OpenID for Verifiable Credential Issuance 1.0 (pre-authorized code) on top of liveness sessions.

When a take passes, a credential offer with a pre-authorized code is created (the code is
single-use and shown only to the wallet that ran the session, so no ``tx_code`` is asked).
``/token`` exchanges the code for a short-lived access token; ``/credential`` takes the token and a
key proof over a fresh ``c_nonce`` (:mod:`wallet.binding`), and returns
``{"credentials": [{"credential": <ldp_vc>}]}`` (plus ``zkClaimOpening`` when the session asked for
a zero-knowledge claim). Either this route or the direct one consumes the
session: it yields one credential in all.
"""

from __future__ import annotations

import json
import secrets
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuer.contexts import CREDENTIALS_V1, liveness_context_url
from issuer.credential import CREDENTIAL_TYPE
from wallet._exceptions import OID4VCIError, SessionError

if TYPE_CHECKING:
    from wallet.service import Wallet

__all__ = ["CONFIGURATION_ID", "OID4VCI", "PRE_AUTHORIZED_GRANT"]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "LivenessCredential_ldp_vc"


class OID4VCI:
    """The Credential Issuer's endpoints for ``wallet`` (its sessions, binding and issuer)."""

    def __init__(self, wallet: Wallet) -> None:
        self.wallet = wallet
        self.issuer_id = wallet.issuer_id

    def credential_offer(self, code: str) -> dict[str, Any]:
        return {
            "credential_issuer": self.issuer_id,
            "credential_configuration_ids": [CONFIGURATION_ID],
            "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
        }

    @staticmethod
    def offer_uri(offer: Mapping[str, Any]) -> str:
        """The offer by value, as a wallet scans it (``openid-credential-offer://?credential_offer=...``)."""
        return "openid-credential-offer://?" + urllib.parse.urlencode(
            {"credential_offer": json.dumps(offer, separators=(",", ":"))}
        )

    def issuer_metadata(self) -> dict[str, Any]:
        base = self.issuer_id
        return {
            "credential_issuer": base,
            "credential_endpoint": f"{base}/credential",
            "nonce_endpoint": f"{base}/nonce",
            "display": [{"name": "livecred", "locale": "en"}],
            "credential_configurations_supported": {
                CONFIGURATION_ID: {
                    "format": "ldp_vc",
                    "scope": CREDENTIAL_TYPE,
                    "cryptographic_binding_methods_supported": ["did:key", "did:web"],
                    "credential_signing_alg_values_supported": [self.wallet.issuer.config.proof_type],
                    "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["EdDSA"]}},
                    "credential_definition": {
                        "@context": [CREDENTIALS_V1, liveness_context_url(base)],
                        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
                    },
                    "credential_metadata": {
                        "display": [
                            {
                                "name": "Liveness credential",
                                "locale": "en",
                                "description": "A live person passed a camera liveness check with this wallet.",
                            }
                        ],
                        "claims": [
                            {"path": ["credentialSubject", "deviceType"], "display": [{"name": "Device type"}]},
                            {"path": ["credentialSubject", "timestamp"], "display": [{"name": "Checked at"}]},
                        ],
                    },
                }
            },
        }

    def authorization_server_metadata(self) -> dict[str, Any]:
        base = self.issuer_id
        return {
            "issuer": base,
            "token_endpoint": f"{base}/token",
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant != PRE_AUTHORIZED_GRANT:
            raise OID4VCIError("unsupported_grant_type", f"grant_type must be {PRE_AUTHORIZED_GRANT}")
        code = form.get("pre-authorized_code")
        if not code or len(code) > 200:
            raise OID4VCIError("invalid_request", "pre-authorized_code is required")
        access_token = secrets.token_urlsafe(32)
        session = self.wallet.sessions.redeem_offer_code(code, access_token, self.wallet.config.token_lifetime)
        if session is None:
            raise OID4VCIError("invalid_grant", "the pre-authorized code is unknown, used or expired")
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(self.wallet.config.token_lifetime.total_seconds()),
        }

    def credential(self, access_token: str | None, body: object, device: str | None) -> dict[str, Any]:
        if not access_token:
            raise OID4VCIError("invalid_token", "a Bearer access token from /token is required", status=401)
        session = self.wallet.sessions.session_for_token(access_token)
        if session is None:
            raise OID4VCIError("invalid_token", "the access token is unknown, used or expired", status=401)
        if not isinstance(body, Mapping):
            raise OID4VCIError("invalid_credential_request", "the credential request must be a JSON object")
        if "credential_identifier" in body:
            raise OID4VCIError(
                "invalid_credential_request", "use credential_configuration_id; no identifiers are issued"
            )
        if body.get("credential_configuration_id") != CONFIGURATION_ID:
            raise OID4VCIError(
                "unknown_credential_configuration", f"credential_configuration_id must be {CONFIGURATION_ID}"
            )
        if "proof" in body:
            raise OID4VCIError("invalid_credential_request", "send the key proof in 'proofs' (OpenID4VCI 1.0)")
        proofs = body.get("proofs")
        jwts = proofs.get("jwt") if isinstance(proofs, Mapping) and set(proofs) == {"jwt"} else None
        if not isinstance(jwts, list) or len(jwts) != 1:
            raise OID4VCIError("invalid_credential_request", 'proofs must be {"jwt": [one key proof JWT]}')
        # A session that passed is never blocked by a lockout; a bad proof still counts against
        # the device that sent it.
        check = self.wallet.binding.verify(jwts[0], holder_did=session.holder_did, nonce=None)
        if not check.valid:
            self.wallet.lockout.record_failure(self.wallet.lockout.devices(device))
            raise OID4VCIError("invalid_proof", f"the key proof does not verify: {'; '.join(check.reasons)}")
        if not self.wallet.binding.consume_nonce(check.claims.get("nonce")):
            raise OID4VCIError("invalid_nonce", "the key proof's nonce is not a fresh c_nonce from the Nonce Endpoint")
        try:
            issued = self.wallet.issue(self.wallet.ready(session.id))
        except SessionError as exc:
            raise OID4VCIError("invalid_credential_request", exc.message) from exc
        answer: dict[str, Any] = {"credentials": [{"credential": issued.credential}]}
        if issued.zk_claim_opening is not None:
            # A livecred extension of the Credential Response: the opening of the claim's score
            # commitment, for the holder's zero-knowledge presentations (docs/zk-presentations.md).
            answer["zkClaimOpening"] = issued.zk_claim_opening.to_json()
        return answer
