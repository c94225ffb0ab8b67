"""The small envelope around every serialized key, context and ciphertext.

CKKS cannot tell a ciphertext made under another key from its own: decrypting it just gives noise
that looks like a number. So every object travels in an envelope that names its kind and the key
it belongs to (the key *fingerprint*), and says how long its payload is and what it hashes to::

    b"LCFHE"  version (1 byte)  kind (1 byte: P, S, E, D)  header length (2 bytes, big-endian)
    header    UTF-8 JSON object: {"fingerprint", "payload_bytes", "payload_sha256", ...}
    payload   the TenSEAL serialization (context or CKKS vector)

The digest catches truncation and corruption before TenSEAL sees the bytes; the fingerprint lets
a mix-up of keys fail with a clear error. Neither is authentication: anyone can build a valid
envelope, and a ciphertext whose envelope lies about its key is caught later, when its slots do
not decrypt consistently (see ``CipherFace.restore``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from fhe._exceptions import FHEError

MAGIC = b"LCFHE"
VERSION = 1
_PREFIX = len(MAGIC) + 4
MAX_HEADER_BYTES = 4096


class Kind(Enum):
    PUBLIC_KEY = "P"
    PRIVATE_KEY = "S"
    EMBEDDING = "E"
    DISTANCE = "D"

    @property
    def label(self) -> str:
        return {
            Kind.PUBLIC_KEY: "a public context",
            Kind.PRIVATE_KEY: "a private key",
            Kind.EMBEDDING: "an encrypted embedding",
            Kind.DISTANCE: "an encrypted distance",
        }[self]


@dataclass(frozen=True, slots=True)
class Envelope:
    kind: Kind
    header: dict[str, Any]
    payload: bytes

    @property
    def fingerprint(self) -> str:
        value = self.header.get("fingerprint")
        assert isinstance(value, str)
        return value


def pack(kind: Kind, header: dict[str, Any], payload: bytes) -> bytes:
    full = {**header, "payload_bytes": len(payload), "payload_sha256": hashlib.sha256(payload).hexdigest()}
    encoded = json.dumps(full, separators=(",", ":"), sort_keys=True).encode()
    if len(encoded) > MAX_HEADER_BYTES:
        raise ValueError("envelope header too large")
    return MAGIC + bytes([VERSION]) + kind.value.encode() + len(encoded).to_bytes(2, "big") + encoded + payload


def unpack(data: bytes, kinds: tuple[Kind, ...], error: type[FHEError], *, field: str | None = None) -> Envelope:
    """Parse and check an envelope; every failure is ``error`` with a message naming what is wrong."""
    wanted = " or ".join(k.label for k in kinds)
    if len(data) < _PREFIX or not data.startswith(MAGIC):
        raise error(f"not {wanted} (no livecred envelope)", field=field)
    if data[len(MAGIC)] != VERSION:
        raise error(f"unsupported envelope version {data[len(MAGIC)]} (this build reads {VERSION})", field=field)
    try:
        kind = Kind(data[len(MAGIC) + 1 : len(MAGIC) + 2].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise error(f"not {wanted} (unknown kind)", field=field) from None
    if kind not in kinds:
        raise error(f"expected {wanted}, got {kind.label}", field=field)
    header_len = int.from_bytes(data[len(MAGIC) + 2 : _PREFIX], "big")
    if header_len > MAX_HEADER_BYTES or _PREFIX + header_len > len(data):
        raise error(f"truncated input: {kind.label} without its full header", field=field)
    try:
        header = json.loads(data[_PREFIX : _PREFIX + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise error(f"corrupted input: {kind.label} whose header is not JSON", field=field) from None
    if not isinstance(header, dict):
        raise error(f"corrupted input: {kind.label} whose header is not an object", field=field)
    payload = data[_PREFIX + header_len :]
    if header.get("payload_bytes") != len(payload):
        raise error(f"truncated or padded input: {kind.label} whose payload length does not match", field=field)
    if header.get("payload_sha256") != hashlib.sha256(payload).hexdigest():
        raise error(f"corrupted input: {kind.label} whose payload digest does not match", field=field)
    fingerprint = header.get("fingerprint")
    if not (isinstance(fingerprint, str) and len(fingerprint) == 32 and _is_hex(fingerprint)):
        raise error(f"corrupted input: {kind.label} without a valid key fingerprint", field=field)
    return Envelope(kind, header, payload)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def key_fingerprint(encryption_parameters: bytes, public_key: bytes) -> str:
    """128-bit identifier of a key pair: a hash of the SEAL parameters and the public key."""
    digest = hashlib.sha256()
    for part in (b"livecred-fhe-key-v1", encryption_parameters, public_key):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:32]
