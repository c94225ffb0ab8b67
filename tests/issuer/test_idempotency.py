"""Idempotency keys in the issuer database (SQLite and PostgreSQL): one run per key, its answer
replayed for 24 hours, another request under the same key refused, racing requests serialised."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from issuer import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotencyStore,
    InvalidIdempotencyKey,
    IssuerStore,
    database_engine,
    parse_idempotency_key,
)
from tests.issuer.conftest import Clock

REQUEST = {"credential": {"id": "urn:uuid:1"}, "options": {}}


@pytest.fixture
def keys(db_url: str, clock: Clock) -> Iterator[IdempotencyStore]:
    store = IssuerStore(database_engine(db_url, pool_size=10), list_size=131_072)
    store.create_schema()
    yield IdempotencyStore(store.engine, clock=clock)
    store.close()


class Work:
    """Counts its runs; each run answers a new credential."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> dict[str, Any]:
        self.runs += 1
        return {"id": f"urn:uuid:run-{self.runs}"}


def test_one_run_per_key_and_its_answer_replayed(keys: IdempotencyStore, clock: Clock) -> None:
    work = Work()
    first = keys.run("k1", REQUEST, work)
    assert keys.run("k1", {"options": {}, "credential": {"id": "urn:uuid:1"}}, work) == first
    assert work.runs == 1
    with pytest.raises(IdempotencyKeyReused):
        keys.run("k1", {**REQUEST, "options": {"proofType": "Ed25519Signature2020"}}, work)
    assert keys.run("k2", REQUEST, work) != first  # keys are independent
    clock.advance(timedelta(hours=24, seconds=1))  # the key has expired: it is a new request
    assert keys.run("k1", {**REQUEST, "options": {"other": 1}}, work) == {"id": "urn:uuid:run-3"}


def test_a_failed_run_frees_its_key(keys: IdempotencyStore) -> None:
    def fails() -> dict[str, Any]:
        raise ValueError("signing failed")

    with pytest.raises(ValueError):
        keys.run("k", REQUEST, fails)
    assert keys.run("k", REQUEST, Work()) == {"id": "urn:uuid:run-1"}


def test_racing_requests_run_once(keys: IdempotencyStore) -> None:
    others_answered = threading.Event()
    runs: list[int] = []

    def slow() -> dict[str, Any]:
        runs.append(1)
        assert others_answered.wait(timeout=60)
        return {"id": "urn:uuid:winner"}

    def one(_: int) -> Any:
        try:
            return keys.run("k", REQUEST, slow)
        except IdempotencyKeyInUse as exc:
            return exc

    with ThreadPoolExecutor(8) as pool:
        winner = pool.submit(one, 0)
        while not runs:  # the first request holds the key and is running
            time.sleep(0.01)
        losers = list(pool.map(one, range(1, 8)))
        others_answered.set()
        assert winner.result(timeout=60) == {"id": "urn:uuid:winner"}
    assert all(isinstance(answer, IdempotencyKeyInUse) for answer in losers)
    assert len(runs) == 1
    assert keys.run("k", REQUEST, Work()) == {"id": "urn:uuid:winner"}


def test_a_key_whose_process_died_is_taken_over(keys: IdempotencyStore, clock: Clock) -> None:
    assert keys._claim("k-hash", "request-hash") is None  # claimed, then nothing: the process died
    with pytest.raises(IdempotencyKeyInUse):
        keys._claim("k-hash", "request-hash")
    clock.advance(timedelta(minutes=6))
    assert keys._claim("k-hash", "request-hash") is None


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ('"a \\"quoted\\" \\\\ key"', 'a "quoted" \\ key'),
        ("  spaced  ", "spaced"),
    ],
)
def test_header_values_are_parsed(header: str, key: str) -> None:
    assert parse_idempotency_key(header) == key


@pytest.mark.parametrize("header", ["", '""', " ", "x" * 256, "caf\u00e9", "tab\tkey", '"open', 'a"b', '"a\\b"'])
def test_bad_header_values_are_refused_without_quoting_them(header: str) -> None:
    with pytest.raises(InvalidIdempotencyKey) as refused:
        parse_idempotency_key(header)
    assert header.strip() == "" or header not in refused.value.message
