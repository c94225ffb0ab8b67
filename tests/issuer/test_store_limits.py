"""The issuer database never makes a request hang: a full pool, a locked table or a slow statement
is ``StoreUnavailable`` (503) within the configured timeouts (SQLite and PostgreSQL); and the
SQLite file is the owner's only."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from did import Ed25519KeyPair
from issuer import Issuer, IssuerConfig, IssuerStore, StoreUnavailable, database_engine
from tests.guards import finishes
from tests.issuer.conftest import HOLDER, PG_URL, PUBLIC_URL, SEED, Clock


def limited_engine(url: str) -> Engine:
    """Two connections, half a second to get one or to run a statement."""
    return database_engine(url, pool_size=2, pool_timeout_s=0.5, connect_timeout_s=5.0, statement_timeout_s=0.5)


@pytest.fixture
def limited(db_url: str, clock: Clock) -> Iterator[Issuer]:
    store = IssuerStore(limited_engine(db_url), list_size=131_072)
    issuer = Issuer(Ed25519KeyPair(SEED), store, IssuerConfig(public_url=PUBLIC_URL), clock=clock)
    issuer.start()
    yield issuer
    issuer.close()


def _issue(issuer: Issuer) -> dict[str, Any]:
    return issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile"))


def test_a_full_pool_is_store_unavailable(limited: Issuer) -> None:
    held = [limited.store.engine.connect() for _ in range(2)]  # every connection of the pool
    try:
        assert isinstance(finishes(limited.store.count), StoreUnavailable)
        assert isinstance(finishes(lambda: _issue(limited)), StoreUnavailable)
    finally:
        for conn in held:
            conn.close()
    assert finishes(limited.store.count) == 0


def test_a_locked_table_is_store_unavailable_not_a_hang(limited: Issuer, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        # Another process writing: SQLite's busy timeout gives up on the lock.
        locker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            assert isinstance(finishes(lambda: _issue(limited)), StoreUnavailable)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
    else:
        # Another replica (or a migration) holding the table: statement_timeout ends the wait.
        engine = database_engine(db_url)
        try:
            with engine.connect() as conn:
                conn.execute(text("LOCK TABLE status_lists IN ACCESS EXCLUSIVE MODE"))
                assert isinstance(finishes(lambda: _issue(limited)), StoreUnavailable)
                conn.rollback()
        finally:
            engine.dispose()
    assert finishes(lambda: _issue(limited))["credentialStatus"]  # the pool recovered


@pytest.mark.postgres
def test_postgresql_sessions_keep_their_statement_timeout() -> None:
    if not PG_URL:
        pytest.skip("LIVECRED_TEST_POSTGRES_URL not set (.ci/run starts a PostgreSQL and sets it)")
    engine = limited_engine(PG_URL)
    try:
        for _ in range(3):  # through the pool's reset-on-return (a rollback) too
            with engine.connect() as conn:
                assert conn.execute(text("SHOW statement_timeout")).scalar() == "500ms"
    finally:
        engine.dispose()


def test_the_sqlite_file_and_its_side_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "issuer.db"
    old = os.umask(0o022)  # the usual umask, under which SQLite alone would make the file 0644
    try:
        store = IssuerStore(database_engine(f"sqlite:///{path}"), list_size=131_072)
        store.create_schema()
        store.remember_key("did:key:z6Mk#k", "did:key:z6Mk", "z6Mk")
        with store.engine.connect() as conn:  # the WAL and shared-memory files exist while open
            conn.execute(text("SELECT 1"))
            for name in ("issuer.db", "issuer.db-wal", "issuer.db-shm"):
                assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        store.close()
        os.chmod(path, 0o644)  # made by an older version: tightened on the next start
        IssuerStore(database_engine(f"sqlite:///{path}"), list_size=131_072).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)
