"""Bitstring Status List encoding (W3C Bitstring Status List v1.0, section 3.2 / 4).

The list is a bitstring of at least 16 KB (131,072 entries, for herd privacy); index 0 is the
left-most bit (the most significant bit of the first byte). ``encodedList`` is the multibase
base64url (``u`` prefix, no padding) of the GZIP-compressed bitstring.
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable

MIN_LIST_BITS = 131_072


def bits_from_indexes(size: int, indexes: Iterable[int]) -> bytearray:
    if size % 8:
        raise ValueError("a status list's size is a multiple of 8 bits")
    bits = bytearray(size // 8)
    for index in indexes:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside a list of {size}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bits


def encode_list(bits: bytes | bytearray) -> str:
    # mtime=0 keeps the encoding a pure function of the bits.
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    """The bitstring of an ``encodedList``; bounded, so a gzip bomb is refused, not inflated."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    try:
        compressed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except ValueError as exc:
        raise ValueError("encodedList is not base64url") from exc
    if not compressed:
        raise ValueError("encodedList is empty")
    decompressor = gzip.GzipFile(fileobj=io.BytesIO(compressed))
    try:
        data = decompressor.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise ValueError("encodedList is not GZIP data") from exc
    if len(data) > max_bytes:
        raise ValueError("encodedList inflates past the size limit")
    return data


def bit_at(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} outside a list of {len(bits) * 8}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
