"""The wallet path: sessions bound to a holder DID, holder binding, and OpenID4VCI 1.0 issuance.

:class:`WalletIssuer` composes the session store (:mod:`issuer.sessions`) with the issuer
(:class:`issuer.service.Issuer`). The engine's verdict comes from the caller (the API runs the
liveness engine, which this package may not import).

Holder binding. A credential is issued only to whoever proves control of the session's holder
DID with a key-proof JWT as OpenID4VCI 1.0 (Appendix F.1) defines it: header ``typ``
``openid4vci-proof+jwt``, ``alg`` EdDSA, ``kid`` a DID URL of the holder DID; claims ``aud`` (this
credential issuer's identifier), ``iat`` and ``nonce``. On the direct route the nonce is the
session's nonce; on the OpenID4VCI route it is a ``c_nonce`` from the Nonce Endpoint.

OpenID4VCI. When a session passes, a credential offer with a pre-authorized code is created (the
code is single-use and shown only to the wallet that ran the session, so no ``tx_code`` is asked).
``/token`` exchanges the code for a short-lived access token; ``/credential`` takes the token and a
key proof, and returns ``{"credentials": [{"credential": <ldp_vc>}]}``. Either route consumes the
session: it yields one credential in all.
"""

from __future__ import annotations

import json
import secrets
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, String, Table, delete

from did import DIDError, FetchBusy, is_did
from did.jws import JWSVerification, verify_did_jws
from issuer._exceptions import HolderProofInvalid, InvalidHolderDID, OID4VCIError, SessionError
from issuer.contexts import CREDENTIALS_V1, liveness_context_url
from issuer.credential import CREDENTIAL_TYPE
from issuer.service import Issuer
from issuer.sessions import HOLDER_DID_RULE, Session, SessionStore, subject_key, token_hash
from issuer.store import _db_errors, metadata

__all__ = [
    "CONFIGURATION_ID",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_JWT_TYPE",
    "WalletConfig",
    "WalletIssuer",
]

PROOF_JWT_TYPE = "openid4vci-proof+jwt"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "LivenessCredential_ldp_vc"

oid4vci_nonces = Table(
    "oid4vci_nonces",
    metadata,
    Column("nonce_hash", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class WalletConfig:
    token_lifetime: timedelta = timedelta(minutes=5)
    nonce_lifetime: timedelta = timedelta(minutes=5)
    proof_max_age: timedelta = timedelta(minutes=5)
    engine: str | None = None  # named in the evidence, e.g. "livecred 0.1 (YuNet, MiniFASNet, MobileFaceNet)"


class WalletIssuer:
    def __init__(
        self,
        issuer: Issuer,
        sessions: SessionStore,
        *,
        subject_secret: bytes,
        config: WalletConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.issuer = issuer
        self.sessions = sessions
        self.config = config or WalletConfig()
        self.clock = clock
        self._secret = subject_secret
        self.issuer_id = issuer.public_url

    # lockout subjects ------------------------------------------------------------------------
    def subjects(self, holder_did: str, device: str | None) -> list[str]:
        keys = [subject_key(self._secret, "holder", holder_did)]
        if device:
            keys.append(subject_key(self._secret, "device", device))
        return keys

    # sessions --------------------------------------------------------------------------------
    @staticmethod
    def check_holder_did(holder_did: str) -> None:
        """Refuse anything but a DID, before anything is keyed on it: a DID URL (``#key``,
        ``?query``) or a trailing newline would open sessions, lockout buckets and rate-limit
        budgets of their own for one holder."""
        if not is_did(holder_did) or len(holder_did) > 500:
            raise InvalidHolderDID(HOLDER_DID_RULE)

    def create_session(self, *, holder_did: str, device_type: str, face_match: bool, device: str | None) -> Session:
        self.check_holder_did(holder_did)
        self.sessions.check_lockout(self.subjects(holder_did, device))
        try:
            self.issuer.resolver.resolve(holder_did)
        except FetchBusy:
            raise  # the service is busy (503), the DID is not at fault
        except DIDError as exc:
            raise InvalidHolderDID(f"holderDid cannot be resolved: {exc.message}") from exc
        return self.sessions.create(holder_did=holder_did, device_type=device_type, face_match=face_match)

    def begin_attempt(self, session_id: str, device: str | None) -> Session:
        session = self.sessions.get(session_id)
        self.sessions.check_lockout(self.subjects(session.holder_did, device))
        return self.sessions.begin_attempt(session_id)

    def finish_attempt(
        self,
        session: Session,
        *,
        passed: bool,
        checks: Sequence[str],
        face_match_proof: Mapping[str, Any] | None,
        device: str | None,
    ) -> tuple[Session, dict[str, Any] | None]:
        """Record the verdict; on success also the credential offer (returned once, never stored)."""
        subjects = self.subjects(session.holder_did, device)
        if not passed:
            self.sessions.record_failure(subjects)
            return self.sessions.finish_attempt(session, passed=False), None
        code = secrets.token_urlsafe(32)
        done = self.sessions.finish_attempt(
            session, passed=True, checks=checks, face_match_proof=face_match_proof, offer_code=code
        )
        self.sessions.clear_failures(subjects)
        return done, self.credential_offer(code)

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

    # issuance --------------------------------------------------------------------------------
    def _check_proof(self, token: object, session: Session, *, nonce: str | None) -> JWSVerification:
        return verify_did_jws(
            token,
            self.issuer.resolver,
            typ=PROOF_JWT_TYPE,
            audience=self.issuer_id,
            nonce=nonce,
            expected_did=session.holder_did,
            max_age_seconds=self.config.proof_max_age.total_seconds(),
            now=self.clock().timestamp(),
        )

    def _issue(self, session: Session) -> dict[str, Any]:
        claimed = self.sessions.claim(session.id)
        try:
            unsigned = self.issuer.liveness_credential(
                holder_did=claimed.holder_did,
                device_type=claimed.device_type,
                timestamp=claimed.passed_at,
                checks=claimed.checks,
                face_match_proof=claimed.face_match_proof,
                engine=self.config.engine,
            )
            credential = self.issuer.issue(unsigned)
        except BaseException:
            self.sessions.release(session.id)
            raise
        self.sessions.complete(session.id, str(credential["id"]))
        return credential

    def _ready(self, session_id: str) -> Session:
        """The session, if a credential may be issued for it now (else the error saying why)."""
        session = self.sessions.get(session_id)
        if session.state != "passed" or session.expired(self.clock()):
            self.sessions._refuse(session, self.clock(), want="passed")
            raise SessionError("the session cannot issue a credential now")
        return session

    def issue_direct(self, session_id: str, holder_proof: object, device: str | None) -> dict[str, Any]:
        """``POST /sessions/{id}/credential``: the holder proof's nonce is the session nonce."""
        session = self._ready(session_id)
        subjects = self.subjects(session.holder_did, device)
        self.sessions.check_lockout(subjects)
        check = self._check_proof(holder_proof, session, nonce=session.nonce)
        if not check.valid:
            self.sessions.record_failure(subjects)
            raise HolderProofInvalid(f"the holder proof does not verify: {'; '.join(check.reasons)}")
        return self._issue(session)

    # OpenID4VCI ------------------------------------------------------------------------------
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
                    "credential_signing_alg_values_supported": [self.issuer.config.proof_type],
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
        session = self.sessions.redeem_offer_code(code, access_token, self.config.token_lifetime)
        if session is None:
            raise OID4VCIError("invalid_grant", "the pre-authorized code is unknown, used or expired")
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(self.config.token_lifetime.total_seconds()),
        }

    @_db_errors
    def new_c_nonce(self) -> str:
        nonce = secrets.token_urlsafe(24)
        now = self.clock()
        with self.sessions.engine.begin() as conn:
            conn.execute(delete(oid4vci_nonces).where(oid4vci_nonces.c.expires_at < now))
            conn.execute(
                oid4vci_nonces.insert().values(
                    nonce_hash=token_hash(nonce), expires_at=now + self.config.nonce_lifetime
                )
            )
        return nonce

    @_db_errors
    def _consume_c_nonce(self, nonce: object) -> bool:
        if not isinstance(nonce, str) or not 0 < len(nonce) <= 200:
            return False
        with self.sessions.engine.begin() as conn:
            used = conn.execute(
                delete(oid4vci_nonces).where(
                    oid4vci_nonces.c.nonce_hash == token_hash(nonce), oid4vci_nonces.c.expires_at > self.clock()
                )
            ).rowcount
        return used == 1

    def credential(self, access_token: str | None, body: object, device: str | None) -> dict[str, Any]:
        if not access_token:
            raise OID4VCIError("invalid_token", "a Bearer access token from /token is required", status=401)
        session = self.sessions.session_for_token(access_token)
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
        subjects = self.subjects(session.holder_did, device)
        self.sessions.check_lockout(subjects)
        check = self._check_proof(jwts[0], session, nonce=None)
        if not check.valid:
            self.sessions.record_failure(subjects)
            raise OID4VCIError("invalid_proof", f"the key proof does not verify: {'; '.join(check.reasons)}")
        if not self._consume_c_nonce(check.claims.get("nonce")):
            raise OID4VCIError("invalid_nonce", "the key proof's nonce is not a fresh c_nonce from the Nonce Endpoint")
        try:
            credential = self._issue(self._ready(session.id))
        except SessionError as exc:
            raise OID4VCIError("invalid_credential_request", exc.message) from exc
        return {"credentials": [{"credential": credential}]}
