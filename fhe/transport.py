"""Bytes <-> base64 text for transport, with a byte limit checked before anything is decoded.

Keys, contexts and ciphertexts are bytes (an envelope, see ``fhe/_envelope.py``); JSON and
files carry them as standard base64 (RFC 4648, padding required, whitespace between lines
ignored). :class:`FHELimits` bounds each kind of input: the text length is checked before decoding,
so an oversized field costs nothing to refuse.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fhe._exceptions import InputTooLarge, InvalidEncoding

__all__ = ["FHELimits", "decode_base64", "encode_base64"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FHELimits:
    """Largest accepted size, in decoded bytes, of a public context and of one ciphertext.

    The defaults fit every preset in ``fhe.params`` with room to spare: the 256-bit preset's
    public context is about 7.6 MB and its fresh ciphertext about 0.5 MB.
    """

    max_context_bytes: int = 12 * _MIB
    max_ciphertext_bytes: int = 1 * _MIB

    def __post_init__(self) -> None:
        if self.max_context_bytes <= 0 or self.max_ciphertext_bytes <= 0:
            raise ValueError("limits must be positive")


def encode_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def base64_length(max_bytes: int) -> int:
    """Characters of base64 text for ``max_bytes`` bytes."""
    return (max_bytes + 2) // 3 * 4


def decode_base64(text: str | bytes, *, max_bytes: int, field: str | None = None) -> bytes:
    """Decode base64 text of at most ``max_bytes`` decoded bytes, or raise a typed error."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidEncoding("not base64 text", field=field) from None
    # Whitespace allowance: one line break per 64 characters (PEM-style wrapping), plus a little.
    if len(text) > base64_length(max_bytes) * 66 // 64 + 16:
        raise InputTooLarge(f"over the limit of {max_bytes} bytes", field=field)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        # Wrapped text (files, PEM-style lines): drop the whitespace and try once more. Done only
        # on failure: a context is megabytes, and JSON fields carry no whitespace.
        compact = "".join(text.split())
        try:
            data = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidEncoding("not valid base64", field=field) from None
    if not data:
        raise InvalidEncoding("empty", field=field)
    if len(data) > max_bytes:
        raise InputTooLarge(f"over the limit of {max_bytes} bytes", field=field)
    return data
