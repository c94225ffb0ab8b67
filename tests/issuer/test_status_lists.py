"""Status lists fill one at a time, even under concurrent issuance (SQLite and PostgreSQL).

A list exists to hide each credential in a herd: a list opened beside a half-empty one holds a
handful of credentials, whose status checks then tell who is who. So a new list is opened only
when the current one is full, and concurrent issuers that find none open all use the same one.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from did import Ed25519KeyPair
from issuer import MIN_LIST_BITS, Issuer, IssuerConfig, IssuerStore, database_engine
from issuer.store import status_lists
from tests.issuer.conftest import HOLDER, PUBLIC_URL, SEED, Clock

THREADS = 12


def _issuer(db_url: str, clock: Clock, *, per_list: int | None = None) -> Issuer:
    # A pool as large as the crowd, so that every thread is in a transaction at once.
    engine = database_engine(db_url, pool_size=THREADS, pool_timeout_s=60, statement_timeout_s=60)
    ratio = 0.5 if per_list is None else per_list / MIN_LIST_BITS
    store = IssuerStore(engine, list_size=MIN_LIST_BITS, fill_ratio=ratio)
    issuer = Issuer(Ed25519KeyPair(SEED), store, IssuerConfig(public_url=PUBLIC_URL), clock=clock)
    issuer.start()
    return issuer


def _issue_at_once(issuer: Issuer, count: int) -> list[dict[str, Any]]:
    start = threading.Barrier(count)

    def one(_: int) -> dict[str, Any]:
        start.wait(timeout=60)
        return issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile"))

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def _lists(issuer: Issuer) -> dict[str, int]:
    with issuer.store.engine.connect() as conn:
        rows = conn.execute(select(status_lists.c.id, status_lists.c.allocated)).all()
    return {str(list_id): int(allocated) for list_id, allocated in rows}


def test_concurrent_first_issuances_share_one_list(db_url: str, clock: Clock) -> None:
    issuer = _issuer(db_url, clock)
    try:
        vcs = _issue_at_once(issuer, THREADS)
        assert len({vc["credentialStatus"]["statusListCredential"] for vc in vcs}) == 1
        assert list(_lists(issuer).values()) == [THREADS]
        assert len({vc["credentialStatus"]["statusListIndex"] for vc in vcs}) == THREADS
        assert all(issuer.verify(vc).verified for vc in vcs[:2])
    finally:
        issuer.close()


def test_a_new_list_opens_only_when_the_current_one_is_full(db_url: str, clock: Clock) -> None:
    issuer = _issuer(db_url, clock, per_list=3)
    try:
        vcs = _issue_at_once(issuer, THREADS)
        per_list = Counter(vc["credentialStatus"]["statusListCredential"] for vc in vcs)
        assert sorted(per_list.values()) == [3, 3, 3, 3]
        assert sorted(_lists(issuer).values()) == [3, 3, 3, 3]
        with issuer.store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(status_lists)).scalar() == 4
    finally:
        issuer.close()


def test_an_open_list_made_before_lists_were_numbered_is_filled_first(tmp_path: Path, clock: Clock) -> None:
    issuer = _issuer(f"sqlite:///{tmp_path / 'issuer.db'}", clock)
    try:
        with issuer.store.engine.begin() as conn:
            conn.execute(
                insert(status_lists).values(
                    id="older0123456789a",
                    purpose="revocation",
                    size=MIN_LIST_BITS,
                    allocated=1,
                    version=0,
                    created_at=datetime.now(UTC),
                )
            )
        vcs = _issue_at_once(issuer, 2)
        assert {vc["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1] for vc in vcs} == {"older0123456789a"}
    finally:
        issuer.close()
