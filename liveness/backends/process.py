"""BackendWorker: model parts of one runtime, built and served in a supervised child process.

Why a process: TensorFlow and PyTorch crash when they share one, and a native crash in either
must not take the service down. So each runtime's parts live in a worker of their own
(``python -m liveness.backends._child``, a fresh interpreter: no TensorFlow or torch state is
forked from the service, which never imports them). Calls travel as pickle frames
(``_protocol.py``). The discipline is the zk prover worker's (``zk/_worker.py``):

* **Bounded queue.** At most ``max_pending`` calls are queued or running; one more is refused at
  once with :class:`BackendBusy` (503 + Retry-After).
* **Timeout.** A call without an answer after ``timeout_s`` raises :class:`BackendTimeout`, and
  the worker is killed and replaced: a serial worker past its deadline is wedged.
* **Crash.** When the process dies, every call in flight fails at once with
  :class:`BackendCrashed` (no caller hangs) and a restart is scheduled: at once the first time,
  then after ``restart_backoff_s``, twice that, ... up to ``restart_backoff_max_s`` while it keeps
  dying within ``healthy_after_s``. Meanwhile calls get :class:`BackendUnavailable` saying when
  to retry: a crash storm costs seconds, never a spinning restart loop.
* **Shutdown by PID.** :meth:`BackendWorker.close` closes the worker's input (it exits), waits
  briefly, then kills that PID.

The worker's stderr is kept as a short tail for the log when a start fails; it never reaches a
client, and nothing here logs images, embeddings or scores.
"""

from __future__ import annotations

import contextlib
import logging
import math
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from liveness.backends._exceptions import (
    BackendBusy,
    BackendNotStarted,
    BackendTimeout,
    BackendUnavailable,
)
from liveness.backends._pipe import WorkerProcess
from liveness.backends._protocol import FactoryCall, Hello, Ready

__all__ = ["RUNTIME_MODULES", "BackendWorker", "WorkerConfig", "WorkerState", "WorkerStatus", "restart_delay"]

logger = logging.getLogger("livecred.backends")

# The top-level modules of each heavy runtime: a worker of one runtime must not import another's.
RUNTIME_MODULES: dict[str, tuple[str, ...]] = {"tensorflow": ("tensorflow",), "torch": ("torch",)}
_CLOSE_GRACE_S = 3.0

WorkerState = Literal["starting", "running", "restarting", "failed", "stopped"]


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    timeout_s: float = 30.0
    max_pending: int = 16
    start_timeout_s: float = 180.0  # importing TensorFlow and building a model takes a while
    restart_backoff_s: float = 1.0  # the wait before the second restart in a row; doubles from there
    restart_backoff_max_s: float = 30.0
    healthy_after_s: float = 60.0  # a worker that ran this long before dying resets the backoff
    python: str = sys.executable
    # The worker's environment, when a runtime needs variables of its own: the base they are added
    # to (the service passes its own). None: the worker inherits the service's environment.
    environment: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """Where a worker stands, fit to publish: no PID, no detail of what it computed."""

    runtime: str
    state: WorkerState
    restarts: int


def restart_delay(crashes: int, base_s: float, max_s: float) -> float:
    """Seconds before restarting a worker that died ``crashes`` times in a row: none the first
    time, then ``base_s``, twice that, ... up to ``max_s``."""
    if crashes <= 1:
        return 0.0
    return min(max_s, base_s * 2.0 ** min(crashes - 2, 64))


def _forbidden(runtime: str) -> tuple[str, ...]:
    return tuple(m for name, modules in RUNTIME_MODULES.items() if name != runtime for m in modules)


class BackendWorker:
    """The parts of one runtime in a supervised worker process; :meth:`call` is thread-safe."""

    def __init__(
        self,
        runtime: str,
        parts: Mapping[str, FactoryCall],
        config: WorkerConfig | None = None,
        *,
        environment: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.parts = dict(parts)
        self.environment = dict(environment or {})  # added to the worker's environment only
        self.config = config or WorkerConfig()
        self._clock = clock
        self._lock = threading.Lock()
        self._process: WorkerProcess | None = None
        self._state: WorkerState = "stopped"
        self._closing = False
        self._timer: threading.Timer | None = None
        self._slots = threading.BoundedSemaphore(self.config.max_pending)
        self._crashes = 0  # deaths in a row, each before the worker had run healthy_after_s
        self._restart_at = 0.0
        self._start_s = 5.0  # how long the last start took: the Retry-After while restarting
        self.restarts = 0
        self.info: dict[str, dict[str, Any]] = {}  # part -> attributes the worker published

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker and wait until every part is built; raises :class:`BackendNotStarted`."""
        with self._lock:
            self._closing = False
            self._state = "starting"
        try:
            process = self._spawn()
        except BackendUnavailable:
            with self._lock:
                self._state = "failed"
            raise
        with self._lock:
            self._adopt(process)
        logger.info("%s backend worker started (pid %d)", self.runtime, process.pid)

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and not process.exited else None

    def status(self) -> WorkerStatus:
        return WorkerStatus(self.runtime, self._state, self.restarts)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            if self._state != "failed":  # a worker that never started stays "failed" for /health
                self._state = "stopped"
            process, self._process = self._process, None
            if self._timer is not None:
                self._timer.cancel()
        if process is not None:
            process.stop(_CLOSE_GRACE_S)

    def _adopt(self, process: WorkerProcess) -> None:
        """Make ``process`` the live worker. Lock held."""
        process.started_at = self._clock()
        self._process = process
        self._state = "running"
        assert process.ready is not None
        self.info = process.ready.info

    def _spawn(self) -> WorkerProcess:
        """Start a process and wait until it is ready (lock *not* held: this takes seconds)."""
        began = self._clock()
        try:
            popen = subprocess.Popen(
                [self.config.python, "-m", "liveness.backends._child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**(self.config.environment or {}), **self.environment} if self.environment else None,
            )
        except OSError as exc:
            raise BackendNotStarted(
                f"cannot start the {self.runtime} backend worker: {exc.strerror or exc}", reason="backend_start_failed"
            ) from exc
        process = WorkerProcess(popen, self.runtime, self._on_exit)
        # If it died at once, the reader thread sees EOF and the wait below reports it.
        with contextlib.suppress(OSError, ValueError):
            process.send(Hello(self.runtime, self.parts, list(sys.path), _forbidden(self.runtime)))
        if not process.ready_event.wait(self.config.start_timeout_s):
            process.kill()
            process.stop(1.0)
            raise BackendNotStarted(
                f"the {self.runtime} backend worker did not start within {self.config.start_timeout_s:.0f} s",
                reason="backend_start_timeout",
            )
        ready = process.ready
        if ready is None or not ready.ok:
            process.stop(_CLOSE_GRACE_S)
            if ready is None:
                logger.error("%s backend worker died at start: %s", self.runtime, "; ".join(process.stderr_tail))
                only = next(iter(self.parts)) if len(self.parts) == 1 else ""
                ready = Ready(False, "backend_start_failed", "the worker exited while starting", part=only)
            raise BackendNotStarted(
                f"the {self.runtime} backend could not start: {ready.message or ready.code}",
                reason=ready.code,
                missing=ready.missing,
                part=ready.part,
            )
        self._start_s = max(1.0, self._clock() - began)
        return process

    def _on_exit(self, process: WorkerProcess) -> None:
        """Reader-thread callback when a process ends: schedule its restart unless closing."""
        with self._lock:
            if self._closing or process is not self._process or not self._count_exit(process):
                return
            code = process.popen.returncode
            logger.error("%s backend worker (pid %d) exited with status %s", self.runtime, process.pid, code)
            self._state = "restarting"
            self._schedule_restart()

    def _count_exit(self, process: WorkerProcess) -> bool:
        """Count ``process``'s exit once and set when the next start may happen. Lock held."""
        if process.exit_counted:
            return False
        process.exit_counted = True
        now = self._clock()
        if now - process.started_at >= self.config.healthy_after_s:
            self._crashes = 0
        self._crashes += 1
        self._restart_at = now + restart_delay(
            self._crashes, self.config.restart_backoff_s, self.config.restart_backoff_max_s
        )
        return True

    def _schedule_restart(self) -> None:
        """Lock held."""
        delay = max(0.0, self._restart_at - self._clock())
        timer = threading.Timer(delay, self._restart)
        timer.daemon = True
        timer.name = f"backend-restart-{self.runtime}"
        self._timer = timer
        timer.start()

    def _restart(self) -> None:
        with self._lock:
            if self._closing:
                return
        try:
            process = self._spawn()
        except BackendUnavailable as exc:
            with self._lock:
                if self._closing:
                    return
                self._crashes += 1  # a failed restart is one more failure in a row
                self._restart_at = self._clock() + restart_delay(
                    self._crashes, self.config.restart_backoff_s, self.config.restart_backoff_max_s
                )
                self._state = "failed"
                self._schedule_restart()
            logger.error("%s backend worker not restarted: %s", self.runtime, exc.message)
            return
        with self._lock:
            if self._closing:
                stale: WorkerProcess | None = process
            else:
                stale = None
                self._adopt(process)
                self.restarts += 1
        if stale is not None:
            stale.stop(_CLOSE_GRACE_S)
            return
        logger.warning("%s backend worker restarted (pid %d)", self.runtime, process.pid)

    def _unavailable(self) -> BackendUnavailable:
        """Why no call can be taken now, and when to retry. Lock held."""
        if self._closing or self._state == "stopped":
            return BackendUnavailable(f"the {self.runtime} backend worker is shut down", retry_after=30)
        wait = self._restart_at - self._clock()
        if wait > 0:
            return BackendUnavailable(
                f"the {self.runtime} backend worker exited {self._crashes} times in a row; "
                f"it restarts in {math.ceil(wait)} s",
                retry_after=math.ceil(wait) + math.ceil(self._start_s),
            )
        restarting = f"the {self.runtime} backend worker is restarting"
        return BackendUnavailable(restarting, retry_after=math.ceil(self._start_s))

    # --- calls -----------------------------------------------------------------------------

    def call(self, part: str, method: str, *args: Any) -> Any:
        """One call into ``part`` in the worker, under the queue bound and the timeout."""
        if not self._slots.acquire(blocking=False):
            raise BackendBusy(
                f"the {self.runtime} backend queue is full ({self.config.max_pending} calls); retry shortly",
                retry_after=1,
            )
        try:
            with self._lock:
                process = self._process
                if self._state != "running" or process is None:
                    raise self._unavailable()
            call_id, call = process.submit(part, method, args)
            if not call.done.wait(self.config.timeout_s):
                process.forget(call_id)
                logger.error(
                    "%s backend call timed out after %.1f s; replacing worker pid %d",
                    self.runtime,
                    self.config.timeout_s,
                    process.pid,
                )
                process.kill()  # the reader thread sees EOF, fails the rest, and schedules the restart
                raise BackendTimeout(
                    f"the {self.runtime} backend did not answer within {self.config.timeout_s:.1f} s",
                    retry_after=math.ceil(self._start_s),
                )
            if call.error is not None:
                raise call.error
            return call.result
        finally:
            self._slots.release()
