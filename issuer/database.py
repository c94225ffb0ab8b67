"""The issuer database's engine: which driver, and every wait bounded.

A database that is slow, locked or gone must fail a request with ``StoreUnavailable`` (503)
instead of holding its thread, so the pool is bounded and every wait has a deadline. The SQLite
file is created owner-only: it holds holder DIDs.
"""

from __future__ import annotations

import os
import stat

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from issuer._exceptions import IssuerError

__all__ = ["database_engine"]


def _private_sqlite_file(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite opens it, which
    would create it under the umask (usually 0644): it holds holder DIDs. SQLite gives its
    ``-wal`` and ``-shm`` side files the mode of the database file. Files left readable by
    others (a database made before this) are tightened."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
            if os.path.exists(name) and stat.S_IMODE(os.stat(name).st_mode) & 0o077:
                os.chmod(name, 0o600)
    except OSError as exc:
        raise IssuerError(f"cannot create the SQLite database file ({exc.strerror})") from exc


def database_engine(
    url: str,
    *,
    pool_size: int = 5,
    pool_timeout_s: float = 5.0,
    connect_timeout_s: float = 5.0,
    statement_timeout_s: float = 5.0,
) -> Engine:
    """An engine for ``url``; a bare ``postgresql://`` uses the pure-Python pg8000 driver.

    Every wait is bounded, so a database that is slow, locked or gone fails a request with
    :class:`StoreUnavailable` (503) instead of holding its thread: at most ``pool_size``
    connections (no overflow), ``pool_timeout_s`` to get one; PostgreSQL gets
    ``statement_timeout`` (lock waits included) and a socket timeout of ``connect_timeout_s``
    plus that, so that the server's own timeout fires first and the socket's only when the
    server stopped answering; SQLite waits ``statement_timeout_s`` for a lock (its busy timeout).
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+pg8000")
    pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout_s}
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory:
            assert parsed.database is not None
            _private_sqlite_file(parsed.database)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": statement_timeout_s},
            **({} if in_memory else pool),  # an in-memory database has a pool of its own kind
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cursor = conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_engine(
        parsed, pool_pre_ping=True, connect_args={"timeout": connect_timeout_s + statement_timeout_s}, **pool
    )
    statement_ms = max(1, round(statement_timeout_s * 1000))

    @event.listens_for(engine, "connect")
    def _statement_timeout(conn, _record):  # type: ignore[no-untyped-def]
        cursor = conn.cursor()
        cursor.execute(f"SET statement_timeout = {statement_ms}")
        cursor.close()
        conn.commit()  # a SET inside a transaction that is rolled back would be undone

    return engine
