"""The SQL storage behind the rate limits, on SQLite and PostgreSQL: one atomic counter per key,
shared by every engine (replica) on the database, restarting when its window ends."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from limits import parse
from limits.errors import StorageError
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine, func, select

from issuer.store import database_engine
from livecred.ratelimit_storage import SQLStorage, rate_limit_counters

PG_URL = os.environ.get("LIVECRED_TEST_POSTGRES_URL")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'limits.db'}"
    if not PG_URL:
        pytest.skip("LIVECRED_TEST_POSTGRES_URL not set (.ci/run starts a PostgreSQL and sets it)")
    engine = database_engine(PG_URL)
    rate_limit_counters.drop(engine, checkfirst=True)
    engine.dispose()
    return PG_URL


@pytest.fixture
def engines(db_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database: two replicas."""
    pair = (database_engine(db_url), database_engine(db_url))
    yield pair
    for engine in pair:
        engine.dispose()


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(rate_limit_counters)).scalar_one())


def test_a_counter_counts_until_its_window_ends_then_restarts(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    storage = SQLStorage(engines[0], clock=clock)
    storage.create_table()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get("other") == 0
    assert storage.get_expiry("k") == clock.now + 60
    clock.now += 30
    assert storage.incr("k", 60, amount=2) == 5
    assert storage.get_expiry("k") == clock.now + 30  # a fixed window: hits do not extend it
    clock.now += 30
    assert storage.get("k") == 0 and storage.get_expiry("k") == clock.now
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == clock.now + 60
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.check()


def test_two_replicas_see_one_counter(engines: tuple[Engine, Engine]) -> None:
    first, second = (SQLStorage(engine) for engine in engines)
    first.create_table()
    second.create_table()  # idempotent: every replica creates it at start-up
    limit = parse("5/hour")
    limiters = [FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)]
    answers = [limiters[i % 2].hit(limit, "sessions", "client") for i in range(7)]
    assert answers == [True] * 5 + [False] * 2
    assert not limiters[0].hit(limit, "sessions", "client") and limiters[1].hit(limit, "sessions", "another")


def test_increments_racing_from_threads_are_all_counted(engines: tuple[Engine, Engine]) -> None:
    storages = [SQLStorage(engine) for engine in engines]
    storages[0].create_table()
    results: list[int] = []
    lock = threading.Lock()

    def hammer(storage: SQLStorage) -> None:
        for _ in range(20):
            value = storage.incr("race", 3600)
            with lock:
                results.append(value)

    threads = [threading.Thread(target=hammer, args=(storages[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert storages[1].get("race") == 120
    assert sorted(results) == list(range(1, 121))  # every increment saw its own count


def test_expired_rows_are_cleaned_up(engines: tuple[Engine, Engine]) -> None:
    clock = Clock()
    storage = SQLStorage(engines[0], clock=clock, cleanup_interval=300)
    storage.create_table()
    for n in range(10):
        storage.incr(f"short-{n}", 60)
    storage.incr("long", 3600)
    assert _rows(engines[0]) == 11
    clock.now += 120
    storage.incr("fresh", 3600)  # the cleanup is not due yet
    assert _rows(engines[0]) == 12
    clock.now += 200
    storage.incr("fresh", 3600)  # due: the ten ended windows go, the live ones stay
    assert _rows(engines[0]) == 2
    assert storage.get("long") == 1 and storage.get("fresh") == 2


def test_database_errors_surface_as_storage_errors(engines: tuple[Engine, Engine]) -> None:
    storage = SQLStorage(engines[0])  # its table was never created
    with pytest.raises(StorageError):
        storage.incr("k", 60)
    assert not storage.check()
