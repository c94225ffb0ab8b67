"""Microsoft SEAL's serialization framing, read strictly, with inflation bounded before it happens.

Every SEAL object starts with a 16-byte ``SEALHeader`` (``native/src/seal/serialization.h``)::

    magic 0xA15E (2, little-endian)  header size 16 (1)  version major (1)  minor (1)
    compr_mode: 0 none, 1 zlib, 2 zstd (1)  reserved (2)  size of the whole object, header included (8)

With compression, the rest of the object is one zlib or zstd stream of the object's members, and
nothing bounds what it inflates to: SEAL before 4.3 inflates it whole before reading a member,
and from 4.3 on inflates as far as the members it reads say. A zstd stream of a repeated member
reaches ratios of tens of thousands, so a request of a few hundred kilobytes becomes gigabytes.

Here each object is read with a cap on its members' size computed by the caller from the CKKS
parameters (the largest object of that kind those parameters allow): a compressed stream is
inflated with the cap as its output limit and the decoder's window limited to match, and an
object over its cap is :class:`SEALTooLarge`. The caller parses the members from the inflated
bytes and the object is written back uncompressed (:func:`read_object`), so what SEAL finally
reads is no larger than what was checked. Nested objects (a ciphertext's coefficient array, the
public keys inside key-switching keys) have their own headers and may be compressed on their own;
they go through the same function with their own caps.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from typing import Any

__all__ = ["HEADER_BYTES", "Reader", "SEALFormatError", "SEALTooLarge", "read_object"]

HEADER_BYTES = 16
_HEADER = struct.Struct("<HBBBBHQ")
_MAGIC = 0xA15E
_NONE, _ZLIB, _ZSTD = 0, 1, 2
# The member layouts read by the callers are those of SEAL 4.x (3.x ciphertexts lack a field).
_MAJOR_VERSION = 4
_ZSTD_MIN_WINDOW_LOG = 23


class SEALFormatError(ValueError):
    """Not a well-formed SEAL object of the expected kind and shape. The message names the object."""


class SEALTooLarge(SEALFormatError):
    """A SEAL object, or what its compressed members inflate to, over the size its kind allows."""


class Reader:
    """Consumes a byte string front to back; every overrun is a :class:`SEALFormatError`."""

    __slots__ = ("_data", "_pos", "_what")

    def __init__(self, data: bytes | memoryview, what: str) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._what = what

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, count: int) -> memoryview:
        if count < 0 or count > self.remaining:
            raise SEALFormatError(f"{self._what}: truncated")
        start = self._pos
        self._pos += count
        return self._data[start : self._pos]

    def u8(self) -> int:
        return int(self.take(1)[0])

    def u64(self) -> int:
        value: int = struct.unpack("<Q", self.take(8))[0]
        return value

    def end(self) -> None:
        if self.remaining:
            raise SEALFormatError(f"{self._what}: unexpected bytes after the object")


Members = Callable[[Reader], list[bytes]]


def read_object(reader: Reader, cap: int, what: str, members: Members) -> bytes:
    """Read one SEAL object at the reader's position; return it re-serialized without compression.

    ``cap`` bounds the object's uncompressed size, header included. ``members`` parses the members
    from a reader over exactly the (inflated) member bytes and returns them as byte strings.
    """
    magic, header_size, major, minor, mode, _reserved, size = _HEADER.unpack(reader.take(HEADER_BYTES))
    if magic != _MAGIC or header_size != HEADER_BYTES:
        raise SEALFormatError(f"{what}: not a SEAL object (no SEAL header)")
    if major != _MAJOR_VERSION:
        raise SEALFormatError(f"{what}: written by an unsupported SEAL version")
    if size < HEADER_BYTES or size - HEADER_BYTES > reader.remaining:
        raise SEALFormatError(f"{what}: truncated (its header states more bytes than there are)")
    body = reader.take(size - HEADER_BYTES)
    limit = cap - HEADER_BYTES
    if mode == _NONE:
        if len(body) > limit:
            raise SEALTooLarge(f"{what}: larger than the {cap} bytes this object takes with these parameters")
        inflated: bytes | memoryview = body
    elif mode == _ZLIB:
        inflated = _inflate_zlib(body, limit, what)
    elif mode == _ZSTD:
        inflated = _inflate_zstd(body, limit, what)
    else:
        raise SEALFormatError(f"{what}: unknown compression mode")
    inner = Reader(inflated, what)
    out = b"".join(members(inner))
    inner.end()
    return _HEADER.pack(_MAGIC, HEADER_BYTES, major, minor, _NONE, 0, HEADER_BYTES + len(out)) + out


def _too_large(what: str, limit: int) -> SEALTooLarge:
    return SEALTooLarge(
        f"{what}: compressed data inflating beyond the {limit + HEADER_BYTES} bytes this object takes "
        "with these parameters"
    )


def _inflate_zlib(data: memoryview, limit: int, what: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise SEALFormatError(f"{what}: corrupted zlib stream") from None
    if len(out) > limit:
        raise _too_large(what, limit)
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        raise SEALFormatError(f"{what}: truncated zlib stream, or bytes after it")
    return out


def _zstd() -> Any:
    # Imported on first use (the standard library has it from Python 3.14 on).
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd
    return zstd


def _inflate_zstd(data: memoryview, limit: int, what: str) -> bytes:
    zstd = _zstd()
    try:
        declared = zstd.get_frame_info(data).decompressed_size
    except zstd.ZstdError:
        raise SEALFormatError(f"{what}: corrupted zstd stream") from None
    if declared is not None and declared > limit:
        raise _too_large(what, limit)
    # The decoder reserves the frame's window up front (zstd's default limit is 128 MiB). A frame of
    # at most ``limit`` bytes needs no more than that, but a writer that did not know the size picks
    # up to 8 MiB at levels 1-19, so that much is allowed too.
    window_log = min(max(limit.bit_length(), _ZSTD_MIN_WINDOW_LOG), 31)
    inflater = zstd.ZstdDecompressor(options={zstd.DecompressionParameter.window_log_max: window_log})
    try:
        out: bytes = inflater.decompress(data, max_length=limit + 1)
    except zstd.ZstdError:
        raise SEALFormatError(f"{what}: corrupted zstd stream") from None
    if len(out) > limit:
        raise _too_large(what, limit)
    # One frame, read to its end: SEAL writes nothing else.
    if not inflater.eof or inflater.unused_data:
        raise SEALFormatError(f"{what}: truncated zstd stream, or bytes after it")
    return out
