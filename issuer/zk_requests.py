"""The verifier's zero-knowledge presentation requests: made here, answered once.

A request fixes every public input of the presentation circuit but the issuer key
(docs/zk-presentations.md): threshold, required checks, notBefore, atTime, a fresh random nonce,
domain and scope. It is stored (so that a holder's answer is checked against what this verifier
asked, never against what the holder says was asked), expires after ``ttl``, and is used at
most once: the row is marked used in one conditional ``UPDATE`` when a proof for it verifies,
so two replicas racing with the same proof cannot both accept it. Rows are swept once expired.
Nothing of the holder is stored: a request row is what the verifier chose.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, Index, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Engine

from issuer.store import _db_errors, metadata

__all__ = ["StoredRequest", "ZKRequestStore", "zk_presentation_requests"]

zk_presentation_requests = Table(
    "zk_presentation_requests",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("request", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_zk_presentation_requests_expires_at", "expires_at"),
)

REQUEST_ID_PREFIX = "zkr_"


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """A request as it was made: ``request`` is its JSON form (what the holder is given)."""

    id: str
    request: dict[str, Any]
    expires_at: datetime
    used: bool


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ZKRequestStore:
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
    def add(self, request: dict[str, Any]) -> StoredRequest:
        """Store ``request`` (its ``id`` and ``expiresAt`` are filled in here)."""
        now = self.clock()
        expires = now + self.ttl
        request_id = REQUEST_ID_PREFIX + secrets.token_urlsafe(24)
        stored = {"id": request_id, **request, "expiresAt": expires.replace(microsecond=0).isoformat()}
        stored["expiresAt"] = stored["expiresAt"].replace("+00:00", "Z")
        with self.engine.begin() as conn:
            table = zk_presentation_requests
            conn.execute(delete(table).where(table.c.expires_at < now))
            conn.execute(
                insert(table).values(id=request_id, request=json.dumps(stored), expires_at=expires, used_at=None)
            )
        return StoredRequest(request_id, stored, expires, False)

    @_db_errors
    def get(self, request_id: str) -> StoredRequest | None:
        """The request, unless unknown or expired (used ones are returned, marked used)."""
        if not isinstance(request_id, str) or not 0 < len(request_id) <= 40:
            return None
        table = zk_presentation_requests
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == request_id)).mappings().first()
        if row is None:
            return None
        expires = _utc(row["expires_at"])
        if expires <= self.clock():
            return None
        return StoredRequest(row["id"], json.loads(row["request"]), expires, row["used_at"] is not None)

    @_db_errors
    def consume(self, request_id: str) -> bool:
        """True once for an unexpired request; False ever after (or for an unknown one)."""
        now = self.clock()
        table = zk_presentation_requests
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(table.c.id == request_id, table.c.used_at.is_(None), table.c.expires_at > now)
                .values(used_at=now)
            )
        return bool(done.rowcount == 1)
