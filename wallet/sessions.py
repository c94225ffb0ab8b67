"""Liveness sessions bound to a holder DID, and their one credential.

A session is opened for a holder DID (whose control the wallet proved) with a single-use nonce and
a random order of challenges, which are announced one at a time during the live take
(:mod:`wallet.capture`), never up front. Each take is one attempt; its verdict (names of the checks
passed, never a frame, a score or an embedding) is recorded here. A passed session yields exactly
one credential, either directly (``POST /sessions/{id}/credential`` with a JWS over the nonce) or
through OpenID4VCI's pre-authorized code flow (:mod:`wallet.oid4vci`). Every transition is one
conditional ``UPDATE``, so two replicas sharing PostgreSQL (or two requests racing) cannot both take
the same step::

    pending --take passes--> passed --claim--> issuing --signed--> issued
       |  \\--take fails (attempts left)--> pending
       \\-----take fails (last attempt)---> failed
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine, RowMapping

from did import is_did
from issuer.store import _db_errors, metadata
from wallet._exceptions import (
    AttemptsExhausted,
    CredentialAlreadyIssued,
    InvalidHolderDID,
    SessionCompleted,
    SessionExpired,
    SessionNotFound,
    SessionNotPassed,
)

__all__ = [
    "Session",
    "SessionPolicy",
    "SessionStore",
    "draw_challenges",
    "liveness_sessions",
    "token_hash",
]

liveness_sessions = Table(
    "liveness_sessions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("nonce", String(64), nullable=False),
    Column("holder_did", String(500), nullable=False),
    Column("device_type", String(64), nullable=False),
    Column("challenges", String(200), nullable=False),
    Column("face_match", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("checks", String(500), nullable=True),
    Column("passed_at", DateTime(timezone=True), nullable=True),
    # The Groth16 proof made when the checks passed: public values only (threshold, commitment,
    # nonce, proof); the score it hides is never stored. Cleared once the credential is issued.
    Column("face_match_proof", Text, nullable=True),
    Column("credential_id", String(200), nullable=True),
    Column("offer_code_hash", String(64), nullable=True, unique=True),
    Column("access_token_hash", String(64), nullable=True, unique=True),
    Column("access_token_expires_at", DateTime(timezone=True), nullable=True),
    Index("ix_liveness_sessions_expires_at", "expires_at"),
)

STATES = ("pending", "passed", "failed", "issuing", "issued")
HOLDER_DID_RULE = "holderDid must be a DID of at most 500 characters, without path, query or fragment"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 3
    challenge_types: tuple[str, ...] = ("smile", "blink", "turn_left", "turn_right")
    min_challenges: int = 2
    max_challenges: int = 3


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    nonce: str
    holder_did: str
    device_type: str
    challenges: tuple[str, ...]
    face_match: bool
    created_at: datetime
    expires_at: datetime
    attempts: int
    max_attempts: int
    state: str
    checks: tuple[str, ...] = ()
    passed_at: datetime | None = None
    face_match_proof: Mapping[str, Any] | None = field(default=None, repr=False)
    credential_id: str | None = None

    @property
    def attempts_left(self) -> int:
        return max(0, self.max_attempts - self.attempts) if self.state == "pending" else 0

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def draw_challenges(policy: SessionPolicy) -> tuple[str, ...]:
    """A random order of ``min_challenges``..``max_challenges`` distinct types (CSPRNG)."""
    types = list(dict.fromkeys(policy.challenge_types))
    high = min(policy.max_challenges, len(types))
    low = min(policy.min_challenges, high)
    count = low + secrets.randbelow(high - low + 1)
    drawn: list[str] = []
    while len(drawn) < count:
        drawn.append(types.pop(secrets.randbelow(len(types))))
    return tuple(drawn)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _session(row: RowMapping) -> Session:
    proof = row["face_match_proof"]
    created, expires = _utc(row["created_at"]), _utc(row["expires_at"])
    assert created is not None and expires is not None
    return Session(
        id=row["id"],
        nonce=row["nonce"],
        holder_did=row["holder_did"],
        device_type=row["device_type"],
        challenges=tuple(c for c in str(row["challenges"]).split(",") if c),
        face_match=bool(row["face_match"]),
        created_at=created,
        expires_at=expires,
        attempts=int(row["attempts"]),
        max_attempts=int(row["max_attempts"]),
        state=str(row["state"]),
        checks=tuple(c for c in str(row["checks"] or "").split(",") if c),
        passed_at=_utc(row["passed_at"]),
        face_match_proof=json.loads(proof) if proof else None,
        credential_id=row["credential_id"],
    )


class SessionStore:
    """Sessions in the issuer database (the table shares its metadata)."""

    def __init__(
        self,
        engine: Engine,
        *,
        policy: SessionPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.policy = policy or SessionPolicy()
        self.clock = clock

    # sessions --------------------------------------------------------------------------------
    @_db_errors
    def create(self, *, holder_did: str, device_type: str, face_match: bool) -> Session:
        if not is_did(holder_did) or len(holder_did) > 500:
            raise InvalidHolderDID(HOLDER_DID_RULE)
        now = self.clock()
        values = {
            "id": "lcs_" + secrets.token_urlsafe(18),
            "nonce": secrets.token_urlsafe(32),
            "holder_did": holder_did,
            "device_type": device_type,
            "challenges": ",".join(draw_challenges(self.policy)),
            "face_match": face_match,
            "created_at": now,
            "expires_at": now + self.policy.ttl,
            "attempts": 0,
            "max_attempts": self.policy.max_attempts,
            "state": "pending",
        }
        with self.engine.begin() as conn:
            # Sessions a day past their expiry are of no use to anyone: drop them as we go.
            conn.execute(delete(liveness_sessions).where(liveness_sessions.c.expires_at < now - timedelta(days=1)))
            conn.execute(insert(liveness_sessions).values(**values))
        return self.get(str(values["id"]))

    @_db_errors
    def get(self, session_id: str) -> Session:
        if not isinstance(session_id, str) or not 0 < len(session_id) <= 40:
            raise SessionNotFound("no such session")
        with self.engine.connect() as conn:
            row = conn.execute(select(liveness_sessions).where(liveness_sessions.c.id == session_id)).mappings().first()
        if row is None:
            raise SessionNotFound("no such session")
        return _session(row)

    def _refuse(self, session: Session, now: datetime, *, want: str) -> None:
        """Raise the error that explains why ``session`` cannot take a step that needs ``want``."""
        if session.state in ("issuing", "issued"):
            raise (SessionCompleted if want == "pending" else CredentialAlreadyIssued)(
                "this session's credential was already issued; start a new session"
            )
        if session.expired(now):
            raise SessionExpired("the session has expired; start a new session")
        if session.state == "failed":
            raise AttemptsExhausted(f"all {session.max_attempts} attempts of this session failed; start a new one")
        if session.state == "passed" and want == "pending":
            raise SessionCompleted("this session's checks already passed; request the credential")
        if session.state == "pending" and want == "passed":
            raise SessionNotPassed("the liveness checks of this session have not passed")
        if session.state == "pending" and session.attempts >= session.max_attempts:
            raise AttemptsExhausted(f"all {session.max_attempts} attempts of this session are in use or failed")

    @_db_errors
    def begin_attempt(self, session_id: str) -> Session:
        """Take one attempt (atomically, before any evaluation, so racing requests cannot exceed
        ``max_attempts``); refuses an expired, passed, failed or issued session."""
        now = self.clock()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(liveness_sessions)
                .where(
                    liveness_sessions.c.id == session_id,
                    liveness_sessions.c.state == "pending",
                    liveness_sessions.c.attempts < liveness_sessions.c.max_attempts,
                    liveness_sessions.c.expires_at > now,
                )
                # A fresh order for every take: a failed take must not tell the next one what comes.
                .values(attempts=liveness_sessions.c.attempts + 1, challenges=",".join(draw_challenges(self.policy)))
            ).rowcount
        if taken != 1:
            self._refuse(self.get(session_id), now, want="pending")
            raise SessionCompleted("the session cannot take frames now")
        return self.get(session_id)

    @_db_errors
    def finish_attempt(
        self,
        session: Session,
        *,
        passed: bool,
        checks: Sequence[str] = (),
        face_match_proof: Mapping[str, Any] | None = None,
        offer_code: str | None = None,
    ) -> Session:
        """Record an attempt's verdict: names of the checks passed and the public proof only."""
        now = self.clock()
        table = liveness_sessions.c
        with self.engine.begin() as conn:
            if passed:
                recorded = conn.execute(
                    update(liveness_sessions)
                    .where(table.id == session.id, table.state == "pending")
                    .values(
                        state="passed",
                        checks=",".join(checks),
                        passed_at=now,
                        face_match_proof=json.dumps(dict(face_match_proof)) if face_match_proof else None,
                        offer_code_hash=token_hash(offer_code) if offer_code else None,
                    )
                ).rowcount
                if recorded != 1:  # a racing request of the same session passed first
                    raise SessionCompleted("this session's checks already passed; request the credential")
            else:
                conn.execute(
                    update(liveness_sessions)
                    .where(table.id == session.id, table.state == "pending", table.attempts >= table.max_attempts)
                    .values(state="failed")
                )
        return self.get(session.id)

    @_db_errors
    def claim(self, session_id: str) -> Session:
        """Move a passed, unexpired session to ``issuing`` (once): the caller then signs."""
        now = self.clock()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(liveness_sessions)
                .where(
                    liveness_sessions.c.id == session_id,
                    liveness_sessions.c.state == "passed",
                    liveness_sessions.c.expires_at > now,
                )
                .values(state="issuing")
            ).rowcount
        session = self.get(session_id)
        if taken != 1:
            self._refuse(session, now, want="passed")
            raise CredentialAlreadyIssued("this session's credential is being issued")
        return session

    @_db_errors
    def complete(self, session_id: str, credential_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(liveness_sessions)
                .where(liveness_sessions.c.id == session_id, liveness_sessions.c.state == "issuing")
                .values(state="issued", credential_id=credential_id, face_match_proof=None, access_token_hash=None)
            )

    @_db_errors
    def release(self, session_id: str) -> None:
        """Undo ``claim`` when signing failed, so that the holder can try again."""
        with self.engine.begin() as conn:
            conn.execute(
                update(liveness_sessions)
                .where(liveness_sessions.c.id == session_id, liveness_sessions.c.state == "issuing")
                .values(state="passed")
            )

    # OpenID4VCI codes and tokens (hashes only) ------------------------------------------------
    @_db_errors
    def redeem_offer_code(self, code: str, access_token: str, lifetime: timedelta) -> Session | None:
        """Exchange a pre-authorized code (once) for an access token; ``None`` if not redeemable."""
        now = self.clock()
        table = liveness_sessions.c
        with self.engine.begin() as conn:
            row = conn.execute(
                select(table.id).where(table.offer_code_hash == token_hash(code), table.state == "passed")
            ).first()
            if row is None:
                return None
            taken = conn.execute(
                update(liveness_sessions)
                .where(table.id == row[0], table.offer_code_hash == token_hash(code), table.expires_at > now)
                .values(
                    offer_code_hash=None,
                    access_token_hash=token_hash(access_token),
                    access_token_expires_at=now + lifetime,
                )
            ).rowcount
        return self.get(str(row[0])) if taken == 1 else None

    @_db_errors
    def session_for_token(self, access_token: str) -> Session | None:
        now = self.clock()
        table = liveness_sessions.c
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(liveness_sessions).where(table.access_token_hash == token_hash(access_token)))
                .mappings()
                .first()
            )
        if row is None:
            return None
        expires = _utc(row["access_token_expires_at"])
        return _session(row) if expires is not None and expires > now else None
