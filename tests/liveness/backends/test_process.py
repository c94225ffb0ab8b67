"""Backend worker processes: the same results as in-process, and supervision that holds when the
worker crashes, hangs, raises, is flooded, or cannot start.

The parts are the project's real ONNX models in a real worker process; the misbehaviour comes from
``faulty.py``, a test-only backend that kills its own process (``os._exit``, SIGKILL), hangs or
raises when the image carries a marker pixel.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from liveness import LivenessEngine
from liveness.backends import (
    BackendBusy,
    BackendCrashed,
    BackendFailed,
    BackendNotStarted,
    Backends,
    BackendSelection,
    BackendTimeout,
    BackendUnavailable,
    BackendWorker,
    IsolatedEmbedder,
    WorkerConfig,
    assemble_engine,
    restart_delay,
)
from liveness.backends._protocol import FactoryCall
from liveness.types import Face
from tests.conftest import MODELS_DIR, read_image
from tests.liveness.backends import faulty

IMAGES = ("deepface_identities/img1.jpg", "deepface_identities/img2.jpg", "silentface_real_spoof/image_F1.jpg")
FAULTY = "tests.liveness.backends.faulty"


def wait_for(predicate: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def faulty_worker(
    config: WorkerConfig | None = None, target: str = "build_faulty_embedder", *args: object
) -> BackendWorker:
    call = FactoryCall(f"{FAULTY}:{target}", (*args, MODELS_DIR))
    return BackendWorker("onnxruntime", {"recognition": call}, config)


@pytest.fixture(scope="module")
def subject(engine: LivenessEngine) -> tuple[np.ndarray, Face]:
    image = read_image(IMAGES[0])
    face = engine.images.detect(image).largest
    assert face is not None
    return image, face


@pytest.fixture
def worker(request: pytest.FixtureRequest) -> Iterator[BackendWorker]:
    config = getattr(request, "param", None) or WorkerConfig(restart_backoff_s=0.2, restart_backoff_max_s=0.5)
    started = faulty_worker(config)
    started.start()
    yield started
    started.close()


def test_isolated_parts_give_bitwise_the_in_process_results(engine: LivenessEngine) -> None:
    selection = BackendSelection(detector="onnx", recognition="onnx:mobilefacenet", antispoof="onnx:MiniFASNet")
    backends = Backends(selection, MODELS_DIR)
    backends.start()
    try:
        (worker,) = backends.workers.values()
        assert worker.pid is not None and worker.pid != os.getpid()
        isolated = assemble_engine(engine, backends)
        assert isinstance(isolated.images.embedder, IsolatedEmbedder)
        for relative in IMAGES:
            image = read_image(relative)
            detection = engine.images.detect(image)
            assert isolated.images.detect(image) == detection
            face = detection.faces[0]
            assert np.array_equal(
                isolated.images.embedder.embed(image, face), engine.images.embedder.embed(image, face)
            )
            assert isolated.images.antispoof.score(image, face) == engine.images.antispoof.score(image, face)
        a, b = read_image(IMAGES[0]), read_image(IMAGES[1])
        assert isolated.images.verify(a, b) == engine.images.verify(a, b)
        assert [(s.part, s.name, s.isolated, s.state) for s in backends.status()] == [
            ("detector", "onnx:yunet", True, "running"),
            ("recognition", "onnx:mobilefacenet", True, "running"),
            ("antispoof", "onnx:minifasnet", True, "running"),
            ("smile", "default", False, "running"),
        ]
        pid = worker.pid
    finally:
        backends.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # closed and reaped
    with pytest.raises(BackendUnavailable):
        isolated.images.detect(read_image(IMAGES[0]))


@pytest.mark.parametrize("marker", [faulty.EXIT, faulty.SIGKILL], ids=["exit", "sigkill"])
def test_a_crash_mid_call_fails_the_call_and_the_worker_restarts(
    worker: BackendWorker, engine: LivenessEngine, subject: tuple[np.ndarray, Face], marker: tuple[int, int, int]
) -> None:
    image, face = subject
    embedder = IsolatedEmbedder(worker, "faulty")
    first = worker.pid
    with pytest.raises(BackendCrashed) as raised:
        embedder.embed(faulty.mark(image, marker), face)
    assert raised.value.code == "backend_crashed" and raised.value.retry_after >= 1
    wait_for(lambda: worker.status().state == "running" and worker.restarts == 1)
    assert worker.pid not in (None, first)
    assert np.array_equal(embedder.embed(image, face), engine.images.embedder.embed(image, face))


@pytest.mark.parametrize("worker", [WorkerConfig(timeout_s=1.0)], indirect=True)
def test_a_hung_call_times_out_and_the_worker_is_replaced(
    worker: BackendWorker, subject: tuple[np.ndarray, Face]
) -> None:
    image, face = subject
    embedder = IsolatedEmbedder(worker, "faulty")
    first = worker.pid
    with pytest.raises(BackendTimeout):
        embedder.embed(faulty.mark(image, faulty.HANG), face)
    wait_for(lambda: worker.status().state == "running" and worker.restarts == 1)
    assert worker.pid != first
    assert embedder.embed(image, face).shape == (128,)


def test_a_full_queue_is_refused_at_once(tmp_path: Path, subject: tuple[np.ndarray, Face]) -> None:
    worker = faulty_worker(WorkerConfig(timeout_s=3.0, max_pending=1), "build_signalling", tmp_path)
    worker.start()
    try:
        image, face = subject
        embedder = IsolatedEmbedder(worker, "faulty")
        outcome: list[BaseException] = []

        def hang() -> None:
            try:
                embedder.embed(faulty.mark(image, faulty.HANG), face)
            except BackendTimeout as exc:
                outcome.append(exc)

        thread = threading.Thread(target=hang)
        thread.start()
        wait_for(lambda: (tmp_path / "hanging").exists())  # the one slot is taken until the timeout
        with pytest.raises(BackendBusy) as refused:
            embedder.embed(image, face)
        assert refused.value.code == "backend_busy" and refused.value.retry_after == 1
        thread.join()
        assert len(outcome) == 1
    finally:
        worker.close()


def test_an_exception_in_the_backend_fails_only_that_call(
    worker: BackendWorker, subject: tuple[np.ndarray, Face]
) -> None:
    image, face = subject
    embedder = IsolatedEmbedder(worker, "faulty")
    with pytest.raises(BackendFailed) as raised:
        embedder.embed(faulty.mark(image, faulty.RAISE), face)
    assert "RuntimeError" in raised.value.message and "on purpose" not in raised.value.message
    assert worker.status().state == "running" and worker.restarts == 0
    assert embedder.embed(image, face).shape == (128,)


def test_a_worker_that_keeps_dying_backs_off_then_recovers(tmp_path: Path, subject: tuple[np.ndarray, Face]) -> None:
    flag = tmp_path / "die-at-start"
    config = WorkerConfig(restart_backoff_s=0.5, restart_backoff_max_s=1.0)
    worker = faulty_worker(config, "build_unless_flagged", flag)
    worker.start()
    try:
        image, face = subject
        embedder = IsolatedEmbedder(worker, "faulty")
        flag.touch()
        with pytest.raises(BackendCrashed):
            embedder.embed(faulty.mark(image, faulty.EXIT), face)
        wait_for(lambda: worker.status().state == "failed")  # the immediate restart died too
        with pytest.raises(BackendUnavailable) as raised:
            embedder.embed(image, face)
        assert raised.value.code == "backend_unavailable" and raised.value.retry_after >= 1
        flag.unlink()
        wait_for(lambda: worker.status().state == "running")
        assert worker.restarts == 1
        assert embedder.embed(image, face).shape == (128,)
    finally:
        worker.close()


def test_restart_delays_double_up_to_the_cap() -> None:
    assert [restart_delay(n, 1.0, 8.0) for n in range(1, 8)] == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize(
    ("target", "args", "reason"),
    [
        ("build_missing_extra", (), "backend_extra_missing"),
        ("build_unless_flagged", (Path(__file__),), "backend_start_failed"),  # the flag exists: dies at start
    ],
)
def test_a_worker_that_cannot_start_says_why(target: str, args: tuple[object, ...], reason: str) -> None:
    worker = faulty_worker(WorkerConfig(), target, *args)
    with pytest.raises(BackendNotStarted) as raised:
        worker.start()
    assert raised.value.reason == reason and raised.value.part == "recognition"
    assert worker.status().state == "failed" and worker.pid is None


def test_missing_weights_are_named(tmp_path: Path) -> None:
    worker = BackendWorker("onnxruntime", {"recognition": FactoryCall(f"{FAULTY}:build_faulty_embedder", (tmp_path,))})
    with pytest.raises(BackendNotStarted) as raised:
        worker.start()
    assert raised.value.reason == "models_unavailable" and raised.value.missing == ("mobilefacenet",)


@pytest.mark.parametrize(("runtime", "other"), [("torch", "tensorflow"), ("tensorflow", "torch")])
def test_a_worker_refuses_to_hold_two_runtimes(runtime: str, other: str) -> None:
    call = FactoryCall(f"{FAULTY}:build_importing", (other, MODELS_DIR))
    worker = BackendWorker(runtime, {"recognition": call})
    with pytest.raises(BackendNotStarted) as raised:
        worker.start()
    assert raised.value.reason == "backend_mixed_runtimes"
