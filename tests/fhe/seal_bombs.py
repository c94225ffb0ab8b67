"""The attacker's side: SEAL objects taken apart, inflated, repeated and recompressed.

Written from SEAL's format (a 16-byte header: magic 0xA15E, header size, version, compression
mode, total size; then the members, compressed or not), independently of ``fhe/_seal.py``, so a
mistake there is not repeated here. Everything here is what anyone holding a public context can
do: the envelope's digest and fingerprint are recomputed, nothing needs a secret key.
"""

from __future__ import annotations

import dataclasses
import struct
import sys
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from fhe import EncryptedDistance, EncryptedEmbedding
from fhe._envelope import Kind, key_fingerprint, pack, unpack
from fhe._exceptions import InvalidKey
from fhe._proto import parse_context

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

HEADER = struct.Struct("<HBBBBHQ")
NONE, ZLIB, ZSTD = 0, 1, 2
MIB = 1024 * 1024


def split(obj: bytes) -> tuple[tuple[int, int], int, bytes]:
    """(version, compression mode, members inflated) of a genuine SEAL object."""
    magic, size_of_header, major, minor, mode, _, size = HEADER.unpack_from(obj)
    assert magic == 0xA15E and size_of_header == 16 and size == len(obj)
    body = obj[16:]
    if mode == ZLIB:
        return (major, minor), mode, zlib.decompress(body)
    if mode == ZSTD:
        return (major, minor), mode, zstd.decompress(body)
    return (major, minor), mode, body


def frame(chunks: Iterable[bytes], mode: int, version: tuple[int, int] = (4, 3), *, zlib_level: int = 1) -> bytes:
    """A SEAL object of these members, compressed chunk by chunk (no size declared in the stream)."""
    if mode == ZLIB:
        zlib_compressor = zlib.compressobj(zlib_level)
        body = b"".join(zlib_compressor.compress(c) for c in chunks) + zlib_compressor.flush()
    elif mode == ZSTD:
        # A window wide enough to reach back one whole Galois key (0.4 MB at N=8192).
        options = {zstd.CompressionParameter.compression_level: 3, zstd.CompressionParameter.window_log: 23}
        zstd_compressor = zstd.ZstdCompressor(options=options)
        body = b"".join(zstd_compressor.compress(c) for c in chunks) + zstd_compressor.flush()
    else:
        body = b"".join(chunks)
    return HEADER.pack(0xA15E, 16, *version, mode, 0, 16 + len(body)) + body


def recompress(obj: bytes, mode: int) -> bytes:
    version, _, members = split(obj)
    return frame([members], mode, version)


def zeros(total: int, chunk: int = MIB) -> Iterator[bytes]:
    block = bytes(chunk)
    for _ in range(total // chunk):
        yield block


def bomb(obj: bytes, mode: int, extra: int = 64 * MIB) -> bytes:
    """A genuine object with ``extra`` zero bytes after its members: kilobytes compressed."""
    version, _, members = split(obj)
    return frame([members, *zeros(extra)], mode, version, zlib_level=9)  # zlib's best: about 1:1000


def nested_bomb(ciphertext: bytes, mode: int, extra: int = 64 * MIB) -> bytes:
    """An uncompressed ciphertext whose coefficient array (a SEAL object of its own) is a bomb."""
    version, _, members = split(ciphertext)
    metadata, coefficients = members[:73], members[73:]  # parms_id, NTT flag, 5 words; a DynArray
    return frame([metadata, bomb(coefficients, mode, extra)], NONE, version)


def galois_slots(galois: bytes) -> tuple[tuple[int, int], bytes, list[bytes]]:
    """(version, parms_id, one entry per slot: key count and the keys) of genuine Galois keys."""
    version, _, members = split(galois)
    parms_id, (count,) = members[:32], struct.unpack_from("<Q", members, 32)
    pos, slots = 40, []
    for _ in range(count):
        start = pos
        (keys,) = struct.unpack_from("<Q", members, pos)
        pos += 8
        for _ in range(keys):  # each key an uncompressed SEAL object: its size is in its header
            pos += HEADER.unpack_from(members, pos)[-1]
        slots.append(members[start:pos])
    assert pos == len(members)
    return version, parms_id, slots


def galois_from_slots(version: tuple[int, int], parms_id: bytes, slots: Iterable[bytes], count: int) -> bytes:
    return frame([parms_id, struct.pack("<Q", count), *slots], ZSTD, version)


def repeated_galois_key(galois: bytes) -> bytes:
    """The reported attack: one genuine Galois key in every slot, zstd-compressed."""
    version, parms_id, slots = galois_slots(galois)
    key = next(s for s in slots if s != bytes(8))
    return galois_from_slots(version, parms_id, (key for _ in slots), len(slots))


# Protobuf, just enough to swap fields of a TenSEAL context or CKKS vector: (number, wire type, value).
Field = tuple[int, int, Any]


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        value, shift, pos = value | (byte & 0x7F) << shift, shift + 7, pos + 1
        if byte < 0x80:
            return value, pos


def proto_fields(data: bytes) -> list[Field]:
    fields, pos = [], 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        else:
            size = {1: 8, 5: 4}[wire]
            value, pos = data[pos : pos + size], pos + size
        fields.append((number, wire, value))
    return fields


def proto_encode(fields: Iterable[Field]) -> bytes:
    out = bytearray()
    for number, wire, value in fields:
        out += _varint(number << 3 | wire)
        out += _varint(value) if wire == 0 else (_varint(len(value)) + value if wire == 2 else value)
    return bytes(out)


def _swap(data: bytes, replacements: dict[int, bytes]) -> bytes:
    return proto_encode((n, w, replacements.get(n, v)) for n, w, v in proto_fields(data))


def with_objects(public_context: bytes, **objects: bytes) -> bytes:
    """The public context with some SEAL objects replaced, re-enveloped (digest and fingerprint)."""
    envelope = unpack(public_context, (Kind.PUBLIC_KEY,), InvalidKey)
    fields = dataclasses.replace(parse_context(envelope.payload), **objects)
    public_numbers = {"public_key": 1, "relin_keys": 4, "galois_keys": 5}
    public_swaps = {number: objects[name] for name, number in public_numbers.items() if name in objects}
    top = {n: v for n, w, v in proto_fields(envelope.payload)}
    top_swaps = {2: _swap(top[2], public_swaps)}
    if "encryption_parameters" in objects:
        top_swaps[1] = objects["encryption_parameters"]
    payload = _swap(envelope.payload, top_swaps)
    header: dict[str, Any] = {k: v for k, v in envelope.header.items() if not k.startswith("payload_")}
    header["fingerprint"] = key_fingerprint(fields.encryption_parameters, fields.public_key)
    return pack(Kind.PUBLIC_KEY, header, payload)


def context_objects(public_context: bytes) -> Any:
    return parse_context(unpack(public_context, (Kind.PUBLIC_KEY,), InvalidKey).payload)


Encrypted = TypeVar("Encrypted", EncryptedEmbedding, EncryptedDistance)


def ciphertext_object(encrypted: Encrypted) -> bytes:
    (ciphertext,) = (v for n, w, v in proto_fields(encrypted.payload) if n == 2)
    return bytes(ciphertext)


def with_ciphertext(encrypted: Encrypted, obj: bytes) -> Encrypted:
    """An encrypted embedding or distance with its SEAL ciphertext replaced."""
    return dataclasses.replace(encrypted, payload=_swap(encrypted.payload, {2: obj}))
