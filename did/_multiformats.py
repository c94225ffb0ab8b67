"""The few multiformats pieces DIDs need: base58btc multibase (``z``) and the Ed25519 multicodecs.

Multikey encodes an Ed25519 public key as ``z`` + base58btc(0xed 0x01 + 32 bytes) and a secret
key as ``z`` + base58btc(0x80 0x26 + 32-byte seed) (the varints of 0xed and 0x1300).
"""

from __future__ import annotations

import base64

import base58

from did._exceptions import InvalidKey

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def multibase_b58_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_b58_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise InvalidKey("expected a base58btc multibase value starting with 'z'")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise InvalidKey("the multibase value is not valid base58btc") from exc


def encode_multikey(prefix: bytes, raw: bytes) -> str:
    return multibase_b58_encode(prefix + raw)


def decode_multikey(value: str, prefix: bytes, *, what: str) -> bytes:
    data = multibase_b58_decode(value)
    if not data.startswith(prefix) or len(data) != len(prefix) + 32:
        raise InvalidKey(f"not a multibase-encoded {what} (wrong multicodec prefix or length)")
    return data[len(prefix) :]


def b64url_decode(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidKey("not valid base64url") from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
