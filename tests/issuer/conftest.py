"""Issuer fixtures: a fixed key, an in-memory clock, and an issuer on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from did import Ed25519KeyPair
from issuer import MIN_LIST_BITS, Issuer, IssuerConfig, IssuerStore

SEED = bytes(range(32))
HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
PUBLIC_URL = "https://issuer.example"
T0 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def make_issuer(db_url: str, clock: Clock, **config: Any) -> Issuer:
    store = IssuerStore.from_url(db_url, list_size=MIN_LIST_BITS)
    issuer = Issuer(Ed25519KeyPair(SEED), store, IssuerConfig(public_url=PUBLIC_URL, **config), clock=clock)
    issuer.start()
    return issuer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer(tmp_path: Path, clock: Clock) -> Iterator[Issuer]:
    issuer = make_issuer(f"sqlite:///{tmp_path / 'issuer.db'}", clock)
    yield issuer
    issuer.close()


def didkit(command: dict[str, Any]) -> dict[str, Any]:
    """Run one didkit command in a child process (see didkit_tool.py)."""
    tool = Path(__file__).with_name("didkit_tool.py")
    done = subprocess.run(
        [sys.executable, str(tool)], input=json.dumps(command), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    assert "exception" not in answer, answer["exception"]
    return answer


PG_URL = os.environ.get("LIVECRED_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'issuer.db'}"
    if not PG_URL:
        pytest.skip("LIVECRED_TEST_POSTGRES_URL not set (.ci/run starts a PostgreSQL and sets it)")
    # A fresh schema per test: drop what an earlier test left.
    from issuer.store import database_engine, metadata

    engine = database_engine(PG_URL)
    metadata.drop_all(engine)
    engine.dispose()
    return PG_URL
