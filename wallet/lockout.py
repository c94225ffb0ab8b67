"""Lockout: repeated failures from one device lock that device out for a while.

What counts, and against whom (the design protects victims, not only the service):

* A failed liveness take counts against the **session** (its attempts run out) and the **device**
  that made it (the client address, behind trusted proxies). It never counts against the holder
  DID: since opening a session needs proof of possession of the DID, failures with a DID come from
  its holder, and counting them per DID would let anyone who can name a DID block its owner.
* A holder proof that does not verify counts against the device.
* The credential step of a session that passed is never blocked: a lockout earned afterwards (by
  the same address, e.g. a shared NAT) cannot take a passed session's credential away.

``failures`` within ``window`` lock a subject out for ``duration``. Subjects are stored as keyed
hashes (HMAC-SHA256 with a secret derived from the issuer key), never as raw addresses.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from issuer.store import _db_errors, metadata
from wallet._exceptions import LockedOut

__all__ = ["Lockout", "LockoutPolicy", "subject_key"]

session_failures = Table(
    "session_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_session_failures_subject_at", "subject", "at"),
)

session_lockouts = Table(
    "session_lockouts",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("until", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """``failures`` within ``window`` lock a subject out for ``duration``."""

    failures: int = 5
    window: timedelta = timedelta(minutes=3)
    duration: timedelta = timedelta(minutes=30)


def subject_key(secret: bytes, kind: str, value: str) -> str:
    """The stored form of a lockout subject: HMAC-SHA256(secret, kind:value), hex."""
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Lockout:
    """Failures and lockouts in the issuer database (the tables share its metadata)."""

    def __init__(
        self,
        engine: Engine,
        secret: bytes,
        policy: LockoutPolicy | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.policy = policy or LockoutPolicy()
        self.clock = clock
        self._secret = secret

    def devices(self, device: str | None) -> list[str]:
        """The lockout subjects of a client (its address, keyed), empty when it is unknown."""
        return [subject_key(self._secret, "device", device)] if device else []

    @_db_errors
    def check(self, subjects: Iterable[str]) -> None:
        keys = list(subjects)
        if not keys:
            return
        now = self.clock()
        with self.engine.connect() as conn:
            until = conn.execute(
                select(func.max(session_lockouts.c.until)).where(session_lockouts.c.subject.in_(keys))
            ).scalar()
        until = _utc(until)
        if until is not None and until > now:
            seconds = max(1, int((until - now).total_seconds() + 0.999))
            raise LockedOut(f"too many failed liveness attempts; try again in {seconds} s", retry_after=seconds)

    @_db_errors
    def record_failure(self, subjects: Iterable[str]) -> None:
        """Count a failure for each subject and lock out those that reach the policy's limit."""
        now = self.clock()
        since = now - self.policy.window
        keys = list(dict.fromkeys(subjects))
        with self.engine.begin() as conn:
            conn.execute(delete(session_failures).where(session_failures.c.at < since))
            for key in keys:
                conn.execute(insert(session_failures).values(subject=key, at=now))
                count = conn.execute(
                    select(func.count())
                    .select_from(session_failures)
                    .where(session_failures.c.subject == key, session_failures.c.at >= since)
                ).scalar_one()
                if count >= self.policy.failures:
                    until = now + self.policy.duration
                    done = conn.execute(
                        update(session_lockouts).where(session_lockouts.c.subject == key).values(until=until)
                    ).rowcount
                    if not done:
                        conn.execute(insert(session_lockouts).values(subject=key, until=until))
                    conn.execute(delete(session_failures).where(session_failures.c.subject == key))

    @_db_errors
    def clear(self, subjects: Iterable[str]) -> None:
        keys = list(subjects)
        if not keys:
            return
        with self.engine.begin() as conn:
            conn.execute(delete(session_failures).where(session_failures.c.subject.in_(keys)))
