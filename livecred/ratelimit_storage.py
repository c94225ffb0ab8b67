"""A ``limits`` storage in SQL, so that replicas sharing the issuer database share one counter.

``limits`` (the library behind slowapi and Flask-Limiter) brings the strategies and memory and
Redis storages, but nothing for SQL. This is the smallest storage its fixed-window strategy
needs: one row per key (``hits``, ``expires_at``) and an atomic increment, one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite >= 3.35 and PostgreSQL), which
restarts the window when the row has expired. Rows past their expiry are deleted now and then
(at most once per ``cleanup_interval`` per process), so the table holds about one row per
active client and limit.

Times are the replica's wall clock (seconds since the epoch); replicas are expected to keep
their clocks in sync (NTP), and a skew of a second or two only shifts a window's end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import Column, Double, Engine, Index, Integer, MetaData, String, Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["SQLStorage", "rate_limit_counters"]

# Its own metadata: the issuer's schema and this table are created (and dropped) independently.
metadata = MetaData()

rate_limit_counters = Table(
    "rate_limit_counters",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("hits", Integer, nullable=False),
    Column("expires_at", Double, nullable=False),
    Index("ix_rate_limit_counters_expires_at", "expires_at"),
)


class SQLStorage(Storage):
    """Fixed-window counters in a SQLAlchemy database (SQLite or PostgreSQL).

    Built from an engine rather than a URI (``STORAGE_SCHEME`` is unset, so ``limits`` never
    registers it). Blocking: call it off the event loop.
    """

    STORAGE_SCHEME = None

    def __init__(
        self,
        engine: Engine,
        *,
        wrap_exceptions: bool = True,
        cleanup_interval: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(None, wrap_exceptions=wrap_exceptions)
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ConfigurationError(f"rate limit counters need SQLite or PostgreSQL, not {engine.dialect.name}")
        self.engine = engine
        self.cleanup_interval = cleanup_interval
        self.clock = clock
        self._cleaned_at = clock()
        self._cleanup_lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def create_table(self) -> None:
        metadata.create_all(self.engine)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        table = rate_limit_counters
        stmt: postgresql.Insert | sqlite.Insert = (
            postgresql.insert(table) if self.engine.dialect.name == "postgresql" else sqlite.insert(table)
        )
        stmt = stmt.values(key=key, hits=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        upsert = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "hits": case((expired, stmt.excluded.hits), else_=table.c.hits + stmt.excluded.hits),
                "expires_at": case((expired, stmt.excluded.expires_at), else_=table.c.expires_at),
            },
        ).returning(table.c.hits)
        with self.engine.begin() as conn:
            hits = conn.execute(upsert).scalar_one()
        self._cleanup_if_due(now)
        return int(hits)

    def get(self, key: str) -> int:
        table = rate_limit_counters
        with self.engine.connect() as conn:
            hits = conn.execute(
                select(table.c.hits).where(table.c.key == key, table.c.expires_at > self.clock())
            ).scalar()
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        table = rate_limit_counters
        with self.engine.connect() as conn:
            expires_at = conn.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return float(expires_at) if expires_at is not None and expires_at > now else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(rate_limit_counters.c.key).limit(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(rate_limit_counters)).rowcount)

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limit_counters).where(rate_limit_counters.c.key == key))

    def cleanup(self) -> int:
        """Delete the rows whose window has ended; the number deleted."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(rate_limit_counters).where(rate_limit_counters.c.expires_at <= self.clock()))
        return int(result.rowcount)

    def _cleanup_if_due(self, now: float) -> None:
        if now - self._cleaned_at < self.cleanup_interval or not self._cleanup_lock.acquire(blocking=False):
            return
        try:
            self._cleaned_at = now
            self.cleanup()
        finally:
            self._cleanup_lock.release()
