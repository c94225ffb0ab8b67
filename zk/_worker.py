"""NodeWorker: one long-lived snarkjs process, started and supervised from Python.

Why a process and not a library: the standard Groth16 toolchain is JavaScript. Why long-lived:
starting Node, loading snarkjs, compiling the 1.7 MB witness WebAssembly and building the curve
cost ~0.5 s, against ~0.1 s for a warm proof. So the worker starts once (in the service's
lifespan) and jobs travel to it as newline-delimited JSON over its stdin/stdout
(``zk/worker/worker.cjs`` documents the protocol).

Supervision, decided here:

* **Bounded queue.** At most ``max_pending`` jobs are queued or running; one more is refused at
  once with :class:`ProverBusy` instead of waiting without bound.
* **Timeout.** A job that takes longer than ``timeout_s`` raises :class:`ProverTimeout`, and the
  worker is killed and replaced: a single-threaded worker past its deadline is wedged, and
  every job queued behind it would time out too.
* **Restart on crash, with a stepped backoff.** When the process dies, every job in flight fails
  at once with :class:`ProverCrashed` (no caller hangs) and a new process is started at once. A
  worker that dies again before it has run ``healthy_after_s`` is restarted after 1, 2, 4, 8 ...
  s (``restart_backoff_s`` doubling, capped at ``restart_backoff_max_s``); meanwhile jobs get
  :class:`ProverUnavailable` saying when. A worker that crashes at start does not spin, and a
  crash storm costs seconds of proving, not the minute a fixed window would.
* **Shutdown by PID.** :meth:`NodeWorker.close` closes the worker's stdin (it finishes its queue
  and exits), waits briefly, then kills that PID.

The private inputs (score, salt) are written to the worker's stdin only; nothing here logs
them. The worker's stderr is drained into a short buffer that start-up errors quote.
"""

from __future__ import annotations

import collections
import itertools
import json
import logging
import math
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from zk._exceptions import (
    ProverBusy,
    ProverCrashed,
    ProverError,
    ProverTimeout,
    ProverUnavailable,
    WitnessRejected,
    ZKError,
)
from zk.keys import PACKAGE_DIR, Artifacts

__all__ = [
    "DEFAULT_NODE_MODULES",
    "NPM_HINT",
    "WORKER_SCRIPT",
    "NodeWorker",
    "NodeWorkerConfig",
    "WorkerProof",
    "restart_delay",
]

logger = logging.getLogger("livecred.zk")

WORKER_SCRIPT = PACKAGE_DIR / "worker" / "worker.cjs"
DEFAULT_NODE_MODULES = PACKAGE_DIR / "node_modules"
NPM_HINT = f"run `livecred zk install` (or `npm ci --omit=dev --prefix {PACKAGE_DIR}`)"
_STDERR_LINES = 20
_CLOSE_GRACE_S = 3.0


@dataclass(frozen=True, slots=True)
class WorkerProof:
    """A proof as the worker returned it (snarkjs JSON), and the worker's own proving time."""

    proof: Mapping[str, Any]
    public_signals: Sequence[str]
    ms: float


class WorkerProtocol:
    """``prove`` and ``verify`` over the worker's JSON protocol; subclasses carry it (``call``)."""

    def call(self, op: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def prove(self, witness_input: Mapping[str, str], *, circuit: str | None = None) -> WorkerProof:
        """A proof for the default (face-match) circuit, or for ``circuit`` when named."""
        payload: dict[str, Any] = {"input": dict(witness_input)}
        if circuit is not None:
            payload["circuit"] = circuit
        result = self.call("prove", payload)
        return WorkerProof(result["proof"], result["publicSignals"], float(result.get("ms", 0.0)))

    def verify(
        self, verification_key: Mapping[str, Any], proof: Mapping[str, Any], public_signals: Sequence[str]
    ) -> bool:
        result = self.call("verify", {"vk": verification_key, "proof": proof, "publicSignals": list(public_signals)})
        return result.get("verified") is True


@dataclass(frozen=True, slots=True)
class NodeWorkerConfig:
    artifacts: Artifacts
    node: str = "node"
    node_modules: Path = DEFAULT_NODE_MODULES
    timeout_s: float = 30.0
    max_pending: int = 32
    start_timeout_s: float = 20.0
    restart_backoff_s: float = 1.0  # the wait before the second restart in a row; doubles from there
    restart_backoff_max_s: float = 30.0
    healthy_after_s: float = 60.0  # a worker that ran this long before exiting resets the backoff
    test_ops: bool = False  # enables the worker's `sleep` op, for supervision tests
    circuits: tuple[Artifacts, ...] = ()  # further circuits the worker serves, by name (e.g. presentation)


def restart_delay(crashes: int, base_s: float, max_s: float) -> float:
    """Seconds to wait before restarting a worker that exited ``crashes`` times in a row: none the
    first time (a restart takes about a second), then ``base_s``, twice that, ... up to ``max_s``."""
    if crashes <= 1:
        return 0.0
    return min(max_s, base_s * 2.0 ** min(crashes - 2, 64))


def raise_for_error(error: Mapping[str, Any]) -> None:
    """A worker error object -> the matching ZKError."""
    code = str(error.get("code", "worker_error"))
    message = str(error.get("message", "the prover worker failed"))
    if code == "witness_rejected":
        raise WitnessRejected(message)
    raise ProverError(f"prover worker error ({code}): {message}")


class _Job:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: dict[str, Any] | None = None
        self.error: ZKError | None = None

    def finish(self, result: dict[str, Any] | None = None, error: ZKError | None = None) -> None:
        if not self.done.is_set():
            self.result, self.error = result, error
            self.done.set()


class _Process:
    """One running node process, its reader threads, and the jobs sent to it."""

    def __init__(self, popen: subprocess.Popen[str], on_exit: Callable[[_Process, int], None]) -> None:
        self.popen = popen
        self.pending: dict[int, _Job] = {}
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.ready_info: dict[str, Any] | None = None
        self.exited = False
        self.started_at = 0.0  # on the supervisor's clock, once ready
        self.exit_counted = False  # the supervisor has counted this exit towards the backoff
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self._on_exit = on_exit
        self._ids = itertools.count(1)
        assert popen.stdout is not None and popen.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(popen.stdout,), name="zk-worker-out", daemon=True)
        self._drain = threading.Thread(
            target=self._drain_stderr, args=(popen.stderr,), name="zk-worker-err", daemon=True
        )
        self._reader.start()
        self._drain.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def submit(self, op: str, payload: Mapping[str, Any]) -> tuple[int, _Job]:
        job = _Job()
        with self.lock:
            if self.exited:
                raise ProverCrashed("the prover worker has exited")
            job_id = next(self._ids)
            self.pending[job_id] = job
            try:
                assert self.popen.stdin is not None
                self.popen.stdin.write(json.dumps({"id": job_id, "op": op, **payload}) + "\n")
                self.popen.stdin.flush()
            except OSError:
                self.pending.pop(job_id, None)
                raise ProverCrashed("the prover worker closed its input") from None
        return job_id, job

    def forget(self, job_id: int) -> None:
        with self.lock:
            self.pending.pop(job_id, None)

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            try:
                message = json.loads(line)
            except ValueError:
                logger.warning("zk worker wrote a non-protocol line to stdout")
                continue
            if not isinstance(message, dict):
                continue
            if message.get("ready") is True and not self.ready.is_set():
                self.ready_info = message
                self.ready.set()
                continue
            job_id = message.get("id")
            with self.lock:
                job = self.pending.pop(job_id, None) if isinstance(job_id, int) else None
            if job is None:
                continue
            if message.get("ok") is True:
                job.finish(result=message)
            else:
                error = message.get("error")
                try:
                    raise_for_error(error if isinstance(error, dict) else {})
                except ZKError as exc:
                    job.finish(error=exc)
        # EOF: the process is gone (or going). Fail everything it still owed, then report.
        stream.close()
        code = self.popen.wait()
        with self.lock:
            self.exited = True
            orphans = list(self.pending.values())
            self.pending.clear()
            self._close_stdin()
        for job in orphans:
            job.finish(error=ProverCrashed(f"the prover worker exited (status {code}) with the job in flight"))
        self.ready.set()
        self._on_exit(self, code)

    def _drain_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            self.stderr_tail.append(line.rstrip()[:300])
        stream.close()

    def _close_stdin(self) -> None:
        try:
            if self.popen.stdin is not None:
                self.popen.stdin.close()
        except OSError:
            pass

    def stop(self, grace_s: float) -> None:
        """Close stdin (the worker finishes and exits), then kill this PID if it has not."""
        with self.lock:
            self._close_stdin()
        try:
            self.popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reader.join(timeout=grace_s)
        self._drain.join(timeout=grace_s)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()


class NodeWorker(WorkerProtocol):
    """The prover backend over a supervised local ``node worker.cjs`` process."""

    def __init__(self, config: NodeWorkerConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._process: _Process | None = None
        self._closing = False
        self._slots = threading.BoundedSemaphore(config.max_pending)
        self._crashes = 0  # exits in a row, each before the worker had run healthy_after_s
        self._restart_at = 0.0  # no restart before this time (clock)
        self.restarts = 0

    # --- lifecycle -------------------------------------------------------------------------

    def check_environment(self) -> None:
        """Raise :class:`ProverUnavailable` naming the fix when node or snarkjs is missing."""
        if shutil.which(self.config.node) is None:
            raise ProverUnavailable(
                f"Node.js not found (`{self.config.node}`): install Node.js 18 or newer, "
                "or configure the path to the node executable"
            )
        if not (self.config.node_modules / "snarkjs" / "package.json").is_file():
            raise ProverUnavailable(f"the zk node_modules are not installed in {self.config.node_modules}: {NPM_HINT}")
        self.config.artifacts.check()
        for extra in self.config.circuits:
            extra.check()

    def start(self) -> None:
        """Start the worker now (and check the environment); later jobs restart it as needed."""
        with self._lock:
            self._closing = False
            self._ensure_running()

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and not process.exited else None

    def status(self) -> dict[str, Any]:
        """Where the worker stands, fit to publish (no PID); raises :class:`ProverUnavailable`
        (naming the fix) when down."""
        if self.pid is None:
            self.check_environment()
            with self._lock:
                self._refuse_during_backoff()
            raise ProverUnavailable("the prover worker is not running; the next proof request starts it")
        return {"backend": "local", "restarts": self.restarts}

    def close(self) -> None:
        with self._lock:
            self._closing = True
            process, self._process = self._process, None
        if process is not None:
            process.stop(_CLOSE_GRACE_S)

    def _command(self) -> list[str]:
        a = self.config.artifacts
        node = shutil.which(self.config.node) or self.config.node
        command = [
            node,
            str(WORKER_SCRIPT),
            "--wasm",
            str(a.wasm),
            "--zkey",
            str(a.zkey),
            "--vk",
            str(a.verification_key),
        ]
        command += ["--node-modules", str(self.config.node_modules)]
        for extra in self.config.circuits:
            command += ["--circuit-dir", f"{extra.circuit}={extra.directory}"]
        return command + (["--test-ops"] if self.config.test_ops else [])

    def _ensure_running(self) -> _Process:
        """The live process, started if there is none. Call with ``self._lock`` held."""
        if self._closing:
            raise ProverUnavailable("the prover worker is shut down")
        if self._process is not None and not self._process.exited:
            return self._process
        restarting = self._process is not None
        if restarting:
            assert self._process is not None
            self._count_exit(self._process)  # unless the reader thread already did
            self._refuse_during_backoff()
        try:
            process = self._spawn()
        except ProverUnavailable:
            if restarting:  # a failed restart is one more failure in a row
                self._crashes += 1
                self._restart_at = self._clock() + self._delay()
            raise
        process.started_at = self._clock()
        self._process = process
        if restarting:
            self.restarts += 1
            logger.warning("zk prover worker restarted (pid %d)", process.pid)
        else:
            snarkjs = (process.ready_info or {}).get("snarkjs")
            logger.info("zk prover worker started (pid %d, snarkjs %s)", process.pid, snarkjs)
        return process

    def _delay(self) -> float:
        return restart_delay(self._crashes, self.config.restart_backoff_s, self.config.restart_backoff_max_s)

    def _count_exit(self, process: _Process) -> None:
        """Count ``process``'s exit (once) and set when the next start may happen. Lock held."""
        if process.exit_counted:
            return
        process.exit_counted = True
        now = self._clock()
        if now - process.started_at >= self.config.healthy_after_s:
            self._crashes = 0
        self._crashes += 1
        self._restart_at = now + self._delay()

    def _refuse_during_backoff(self) -> None:
        """Raise :class:`ProverUnavailable` while a restart is held back. Lock held."""
        wait = self._restart_at - self._clock()
        if wait > 0:
            raise ProverUnavailable(
                f"the prover worker exited {self._crashes} times in a row; it restarts in {math.ceil(wait)} s"
            )

    def _spawn(self) -> _Process:
        """Start a process and wait until it is ready. Lock held."""
        self.check_environment()
        try:
            popen = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
                cwd=PACKAGE_DIR,
            )
        except OSError as exc:
            raise ProverUnavailable(f"cannot start the prover worker: {exc.strerror or exc}") from exc
        process = _Process(popen, self._on_exit)
        if not process.ready.wait(self.config.start_timeout_s) or process.ready_info is None:
            process.kill()
            process.stop(1.0)  # joins the stderr drain, so the message below quotes it
            detail = "; ".join(process.stderr_tail) or "no output"
            raise ProverUnavailable(f"the prover worker did not start: {detail}")
        return process

    def _on_exit(self, process: _Process, code: int) -> None:
        """Reader-thread callback when a process ends: restart it unless we are closing."""
        with self._lock:
            if self._closing or process is not self._process:
                return
            logger.error("zk prover worker (pid %d) exited with status %d", process.pid, code)
            self._count_exit(process)
            try:
                self._ensure_running()
            except ZKError as exc:
                logger.error("zk prover worker not restarted: %s", exc.message)

    # --- jobs ------------------------------------------------------------------------------

    def call(self, op: str, payload: Mapping[str, Any], *, timeout_s: float | None = None) -> dict[str, Any]:
        """Send one job and wait for its answer, under the queue bound and the timeout."""
        if not self._slots.acquire(blocking=False):
            raise ProverBusy(f"the prover queue is full ({self.config.max_pending} jobs); retry shortly")
        try:
            with self._lock:
                process = self._ensure_running()
            job_id, job = process.submit(op, payload)
            timeout = self.config.timeout_s if timeout_s is None else timeout_s
            if not job.done.wait(timeout):
                process.forget(job_id)
                logger.error("zk prover job timed out after %.1f s; replacing worker pid %d", timeout, process.pid)
                process.kill()  # the reader thread sees EOF, fails the rest, and restarts
                raise ProverTimeout(f"the prover did not answer within {timeout:.1f} s")
            if job.error is not None:
                raise job.error
            assert job.result is not None
            return job.result
        finally:
            self._slots.release()
