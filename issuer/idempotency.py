"""Idempotent requests (IETF draft-ietf-httpapi-idempotency-key-header): a retried
``POST /credentials/issue`` with the same ``Idempotency-Key`` gets the first answer again instead
of a second credential.

A key is claimed by inserting its hash (the primary key), so of two requests racing with one key
exactly one runs; the other is refused with :class:`IdempotencyKeyInUse` (409, as the draft asks)
while the first runs, and gets its answer afterwards. A key sent again with another request is
:class:`IdempotencyKeyReused` (422). Stored: SHA-256 of the key, SHA-256 of the request (canonical
JSON), and the response (the issued credential: no biometrics), for ``ttl`` (24 h)::

    (no row) --claim--> running --the request succeeds--> done: the response, replayed until ttl
                           \\--the request fails--> (no row): the key may be used again

A running row older than ``running_timeout`` (its process died) may be claimed again. Should a
process die after issuing but before recording the answer, the retry issues a second credential:
the one case in which the key does not hold.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, Index, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from issuer._exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidIdempotencyKey, StoreUnavailable
from issuer.store import _db_errors, _utc, metadata

__all__ = ["IdempotencyStore", "idempotency_keys", "parse_idempotency_key"]

MAX_KEY_CHARS = 255

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("response", Text, nullable=True),  # JSON, once the request succeeded
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)


def parse_idempotency_key(header: str) -> str:
    """The key in an ``Idempotency-Key`` header: the draft's Structured Field string
    (``"8e03978e-..."``), or the same text unquoted as many clients send it; 1-255 printable
    ASCII characters. Raises :class:`InvalidIdempotencyKey` (which quotes nothing)."""
    value = header.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner, key, escaped = value[1:-1], [], False
        for char in inner:
            if escaped:
                if char not in '"\\':
                    raise InvalidIdempotencyKey("Idempotency-Key is not a valid quoted string")
                key.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                raise InvalidIdempotencyKey("Idempotency-Key is not a valid quoted string")
            else:
                key.append(char)
        if escaped:
            raise InvalidIdempotencyKey("Idempotency-Key is not a valid quoted string")
        value = "".join(key)
    elif '"' in value:
        raise InvalidIdempotencyKey("Idempotency-Key is not a valid quoted string")
    if not 0 < len(value) <= MAX_KEY_CHARS or not all(" " <= c <= "~" for c in value):
        raise InvalidIdempotencyKey(f"Idempotency-Key must be 1-{MAX_KEY_CHARS} printable ASCII characters")
    return value


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request_hash(request: object) -> str:
    """SHA-256 of ``request`` as canonical JSON: key order and white space do not matter."""
    return _sha256(json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


class IdempotencyStore:
    """Idempotency keys in the issuer database (the table shares its metadata)."""

    def __init__(
        self,
        engine: Engine,
        *,
        scope: str = "credentials/issue",
        ttl: timedelta = timedelta(hours=24),
        running_timeout: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.scope = scope
        self.ttl = ttl
        self.running_timeout = running_timeout
        self.clock = clock

    def run(self, key: str, request: object, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``work()``'s answer for the first request with ``key``; that same answer for a retry."""
        key_hash = _sha256(f"{self.scope}\0{key}")
        fingerprint = request_hash(request)
        stored = self._claim(key_hash, fingerprint)
        if stored is not None:
            return stored
        try:
            response = work()
        except BaseException:
            # The request's own error is the answer; a key left running frees itself later.
            with contextlib.suppress(StoreUnavailable):
                self._release(key_hash)
            raise
        self._finish(key_hash, response)
        return response

    @_db_errors
    def _claim(self, key_hash: str, fingerprint: str) -> dict[str, Any] | None:
        """``None`` when this request now holds the key (and runs); else the stored answer."""
        table = idempotency_keys.c
        for _ in range(3):
            now = self.clock()
            try:
                with self.engine.begin() as conn:
                    conn.execute(delete(idempotency_keys).where(table.created_at < now - self.ttl))
                    conn.execute(
                        insert(idempotency_keys).values(key_hash=key_hash, request_hash=fingerprint, created_at=now)
                    )
                return None
            except IntegrityError:
                pass  # the key is known: look at what it holds
            with self.engine.connect() as conn:
                row = conn.execute(select(idempotency_keys).where(table.key_hash == key_hash)).mappings().first()
            if row is None:
                continue  # its request failed (or it expired) in the meantime: claim it again
            if row["request_hash"] != fingerprint:
                raise IdempotencyKeyReused("this Idempotency-Key was used with another request")
            if row["response"] is not None:
                answer: dict[str, Any] = json.loads(row["response"])
                return answer
            started = _utc(row["created_at"])
            if started is not None and started < now - self.running_timeout:
                with self.engine.begin() as conn:  # its process died: take the key over
                    taken = conn.execute(
                        update(idempotency_keys)
                        .where(
                            table.key_hash == key_hash, table.response.is_(None), table.created_at == row["created_at"]
                        )
                        .values(created_at=now)
                    ).rowcount
                if taken == 1:
                    return None
                continue
            break
        raise IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed; retry shortly")

    @_db_errors
    def _finish(self, key_hash: str, response: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.key_hash == key_hash, idempotency_keys.c.response.is_(None))
                .values(response=json.dumps(response, separators=(",", ":")))
            )

    @_db_errors
    def _release(self, key_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.key_hash == key_hash, idempotency_keys.c.response.is_(None)
                )
            )
