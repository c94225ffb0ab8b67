"""The wire between the service and a backend worker: length-prefixed pickle frames on a pipe.

Both ends are this package's own code in processes the service started, so pickle is safe here
(it never reads anything a client sent: images cross as numpy arrays, which pickle as raw bytes
plus dtype and shape). Frames: an 8-byte big-endian length, then a pickle (protocol 5).

Messages, service -> worker: a :class:`Hello` first, then ``(call_id, part, method, args)``.
Worker -> service: a :class:`Ready`, then ``(call_id, ok, value)`` per call, where ``value`` is
the result, or on failure a :class:`RemoteError`.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = ["FactoryCall", "Hello", "Ready", "RemoteError", "read_frame", "write_frame"]

_HEADER = struct.Struct(">Q")
MAX_FRAME = 1 << 31  # an image, with room; a larger length means a broken pipe, not a message

# Each part exposes exactly one method to the service.
PART_METHODS: dict[str, str] = {"detector": "detect", "recognition": "embed", "antispoof": "score", "smile": "score"}


@dataclass(frozen=True, slots=True)
class FactoryCall:
    """``module:function`` called with ``args`` in the worker to build one part."""

    target: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Hello:
    runtime: str
    parts: dict[str, FactoryCall]
    sys_path: list[str]
    forbidden_modules: tuple[str, ...] = ()  # another runtime's top-level modules: never here


@dataclass(frozen=True, slots=True)
class Ready:
    """``ok``: every part built. Otherwise ``code`` / ``message`` / ``missing`` say why."""

    ok: bool
    code: str = ""
    message: str = ""
    missing: tuple[str, ...] = ()
    part: str = ""  # the part that failed to build
    info: dict[str, dict[str, Any]] = field(default_factory=dict)  # part -> published attributes


@dataclass(frozen=True, slots=True)
class RemoteError:
    """A call that raised: the exception itself when it is a ``LivenessError`` (a verdict-free
    error the caller knows how to map), else only its type name."""

    exception: BaseException | None
    type_name: str


def write_frame(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=5)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: IO[bytes]) -> Any:
    """The next message, or ``None`` at end of stream (the other side has gone)."""
    header = _read_exact(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError("backend frame too large")
    data = _read_exact(stream, size)
    if data is None:
        return None
    return pickle.loads(data)
