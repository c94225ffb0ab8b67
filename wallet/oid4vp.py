"""OpenID for Verifiable Presentations 1.0: this service as a verifier of ``LivenessCredential``s.

A relying party asks for a request (``create_request``): a DCQL query for one
``LivenessCredential`` (``ldp_vc``), a fresh ``nonce``, ``response_mode`` ``direct_post`` to this
service's Response Endpoint, and the client identifier ``redirect_uri:<response_uri>`` (the
prefix OpenID4VP 1.0 defines ("Client Identifier Prefix") for a verifier whose requests are not signed; its
metadata travels in ``client_metadata``). The request is passed by value, as an
``openid4vp://?...`` link a wallet opens. The relying party keeps the ``transaction_id`` (a
secret the wallet never sees) and polls ``result`` with it; the wallet sees only ``state``.

The wallet posts ``vp_token`` = ``{"liveness": [<Verifiable Presentation>]}`` and ``state`` to the
Response Endpoint (``respond``). The presentation is checked by the issuer's presentation
verifier with ``challenge`` = the nonce and ``domain`` = the client identifier (its appendix on LDP VCs),
then each credential under the issuer's policy, and the credential must be a
``LivenessCredential`` (on its signed graph). The request is answered once: the first
presentation signed over this nonce by the subject of the credential it carries takes it (one
conditional ``UPDATE``), and its verdict, verified or not (revoked, expired, untrusted), is
final. Anything that fails before that (a malformed token, another nonce or client id, a
signature by anyone but the credential's subject) is refused with ``invalid_request`` and leaves
the request open, so a stranger who read the request off a screen cannot burn it. (A stranger
with a credential of their own can still answer first: that is the cross-device session
fixation OpenID4VP 1.0 describes under "Session Fixation"; the verdict names the holder, so the relying party
sees who answered.)

Stored per request (issuer database): hashes of the transaction id and ``state``, the nonce, the
dates, the status, and once answered the verdict: reason codes, the checks that passed, and for
a verified credential its trusted issuer, holder DID, ``deviceType`` and ``timestamp``. No
presentation is kept. Requests live ``request_ttl``; answers are kept ``result_ttl`` for the
relying party to fetch, then swept. No error message repeats what the client sent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, Index, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Engine

from issuer import (
    ED25519_SIGNATURE_2020,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    Issuer,
    VerificationResult,
    signed_view,
)
from issuer.credential import CREDENTIAL_TYPE
from issuer.outcomes import types_of
from issuer.store import _db_errors, metadata
from wallet._exceptions import OID4VPError, PresentationRequestNotFound

__all__ = [
    "CREDENTIAL_QUERY_ID",
    "OID4VP",
    "OID4VPConfig",
    "PresentationRequest",
    "PresentationResult",
    "oid4vp_requests",
]

RESPONSE_PATH = "/oid4vp/response"
CREDENTIAL_QUERY_ID = "liveness"
LIVENESS_TYPE_IRI = "urn:livecred:vocab#LivenessCredential"
# The Authorization Error Response codes a wallet may send (OpenID4VP 1.0 section 8.5, RFC 6749).
WALLET_ERRORS = frozenset(
    {
        "access_denied",
        "invalid_request",
        "invalid_client",
        "invalid_scope",
        "unsupported_response_type",
        "server_error",
        "temporarily_unavailable",
        "vp_formats_not_supported",
        "invalid_request_uri_method",
        "invalid_transaction_data",
        "wallet_unavailable",
    }
)
MAX_HANDLE_CHARS = 100
# What must hold before an answer is taken: the credential's subject signed over this request.
BOUND_CHECKS = frozenset({"presentation", "challenge", "domain", "holder"})
PRESENTER_REASONS = frozenset({"invalid_presentation", "challenge_mismatch", "domain_mismatch", "holder_mismatch"})

oid4vp_requests = Table(
    "oid4vp_requests",
    metadata,
    Column("transaction_hash", String(64), primary_key=True),
    Column("state_hash", String(64), nullable=False, unique=True),
    Column("nonce", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # pending -> presented (a holder-signed answer is being judged) -> verified | failed
    Column("status", String(16), nullable=False),
    Column("result", Text, nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Index("ix_oid4vp_requests_expires_at", "expires_at"),
)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class OID4VPConfig:
    request_ttl: timedelta = timedelta(minutes=5)
    result_ttl: timedelta = timedelta(minutes=10)
    client_name: str = "livecred demo verifier"


@dataclass(frozen=True, slots=True)
class PresentationRequest:
    """What the relying party gets: its secret handle, and the request to show the wallet."""

    transaction_id: str
    expires_at: datetime
    request: dict[str, Any]  # the Authorization Request parameters, by value
    uri: str  # openid4vp://?<the same, form-encoded>


@dataclass(frozen=True, slots=True)
class PresentationResult:
    status: str  # pending | verified | failed | expired
    expires_at: datetime
    result: dict[str, Any] | None = None


class OID4VP:
    """The verifier's side of OpenID4VP 1.0 (``direct_post``, DCQL, ``redirect_uri:`` client id)."""

    def __init__(
        self,
        issuer: Issuer,
        engine: Engine,
        *,
        config: OID4VPConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.issuer = issuer
        self.engine = engine
        self.config = config or OID4VPConfig()
        self.clock = clock
        self.follow_issuer_url()

    def follow_issuer_url(self) -> None:
        """The response URI (and the client identifier naming it) under the issuer's public URL."""
        self.response_uri = f"{self.issuer.public_url}{RESPONSE_PATH}"
        self.client_id = f"redirect_uri:{self.response_uri}"

    # the request ---------------------------------------------------------------------------
    def dcql_query(self) -> dict[str, Any]:
        return {
            "credentials": [
                {
                    "id": CREDENTIAL_QUERY_ID,
                    "format": "ldp_vc",
                    "meta": {"type_values": [[LIVENESS_TYPE_IRI]]},
                    "claims": [
                        {"path": ["credentialSubject", "id"]},
                        {"path": ["credentialSubject", "deviceType"]},
                        {"path": ["credentialSubject", "timestamp"]},
                    ],
                }
            ]
        }

    def client_metadata(self) -> dict[str, Any]:
        return {
            "client_name": self.config.client_name,
            "vp_formats_supported": {
                "ldp_vc": {
                    "proof_type_values": ["DataIntegrityProof", ED25519_SIGNATURE_2020],
                    "cryptosuite_values": [EDDSA_RDFC_2022, EDDSA_JCS_2022],
                }
            },
        }

    @_db_errors
    def create_request(self) -> PresentationRequest:
        """A fresh request; rows past their keeping time are swept first."""
        transaction_id = secrets.token_urlsafe(32)
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        now = self.clock()
        expires = now + self.config.request_ttl
        table = oid4vp_requests
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.expires_at < now - self.config.result_ttl))
            conn.execute(
                insert(table).values(
                    transaction_hash=_sha256(transaction_id),
                    state_hash=_sha256(state),
                    nonce=nonce,
                    created_at=now,
                    expires_at=expires,
                    status="pending",
                )
            )
        request = {
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "client_id": self.client_id,
            "response_uri": self.response_uri,
            "nonce": nonce,
            "state": state,
            "dcql_query": self.dcql_query(),
            "client_metadata": self.client_metadata(),
        }
        encoded = {k: json.dumps(v, separators=(",", ":")) if isinstance(v, dict) else v for k, v in request.items()}
        uri = "openid4vp://?" + urllib.parse.urlencode(encoded, quote_via=urllib.parse.quote)
        return PresentationRequest(transaction_id, expires, request, uri)

    # the relying party's view --------------------------------------------------------------
    @_db_errors
    def result(self, transaction_id: str) -> PresentationResult:
        """The request's state; ``PresentationRequestNotFound`` once it is unknown or swept."""
        if not 0 < len(transaction_id) <= MAX_HANDLE_CHARS:
            raise PresentationRequestNotFound("no such presentation request")
        table = oid4vp_requests
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.transaction_hash == _sha256(transaction_id))).first()
        now = self.clock()
        if row is None or _aware(row.expires_at) < now - self.config.result_ttl:
            raise PresentationRequestNotFound("no such presentation request")
        expires = _aware(row.expires_at)
        if row.status in ("verified", "failed"):
            return PresentationResult(row.status, expires, json.loads(row.result))
        return PresentationResult("expired" if expires <= now else "pending", expires)

    # the Response Endpoint -----------------------------------------------------------------
    def respond(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Take the wallet's Authorization Response (or Error Response); ``{}`` once it is taken."""
        state = form.get("state")
        if not state or len(state) > MAX_HANDLE_CHARS:
            raise OID4VPError("invalid_request", "state is required: the request's state")
        row = self._pending(state)
        if "error" in form:
            code = form["error"] if form["error"] in WALLET_ERRORS else "invalid_request"
            verdict = {"verified": False, "reasons": ["wallet_error"], "walletError": code, "checks": []}
            if not self._finish(state, verdict, from_status="pending"):
                raise OID4VPError("invalid_request", "the request is unknown, expired or already answered")
            return {}
        presentation = self._presentation(form.get("vp_token"))
        result = self.issuer.presentations.verify(presentation, challenge=row.nonce, domain=self.client_id)
        passed = {o.name for o in result.outcomes if o.status == "passed"}
        if not passed >= BOUND_CHECKS:
            # Not taken: nothing a stranger sends can close a request its holder still has to answer.
            codes = ", ".join(r for r in result.reasons if r in PRESENTER_REASONS) or "invalid_presentation"
            raise OID4VPError("invalid_request", f"the presentation is not accepted ({codes})")
        if not self._claim(state):
            raise OID4VPError("invalid_request", "the request is unknown, expired or already answered")
        self._finish(state, self._verdict(presentation, result), from_status="presented")
        return {}

    @_db_errors
    def _pending(self, state: str) -> Any:
        table = oid4vp_requests
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.state_hash == _sha256(state))).first()
        now = self.clock()
        if row is None or row.status != "pending" or _aware(row.expires_at) <= now:
            raise OID4VPError("invalid_request", "the request is unknown, expired or already answered")
        return row

    @staticmethod
    def _presentation(raw: str | None) -> dict[str, Any]:
        shape = f'vp_token must be a JSON object {{"{CREDENTIAL_QUERY_ID}": [one Verifiable Presentation]}}'
        if not raw:
            raise OID4VPError("invalid_request", shape)
        try:
            token = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise OID4VPError("invalid_request", shape) from exc
        if not isinstance(token, dict) or set(token) != {CREDENTIAL_QUERY_ID}:
            raise OID4VPError("invalid_request", shape)
        presentations = token[CREDENTIAL_QUERY_ID]
        if not isinstance(presentations, list) or len(presentations) != 1 or not isinstance(presentations[0], dict):
            raise OID4VPError("invalid_request", shape)
        presentation: dict[str, Any] = presentations[0]
        # The query asks for one credential: a presentation of one, as an object or a list of one.
        vcs = presentation.get("verifiableCredential")
        if not (isinstance(vcs, dict) or (isinstance(vcs, list) and len(vcs) == 1)):
            raise OID4VPError("invalid_request", "the presentation must hold exactly one credential")
        return presentation

    @_db_errors
    def _claim(self, state: str) -> bool:
        """pending -> presented, once, while the request is open: the nonce is spent."""
        table = oid4vp_requests
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(
                    table.c.state_hash == _sha256(state),
                    table.c.status == "pending",
                    table.c.expires_at > self.clock(),
                )
                .values(status="presented")
            )
        return bool(done.rowcount == 1)

    @_db_errors
    def _finish(self, state: str, verdict: dict[str, Any], *, from_status: str) -> bool:
        table = oid4vp_requests
        status = "verified" if verdict["verified"] else "failed"
        conditions = [table.c.state_hash == _sha256(state), table.c.status == from_status]
        if from_status == "pending":  # an error response closes only a request still open
            conditions.append(table.c.expires_at > self.clock())
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(*conditions)
                .values(status=status, result=json.dumps(verdict), answered_at=self.clock())
            )
        return bool(done.rowcount == 1)

    def _verdict(self, presentation: dict[str, Any], result: VerificationResult) -> dict[str, Any]:
        """What the relying party learns: codes and, when verified, the signed claims it asked for."""
        verdict: dict[str, Any] = {
            "verified": result.verified,
            "reasons": result.reasons,
            "checks": [*result.checks, "replay"],  # this request was answered once, by this answer
            "credentialResults": [
                {"verified": c.verified, "reasons": c.reasons, "checks": c.checks} for c in result.credentials
            ],
        }
        if not result.verified:
            return verdict
        raw = presentation["verifiableCredential"]
        credential = raw[0] if isinstance(raw, list) else raw
        view = signed_view(credential, self.issuer.loader)
        if CREDENTIAL_TYPE not in types_of(view):
            return {**verdict, "verified": False, "reasons": ["credential_query_mismatch"]}
        subject = view.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        verdict.update(
            issuer=result.issuer,
            holder=subject.get("id"),
            credentialId=view.get("id"),
            claims={k: subject.get(k) for k in ("deviceType", "timestamp")},
        )
        return verdict
