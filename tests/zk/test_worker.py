"""Supervision of the Node worker: crash mid-request, timeout, bounded queue, missing toolchain.

Each test runs its own worker with the ``sleep`` test hook, so a job can be held in flight.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.zk.conftest import ARTIFACTS, NONCE, SCORE, THRESHOLD
from zk import (
    FaceMatchProver,
    NodeWorker,
    NodeWorkerConfig,
    ProverBusy,
    ProverCrashed,
    ProverTimeout,
    ProverUnavailable,
    VerificationKey,
)
from zk._worker import restart_delay

CONFIG = NodeWorkerConfig(ARTIFACTS, timeout_s=30, test_ops=True)


@pytest.fixture
def hooked() -> Iterator[NodeWorker]:
    worker = NodeWorker(CONFIG)
    worker.start()
    yield worker
    worker.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _in_background(worker: NodeWorker, op: str, payload: dict[str, Any]) -> Future[dict[str, Any]]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(worker.call, op, payload)
    pool.shutdown(wait=False)
    return future


def _wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_killed_mid_request_fails_cleanly_and_restarts(hooked: NodeWorker, verification_key: VerificationKey) -> None:
    pid = hooked.pid
    assert pid is not None
    in_flight = _in_background(hooked, "sleep", {"ms": 20_000})
    _wait_until(lambda: hooked._process is not None and bool(hooked._process.pending))
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ProverCrashed, match="in flight"):
        in_flight.result(timeout=10)  # fails at once, long before the 20 s job or the 30 s timeout
    _wait_until(lambda: hooked.pid not in (None, pid))
    assert hooked.restarts == 1 and not _alive(pid)
    proved = FaceMatchProver(hooked, verification_key).prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE)
    assert proved.proof.threshold == THRESHOLD


def test_a_job_past_its_timeout_fails_and_the_worker_is_replaced(verification_key: VerificationKey) -> None:
    worker = NodeWorker(replace(CONFIG, timeout_s=0.5))
    try:
        worker.start()
        pid = worker.pid
        start = time.monotonic()
        with pytest.raises(ProverTimeout):
            worker.call("sleep", {"ms": 10_000})
        assert time.monotonic() - start < 5
        _wait_until(lambda: worker.pid not in (None, pid))
        assert worker.call("ping", {})["pid"] == worker.pid
    finally:
        worker.close()


def test_the_queue_is_bounded(verification_key: VerificationKey) -> None:
    worker = NodeWorker(replace(CONFIG, max_pending=1))
    try:
        worker.start()
        busy = _in_background(worker, "sleep", {"ms": 1500})
        _wait_until(lambda: worker._process is not None and bool(worker._process.pending))
        with pytest.raises(ProverBusy):
            worker.call("ping", {})
        busy.result(timeout=10)
        worker.call("ping", {})  # room again
    finally:
        worker.close()


def test_close_stops_the_process_by_pid() -> None:
    worker = NodeWorker(CONFIG)
    worker.start()
    pid = worker.pid
    assert pid is not None and _alive(pid)
    worker.close()
    assert worker.pid is None and not _alive(pid)
    with pytest.raises(ProverUnavailable, match="shut down"):
        worker.call("ping", {})


def test_the_restart_delay_steps_up_and_is_capped() -> None:
    delays = [restart_delay(n, 1.0, 30.0) for n in range(1, 9)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert restart_delay(10_000, 1.0, 30.0) == 30.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_repeated_crashes_back_off_step_by_step_and_a_healthy_run_resets() -> None:
    clock = FakeClock()
    config = replace(CONFIG, restart_backoff_s=1.0, restart_backoff_max_s=2.0, healthy_after_s=60.0)
    worker = NodeWorker(config, clock=clock)

    def crash() -> int:
        pid = worker.pid
        assert pid is not None
        crashes = worker._crashes
        os.kill(pid, signal.SIGKILL)
        _wait_until(lambda: worker._crashes != crashes)  # the supervisor has seen the exit
        return pid

    try:
        worker.start()
        first = crash()  # the first crash restarts at once
        _wait_until(lambda: worker.pid not in (None, first))
        crash()  # the second waits 1 s
        with pytest.raises(ProverUnavailable, match="restarts in 1 s"):
            worker.call("ping", {})
        with pytest.raises(ProverUnavailable, match="restarts in 1 s"):
            worker.status()
        clock.now += 1.0
        assert worker.call("ping", {})["pid"] == worker.pid
        crash()  # the third 2 s, and so does every later one (the cap)
        clock.now += 1.5
        with pytest.raises(ProverUnavailable, match="restarts in 1 s"):
            worker.call("ping", {})
        clock.now += 0.5
        worker.call("ping", {})
        crash()
        clock.now += 2.0
        worker.call("ping", {})
        clock.now += 60.0  # a healthy minute: the next crash restarts at once again
        restarted = crash()
        _wait_until(lambda: worker.pid not in (None, restarted))
        assert worker.call("ping", {})["pid"] == worker.pid
        assert worker.restarts == 5
        assert "pid" not in worker.status()
    finally:
        worker.close()


def test_missing_node_modules_name_the_fix(tmp_path: Path) -> None:
    worker = NodeWorker(replace(CONFIG, node_modules=tmp_path))
    with pytest.raises(ProverUnavailable, match="livecred zk install"):
        worker.start()


def test_missing_node_names_the_fix(tmp_path: Path) -> None:
    worker = NodeWorker(replace(CONFIG, node=str(tmp_path / "no-node")))
    with pytest.raises(ProverUnavailable, match=r"Node\.js not found"):
        worker.start()


def test_a_worker_that_dies_at_start_reports_its_error(tmp_path: Path) -> None:
    (tmp_path / "snarkjs").mkdir()
    (tmp_path / "snarkjs" / "package.json").write_text("{}")  # looks installed, is not
    worker = NodeWorker(replace(CONFIG, node_modules=tmp_path))
    with pytest.raises(ProverUnavailable, match="did not start"):
        worker.start()


def test_concurrent_jobs_all_complete(hooked: NodeWorker, verification_key: VerificationKey) -> None:
    prover = FaceMatchProver(hooked, verification_key)
    results: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        proof = prover.prove(score=SCORE, threshold=THRESHOLD, nonce=i).proof
        with lock:
            results.append(proof.nonce)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [0, 1, 2, 3]
