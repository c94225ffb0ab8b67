"""Just enough of the protobuf wire format to read and edit a serialized TenSEAL context.

TenSEAL serializes a context as ``TenSEALContextProto`` (``tenseal/proto/tensealcontext.proto``)
and a CKKS vector as ``CKKSVectorProto`` (``tenseal/proto/tensors.proto``)::

    TenSEALContextProto  1: encryption_parameters (bytes)  2: public_context (message)
                         3: private_context (message)      4: encryption_type (uint32)
    TenSEALPublicProto   1: public_key  2: auto_flags  3: scale (double)  4: relin_keys
                         5: galois_keys
    TenSEALPrivateProto  1: secret_key  2: relin_keys_generated  3: galois_keys_generated
    CKKSVectorProto      1: sizes (repeated uint32)  2: ciphertexts (repeated bytes)  3: scale

Every ``bytes`` field there but the flags is a SEAL-serialized object. Three things need the raw
fields, before anything is deserialized: refusing a context that holds a secret key (the service
must never load one), putting Galois keys for only the rotations the distance needs into the
public context (TenSEAL can only generate all of them, 2-5x the size), and replacing each SEAL
object with its checked, uncompressed copy (``fhe/_bounded.py``).
Parsing is strict: unknown wire types, overruns and trailing garbage are errors.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "ContextFields",
    "ProtoError",
    "parse_context",
    "replace_context_objects",
    "replace_galois_keys",
    "replace_vector_ciphertext",
    "vector_ciphertext",
]

_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5
_MAX_FIELDS = 64


class ProtoError(ValueError):
    """The bytes are not a well-formed message of the expected shape."""


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtoError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise ProtoError("varint too long")


def _fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    out: list[tuple[int, int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtoError("field number 0")
        value: int | bytes
        if wire == _VARINT:
            value, pos = _read_varint(data, pos)
        elif wire in (_FIXED64, _FIXED32):
            size = 8 if wire == _FIXED64 else 4
            if pos + size > len(data):
                raise ProtoError("truncated fixed-size field")
            value, pos = data[pos : pos + size], pos + size
        elif wire == _LEN:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise ProtoError("truncated length-delimited field")
            value, pos = data[pos : pos + length], pos + length
        else:
            raise ProtoError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
        if len(out) > _MAX_FIELDS:
            raise ProtoError("too many fields")
    return out


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode(fields: list[tuple[int, int, int | bytes]]) -> bytes:
    out = bytearray()
    for number, wire, value in fields:
        out += _varint(number << 3 | wire)
        if wire == _VARINT:
            assert isinstance(value, int)
            out += _varint(value)
        else:
            assert isinstance(value, bytes)
            if wire == _LEN:
                out += _varint(len(value))
            out += value
    return bytes(out)


def _single(fields: list[tuple[int, int, int | bytes]], number: int, wire: int) -> int | bytes | None:
    found = [(w, v) for n, w, v in fields if n == number]
    if not found:
        return None
    if len(found) > 1 or found[0][0] != wire:
        raise ProtoError(f"field {number} repeated or of the wrong type")
    return found[0][1]


def _bytes(fields: list[tuple[int, int, int | bytes]], number: int) -> bytes:
    value = _single(fields, number, _LEN)
    assert value is None or isinstance(value, bytes)
    return value or b""


@dataclass(frozen=True, slots=True)
class ContextFields:
    """The parts of a serialized TenSEAL context that are checked before loading it."""

    encryption_parameters: bytes
    public_key: bytes
    scale: float | None
    relin_keys: bytes
    galois_keys: bytes
    has_private_part: bool
    secret_key: bytes
    encryption_type: int

    @property
    def holds_secret_key(self) -> bool:
        # A private part, even with an empty key field, is refused too: TenSEAL may regenerate keys
        # from flags in it, and a public context never has one.
        return self.has_private_part or bool(self.secret_key)


def parse_context(data: bytes) -> ContextFields:
    top = _fields(data)
    public_raw = _single(top, 2, _LEN)
    private_raw = _single(top, 3, _LEN)
    enc_type = _single(top, 4, _VARINT)
    public = _fields(public_raw) if isinstance(public_raw, bytes) else []
    private = _fields(private_raw) if isinstance(private_raw, bytes) else []
    scale_raw = _single(public, 3, _FIXED64)
    return ContextFields(
        encryption_parameters=_bytes(top, 1),
        public_key=_bytes(public, 1),
        scale=struct.unpack("<d", scale_raw)[0] if isinstance(scale_raw, bytes) else None,
        relin_keys=_bytes(public, 4),
        galois_keys=_bytes(public, 5),
        has_private_part=private_raw is not None,
        secret_key=_bytes(private, 1),
        encryption_type=enc_type if isinstance(enc_type, int) else 0,
    )


def replace_galois_keys(data: bytes, galois_keys: bytes) -> bytes:
    """A copy of a serialized *public* context with its Galois keys set to ``galois_keys``."""
    top = _fields(data)
    if _single(top, 3, _LEN) is not None:
        raise ProtoError("refusing to edit a context that holds a secret key")
    public_raw = _single(top, 2, _LEN)
    public = _fields(public_raw) if isinstance(public_raw, bytes) else []
    public = [f for f in public if f[0] != 5] + [(5, _LEN, galois_keys)]
    rebuilt = [f for f in top if f[0] != 2] + [(2, _LEN, _encode(public))]
    return _encode(sorted(rebuilt, key=lambda f: f[0]))


_Fields = list[tuple[int, int, int | bytes]]


def _replace(fields: _Fields, number: int, value: bytes) -> _Fields:
    """``fields`` with the (single, length-delimited) field ``number`` set to ``value`` in place."""
    _single(fields, number, _LEN)
    return [(n, w, value if n == number else v) for n, w, v in fields]


def replace_context_objects(data: bytes, replacements: ContextFields) -> bytes:
    """A copy of a serialized context whose SEAL objects are those of ``replacements``.

    Only fields present in ``data`` are replaced (with the value of the same field); every other
    field, flags included, is kept as it is.
    """
    top = _fields(data)
    public_raw = _single(top, 2, _LEN)
    private_raw = _single(top, 3, _LEN)
    if _single(top, 1, _LEN) is not None:
        top = _replace(top, 1, replacements.encryption_parameters)
    if isinstance(public_raw, bytes):
        public = _fields(public_raw)
        objects = ((1, replacements.public_key), (4, replacements.relin_keys), (5, replacements.galois_keys))
        for number, value in objects:
            if _single(public, number, _LEN) is not None:
                public = _replace(public, number, value)
        top = _replace(top, 2, _encode(public))
    if isinstance(private_raw, bytes):
        private = _fields(private_raw)
        if _single(private, 1, _LEN) is not None:
            private = _replace(private, 1, replacements.secret_key)
        top = _replace(top, 3, _encode(private))
    return _encode(top)


def vector_ciphertext(data: bytes) -> bytes:
    """The one SEAL ciphertext of a serialized CKKS vector (the vectors here fit in one)."""
    found = [v for n, w, v in _fields(data) if n == 2]
    if len(found) != 1 or not isinstance(found[0], bytes):
        raise ProtoError("a CKKS vector of one ciphertext was expected")
    return found[0]


def replace_vector_ciphertext(data: bytes, ciphertext: bytes) -> bytes:
    fields = _fields(data)
    vector_ciphertext(data)
    return _encode([(n, w, ciphertext if n == 2 else v) for n, w, v in fields])
