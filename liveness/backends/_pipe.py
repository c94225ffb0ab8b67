"""One running worker process: its pipes, its reader threads, and the calls in flight.

The reader thread turns frames into finished calls; at end of stream it fails every call still
owed with :class:`BackendCrashed` (no caller waits for a dead process) and tells the supervisor
(:class:`~liveness.backends.process.BackendWorker`) through ``on_exit``.
"""

from __future__ import annotations

import collections
import itertools
import logging
import subprocess
import threading
from collections.abc import Callable
from typing import IO, Any

from liveness._exceptions import LivenessError
from liveness.backends._exceptions import BackendCrashed, BackendFailed
from liveness.backends._protocol import Ready, RemoteError, read_frame, write_frame

__all__ = ["WorkerProcess"]

logger = logging.getLogger("livecred.backends")

_STDERR_LINES = 20


class _Call:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: LivenessError | None = None

    def finish(self, result: Any = None, error: LivenessError | None = None) -> None:
        if not self.done.is_set():
            self.result, self.error = result, error
            self.done.set()


class WorkerProcess:
    """One running worker process, its reader threads, and the calls sent to it."""

    def __init__(self, popen: subprocess.Popen[bytes], runtime: str, on_exit: Callable[[WorkerProcess], None]) -> None:
        self.popen = popen
        self.runtime = runtime
        self.pending: dict[int, _Call] = {}
        self.lock = threading.Lock()
        self.ready_event = threading.Event()
        self.ready: Ready | None = None
        self.exited = False
        self.started_at = 0.0
        self.exit_counted = False
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self._on_exit = on_exit
        self._ids = itertools.count(1)
        assert popen.stdout is not None and popen.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(popen.stdout,), name="backend-out", daemon=True)
        self._drain = threading.Thread(target=self._drain_stderr, args=(popen.stderr,), name="backend-err", daemon=True)
        self._reader.start()
        self._drain.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def send(self, message: object) -> None:
        assert self.popen.stdin is not None
        write_frame(self.popen.stdin, message)

    def submit(self, part: str, method: str, args: tuple[Any, ...]) -> tuple[int, _Call]:
        call = _Call()
        with self.lock:
            if self.exited:
                raise BackendCrashed(f"the {self.runtime} backend worker has exited", retry_after=1)
            call_id = next(self._ids)
            self.pending[call_id] = call
            try:
                self.send((call_id, part, method, args))
            except (OSError, ValueError):
                self.pending.pop(call_id, None)
                raise BackendCrashed(f"the {self.runtime} backend worker closed its input", retry_after=1) from None
        return call_id, call

    def forget(self, call_id: int) -> None:
        with self.lock:
            self.pending.pop(call_id, None)

    def _finish(self, message: Any) -> None:
        if not (isinstance(message, tuple) and len(message) == 3):
            return
        call_id, ok, value = message
        with self.lock:
            call = self.pending.pop(call_id, None)
        if call is None:
            return
        if ok:
            call.finish(result=value)
        elif isinstance(value, RemoteError) and isinstance(value.exception, LivenessError):
            call.finish(error=value.exception)
        else:
            name = value.type_name if isinstance(value, RemoteError) else "a protocol error"
            call.finish(error=BackendFailed(f"the {self.runtime} backend failed on this call ({name})"))

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while (message := read_frame(stream)) is not None:
                if self.ready is None:
                    self.ready = message if isinstance(message, Ready) else Ready(False, "backend_protocol_error")
                    self.ready_event.set()
                else:
                    self._finish(message)
        except Exception:
            logger.exception("%s backend worker sent an unreadable frame", self.runtime)
            self.kill()
        # EOF: the process is gone (or going). Fail everything it still owed, then report.
        stream.close()
        code = self.popen.wait()
        with self.lock:
            self.exited = True
            orphans = list(self.pending.values())
            self.pending.clear()
            self._close_stdin()
        for call in orphans:
            call.finish(
                error=BackendCrashed(
                    f"the {self.runtime} backend worker exited (status {code}) with the call in flight", retry_after=1
                )
            )
        self.ready_event.set()
        self._on_exit(self)

    def _drain_stderr(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.stderr_tail.append(line.decode("utf-8", "replace").rstrip()[:300])
        stream.close()

    def _close_stdin(self) -> None:
        try:
            if self.popen.stdin is not None:
                self.popen.stdin.close()
        except OSError:
            pass

    def stop(self, grace_s: float) -> None:
        """Close stdin (the worker exits), then kill this PID if it has not."""
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
