"""The worker process's side: build the parts named in the :class:`Hello`, then serve calls.

Run as ``python -m liveness.backends._child`` by :class:`~liveness.backends.process.BackendWorker`.
The protocol keeps the original stdout (a private copy of the descriptor); descriptor 1 is pointed
at stderr, so whatever a library prints (TensorFlow, DeepFace) cannot corrupt the frames. Calls
are served one at a time, in order. The worker exits when its input closes (the service closed
it, or died).

A part whose runtime's import fails reports ``backend_extra_missing``; a part whose weights are
missing reports the ``ModelUnavailable``. After building, the worker refuses to serve if another
runtime's modules were imported into it (TensorFlow and torch never share a process).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import IO, Any

from liveness._exceptions import LivenessError, ModelUnavailable
from liveness.backends._protocol import PART_METHODS, FactoryCall, Hello, Ready, RemoteError, read_frame, write_frame

# Part attributes published to the service (a recognition model's confidence scale, a smile
# scorer's method name): plain values the proxies carry.
_PUBLISHED = ("mapping", "template_mapping", "method")


def _build(call: FactoryCall) -> Any:
    module_name, _, function = call.target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, function)(*call.args)


def _describe(part: Any) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for name in _PUBLISHED:
        value = getattr(part, name, None)
        if value is not None and not callable(value):
            info[name] = value
    return info


def _start(hello: Hello) -> tuple[dict[str, Any], Ready]:
    parts: dict[str, Any] = {}
    name = ""
    try:
        for name, call in hello.parts.items():
            parts[name] = _build(call)
    except ModelUnavailable as exc:
        if isinstance(exc.__cause__, ImportError):  # a backend that reports its missing runtime itself
            return parts, Ready(False, "backend_extra_missing", exc.message, part=name)
        return parts, Ready(False, exc.code, exc.message, tuple(exc.missing), part=name)
    except ImportError as exc:
        missing = exc.name or "a module"
        return parts, Ready(False, "backend_extra_missing", f"cannot import {missing}", part=name)
    except LivenessError as exc:
        return parts, Ready(False, exc.code, exc.message, part=name)
    except Exception as exc:  # noqa: BLE001 - reported to the service, which refuses to start the backend
        return parts, Ready(False, "backend_start_failed", f"{type(exc).__name__} while building it", part=name)
    mixed = sorted(m for m in hello.forbidden_modules if m in sys.modules)
    if mixed:
        return parts, Ready(False, "backend_mixed_runtimes", f"the {hello.runtime} worker imported {', '.join(mixed)}")
    return parts, Ready(True, info={name: _describe(part) for name, part in parts.items()})


def _answer(parts: dict[str, Any], part: str, method: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
    if PART_METHODS.get(part) != method or part not in parts:
        return False, RemoteError(None, "UnknownMethod")
    try:
        return True, getattr(parts[part], method)(*args)
    except LivenessError as exc:
        return False, RemoteError(exc, type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - the type only: args may hold data derived from the image
        return False, RemoteError(None, type(exc).__name__)


def serve(inbox: IO[bytes], outbox: IO[bytes]) -> int:
    hello = read_frame(inbox)
    if not isinstance(hello, Hello):
        return 2
    sys.path[:] = [*hello.sys_path, *(p for p in sys.path if p not in hello.sys_path)]
    parts, ready = _start(hello)
    write_frame(outbox, ready)
    if not ready.ok:
        return 1
    while True:
        message = read_frame(inbox)
        if message is None:
            return 0
        call_id, part, method, args = message
        ok, value = _answer(parts, part, method, args)
        try:
            write_frame(outbox, (call_id, ok, value))
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result: the call fails, the worker lives
            write_frame(outbox, (call_id, False, RemoteError(None, type(exc).__name__)))


def main() -> int:
    # Ctrl-C in a terminal reaches the whole process group: the service shuts the worker down by
    # closing its input, so an interrupt here would only look like a crash mid-shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed from here on goes to stderr, never into the frames
    sys.stdout = sys.stderr
    return serve(sys.stdin.buffer, outbox)


if __name__ == "__main__":
    sys.exit(main())
