"""Bombs and foreign shapes in every SEAL object a client sends, refused before SEAL reads them.

The objects: the public key, relinearisation keys and Galois keys of a public context, and the
ciphertext inside each encrypted embedding. Each is a SEAL object that may be zlib- or
zstd-compressed, whose inflated size SEAL does not bound (``fhe/_bounded.py``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from fhe import (
    CipherFace,
    EncryptedEmbedding,
    FHEError,
    InputTooLarge,
    InvalidCiphertext,
    InvalidKey,
    Metric,
    plaintext_distance,
)
from tests.fhe import seal_bombs as sb
from tests.fhe.conftest import random_embedding

A, B = random_embedding(21), random_embedding(22)


@pytest.fixture(scope="module")
def public(key_holder: CipherFace) -> bytes:
    return key_holder.public_context()


@pytest.fixture(scope="module")
def a(key_holder: CipherFace) -> EncryptedEmbedding:
    return key_holder.encrypt(A)


def _refused(error: type[FHEError], load: Callable[[], object], field: str | None = None) -> FHEError:
    with pytest.raises(error) as caught:
        load()
    assert caught.value.field == field
    # A short message naming the object; never the input's bytes.
    assert len(caught.value.message) < 200
    return caught.value


@pytest.mark.parametrize("mode", [sb.NONE, sb.ZLIB, sb.ZSTD], ids=["none", "zlib", "zstd"])
def test_genuine_objects_load_compressed_either_way_or_not_at_all(
    key_holder: CipherFace, public: bytes, a: EncryptedEmbedding, mode: int
) -> None:
    objects = sb.context_objects(public)
    context = sb.with_objects(
        public,
        relin_keys=sb.recompress(objects.relin_keys, mode),
        galois_keys=sb.recompress(objects.galois_keys, mode),
    )
    cloud = CipherFace.from_bytes(context, public_only=True)
    b = key_holder.encrypt(B)
    first = sb.with_ciphertext(a, sb.recompress(sb.ciphertext_object(a), mode))
    second = sb.with_ciphertext(b, sb.recompress(sb.ciphertext_object(b), mode))
    distance = cloud.calculate_encrypted_distance(first, second)
    assert key_holder.restore(distance) == pytest.approx(plaintext_distance(A, B, Metric.EUCLIDEAN), abs=1e-4)
    # The public key and the parameters too (they make the fingerprint, which follows them).
    context = sb.with_objects(
        public,
        public_key=sb.recompress(objects.public_key, mode),
        encryption_parameters=sb.recompress(objects.encryption_parameters, mode),
    )
    assert CipherFace.from_bytes(context, public_only=True).fingerprint != key_holder.fingerprint


@pytest.mark.parametrize("mode", [sb.ZSTD, sb.ZLIB], ids=["zstd", "zlib"])
@pytest.mark.parametrize("name", ["relin_keys", "public_key"])
def test_a_bomb_in_a_context_key_is_too_large(public: bytes, name: str, mode: int) -> None:
    bombed = sb.bomb(getattr(sb.context_objects(public), name), mode)
    assert len(bombed) < 1024 * 1024  # 64 MiB of zeros after a genuine key
    error = _refused(InputTooLarge, lambda: CipherFace.from_bytes(sb.with_objects(public, **{name: bombed})), None)
    assert "inflating beyond" in error.message


def test_the_galois_key_repeated_in_every_slot_is_too_large(public: bytes) -> None:
    bombed = sb.repeated_galois_key(sb.context_objects(public).galois_keys)
    context = sb.with_objects(public, galois_keys=bombed)
    assert len(context) < len(public)  # gigabytes once inflated
    error = _refused(InputTooLarge, lambda: CipherFace.from_bytes(context, public_only=True, field="ctx"), "ctx")
    assert "the Galois keys" in error.message


@pytest.mark.parametrize(
    "make",
    [
        lambda ct: sb.bomb(ct, sb.ZSTD),
        lambda ct: sb.bomb(ct, sb.ZLIB),
        lambda ct: sb.nested_bomb(ct, sb.ZSTD),
        lambda ct: sb.nested_bomb(ct, sb.ZLIB),
    ],
    ids=["zstd", "zlib", "zstd-in-coefficients", "zlib-in-coefficients"],
)
def test_a_bomb_in_a_ciphertext_is_too_large(
    key_holder: CipherFace, cloud: CipherFace, a: EncryptedEmbedding, make: Callable[[bytes], bytes]
) -> None:
    bombed = sb.with_ciphertext(a, make(sb.ciphertext_object(a)))
    assert len(bombed.payload) < 1024 * 1024  # under the service's ciphertext limit
    _refused(InputTooLarge, lambda: cloud.calculate_encrypted_distance(a, bombed), "b")
    # The key holder reading a distance goes through the same checks.
    distance = cloud.calculate_encrypted_distance(a, a)
    bombed_distance = sb.with_ciphertext(distance, sb.bomb(sb.ciphertext_object(distance), sb.ZSTD))
    _refused(InputTooLarge, lambda: key_holder.restore(bombed_distance), None)


def test_a_galois_key_the_distance_does_not_use_is_refused(public: bytes) -> None:
    # A genuine key copied into a slot of a rotation the distance never makes: SEAL would load it.
    version, parms_id, slots = sb.galois_slots(sb.context_objects(public).galois_keys)
    key = next(s for s in slots if s != bytes(8))
    spare = slots.index(bytes(8), 1)
    slots[spare] = key
    galois = sb.galois_from_slots(version, parms_id, slots, len(slots))
    error = _refused(InvalidKey, lambda: CipherFace.from_bytes(sb.with_objects(public, galois_keys=galois)))
    assert "the Galois keys" in error.message and "does not use" in error.message


def _mutate(obj: bytes, offset: int, value: bytes) -> bytes:
    return obj[:offset] + value + obj[offset + len(value) :]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "no magic": lambda o: _mutate(o, 0, b"\x00\x00"),
    "header size": lambda o: _mutate(o, 2, b"\x0f"),
    "SEAL 3.4": lambda o: _mutate(o, 3, b"\x03\x04"),
    "compression mode": lambda o: _mutate(o, 5, b"\x07"),
    "size past the end": lambda o: _mutate(o, 8, struct.pack("<Q", len(o) + 1)),
    "size short of the end": lambda o: _mutate(o, 8, struct.pack("<Q", len(o) - 1)),
    "truncated": lambda o: o[: len(o) // 2],
    "header only": lambda o: o[:16],
    "shorter than a header": lambda o: o[:10],
    "garbled stream": lambda o: _mutate(o, 40, b"\xff" * 64),
    "truncated stream": lambda o: _mutate(o[:-20], 8, struct.pack("<Q", len(o) - 20)),
    "bytes after the stream": lambda o: _mutate(o + b"\0" * 8, 8, struct.pack("<Q", len(o) + 8)),
}


@pytest.fixture(scope="module")
def compressed(public: bytes, a: EncryptedEmbedding) -> dict[int, tuple[bytes, bytes]]:
    """Relinearisation keys and a ciphertext, zstd- and zlib-compressed."""
    relin, ciphertext = sb.context_objects(public).relin_keys, sb.ciphertext_object(a)
    return {mode: (sb.recompress(relin, mode), sb.recompress(ciphertext, mode)) for mode in (sb.ZSTD, sb.ZLIB)}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
@pytest.mark.parametrize("mode", [sb.ZSTD, sb.ZLIB], ids=["zstd", "zlib"])
def test_damaged_seal_objects_are_invalid_not_too_large(
    public: bytes,
    cloud: CipherFace,
    a: EncryptedEmbedding,
    compressed: dict[int, tuple[bytes, bytes]],
    damage: Callable[[bytes], bytes],
    mode: int,
) -> None:
    relin, ciphertext = compressed[mode]
    context = sb.with_objects(public, relin_keys=damage(relin))
    _refused(InvalidKey, lambda: CipherFace.from_bytes(context, field="publicContext"), "publicContext")
    damaged = sb.with_ciphertext(a, damage(ciphertext))
    _refused(InvalidCiphertext, lambda: cloud.calculate_encrypted_distance(damaged, a), "a")
