"""Single-use verifier challenges: what makes a copied presentation worthless.

A presentation proves control of the holder's key only for the challenge it signs. The verifier
hands out a random challenge (``issue``), and accepts a presentation signed over it once
(``consume``): the row is marked used in one conditional UPDATE, so two replicas racing with the
same presentation cannot both accept it. Unknown, expired and used challenges are all refused
the same way (``False``). Stored: SHA-256 of the challenge, its domain, and dates; kept until it
expires, then swept.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Index, String, Table, delete, insert, update
from sqlalchemy.engine import Engine

from issuer.store import _db_errors, metadata

__all__ = ["ChallengeStore", "verifier_challenges"]

verifier_challenges = Table(
    "verifier_challenges",
    metadata,
    Column("challenge_hash", String(64), primary_key=True),
    Column("domain", String(255), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_verifier_challenges_expires_at", "expires_at"),
)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ChallengeStore:
    def __init__(
        self,
        engine: Engine,
        *,
        ttl: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock

    @_db_errors
    def issue(self, domain: str) -> tuple[str, datetime]:
        """A fresh challenge for ``domain`` and when it expires."""
        challenge = secrets.token_urlsafe(24)
        now = self.clock()
        expires = now + self.ttl
        with self.engine.begin() as conn:
            conn.execute(delete(verifier_challenges).where(verifier_challenges.c.expires_at < now))
            conn.execute(
                insert(verifier_challenges).values(
                    challenge_hash=_sha256(challenge), domain=domain, expires_at=expires, used_at=None
                )
            )
        return challenge, expires

    @_db_errors
    def consume(self, challenge: str, domain: str) -> bool:
        """True once for a challenge issued here for ``domain`` and not expired; False ever after."""
        if not 0 < len(challenge) <= 256:
            return False
        now = self.clock()
        table = verifier_challenges
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(
                    table.c.challenge_hash == _sha256(challenge),
                    table.c.domain == domain,
                    table.c.used_at.is_(None),
                    table.c.expires_at > now,
                )
                .values(used_at=now)
            )
        return bool(done.rowcount == 1)
