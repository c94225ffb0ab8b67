"""What a session keeps for its zero-knowledge claim, from the take until the credential is issued.

A holder that wants to prove liveness in zero knowledge later sends ``zkHolderCommitment``
(``Poseidon(holderSecret)``) when it opens the session. When the take passes, the face-match
score and the salt of its commitment (the opening of ``Poseidon(score, salt)``, the same
commitment the Groth16 evidence carries) are kept here until issuance: the issuer then signs a
``LivenessClaim`` over the commitment, and the holder gets the opening once, beside the
credential. The row is deleted when the credential is issued, and rows of sessions a day past
their expiry are swept, so an opening lives at most as long as its session. A table of its own
(not columns of ``liveness_sessions``) so that existing databases gain it by ``create_all``.
Without a commitment a session has no row, and its credential carries no claim.

A session opened without a face match has no score: its claim commits to score 0 (and its
checks lack ``face_match``), which satisfies only a request with threshold 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

from issuer.store import _db_errors, metadata
from wallet._exceptions import InvalidHolderCommitment
from zk import MAX_SCORE, SCALAR_FIELD_ORDER

__all__ = ["ClaimOpening", "PendingClaim", "ZKClaimStore", "parse_holder_commitment", "zk_session_claims"]

zk_session_claims = Table(
    "zk_session_claims",
    metadata,
    Column("session_id", String(40), primary_key=True),
    Column("holder_commitment", String(80), nullable=False),
    # The opening of the score commitment, from a passed take until issuance (then deleted).
    Column("score", Integer, nullable=True),
    Column("salt", String(80), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_zk_session_claims_expires_at", "expires_at"),
)

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,76}")
COMMITMENT_RULE = (
    "zkHolderCommitment must be Poseidon(holderSecret): a decimal string below the BN254 scalar field order"
)


def parse_holder_commitment(value: object) -> int:
    """The holder commitment as a field element, else :class:`InvalidHolderCommitment`."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value) or int(value) >= SCALAR_FIELD_ORDER:
        raise InvalidHolderCommitment(COMMITMENT_RULE)
    return int(value)


@dataclass(frozen=True, slots=True)
class ClaimOpening:
    """The private opening of ``Poseidon(score, salt)``: for the holder, once, never logged."""

    score: int = field(repr=False)
    salt: int = field(repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.score <= MAX_SCORE or not 0 <= self.salt < SCALAR_FIELD_ORDER:
            raise ValueError("a claim opening is a score in [0, 10000] and a salt in the scalar field")

    def to_json(self) -> dict[str, str]:
        return {"score": str(self.score), "salt": str(self.salt)}


@dataclass(frozen=True, slots=True)
class PendingClaim:
    holder_commitment: int
    opening: ClaimOpening | None = field(default=None, repr=False)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ZKClaimStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock

    @_db_errors
    def remember(self, session_id: str, holder_commitment: int, expires_at: datetime) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(zk_session_claims).where(zk_session_claims.c.expires_at < now - timedelta(days=1)))
            conn.execute(
                insert(zk_session_claims).values(
                    session_id=session_id, holder_commitment=str(holder_commitment), expires_at=_utc(expires_at)
                )
            )

    @_db_errors
    def record_opening(self, session_id: str, opening: ClaimOpening) -> bool:
        """Keep the opening with a session that asked for a claim; False (nothing kept) otherwise."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(zk_session_claims)
                .where(zk_session_claims.c.session_id == session_id)
                .values(score=opening.score, salt=str(opening.salt))
            ).rowcount
        return bool(done == 1)

    @_db_errors
    def get(self, session_id: str) -> PendingClaim | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(zk_session_claims).where(zk_session_claims.c.session_id == session_id))
                .mappings()
                .first()
            )
        if row is None:
            return None
        opening = None
        if row["score"] is not None and row["salt"] is not None:
            opening = ClaimOpening(int(row["score"]), int(row["salt"]))
        return PendingClaim(int(row["holder_commitment"]), opening)

    @_db_errors
    def forget(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(zk_session_claims).where(zk_session_claims.c.session_id == session_id))
