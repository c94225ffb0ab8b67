"""The SEAL objects a context or an encrypted vector carries, parsed against the shape CKKS allows.

Member layouts (SEAL 4.x, little-endian; each object framed by ``fhe/_seal.py``), from SEAL's
``encryptionparams.cpp``, ``modulus.cpp``, ``ciphertext.cpp``, ``plaintext.cpp``, ``dynarray.h``,
``randomgen.cpp`` and ``kswitchkeys.cpp``::

    EncryptionParameters  scheme (1: 2 = CKKS)  N (8)  k (8)  k x Modulus  plain Modulus
    Modulus               value (8)
    Ciphertext            parms_id (32)  NTT form (1)  size (8)  N (8)  moduli (8)  scale (8)
                          correction factor (8)  then either DynArray of size·N·moduli words, or
                          (seeded) DynArray of N·moduli words + UniformRandomGeneratorInfo
    PublicKey             a Ciphertext of size 2 at the key level (all k moduli)
    SecretKey             a Plaintext: parms_id (32)  coeff count (8)  scale (8)  DynArray of N·k words
    KSwitchKeys           parms_id (32)  slots (8)  slots x [count (8)  count x PublicKey]
    DynArray              count (8)  count x 8 bytes
    UniformRandomGeneratorInfo  PRNG type (1)  seed (64)

Relinearisation keys are KSwitchKeys with one slot; Galois keys have a slot per Galois element,
``GaloisKeys::get_index(elt) = (elt - 1) >> 1`` (``galoiskeys.h``, ``util/galois.h``), at most N.
Every used slot holds ``k - 1`` public keys (the decomposition modulus count). Fresh ciphertexts
have ``k - 1`` moduli, the encrypted distance (one rescale later) ``k - 2``.

Only the shape is checked here, which bounds the size: the values (primes, parms_id, coefficient
ranges, PRNG type) are SEAL's to check when it loads the re-serialized object.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from fhe._seal import HEADER_BYTES, Reader, SEALFormatError, read_object
from fhe.params import CKKSParams

__all__ = [
    "ciphertext",
    "encryption_parameters",
    "galois_keys",
    "public_key",
    "relin_keys",
    "secret_key",
]

_CKKS = 2
_PARMS_ID = 32
_CIPHERTEXT_META = _PARMS_ID + 1 + 5 * 8
_PRNG_INFO = HEADER_BYTES + 1 + 64
_MODULUS = HEADER_BYTES + 8


def _dynarray_bytes(words: int) -> int:
    return HEADER_BYTES + 8 + 8 * words


def _ciphertext_bytes(n: int, moduli: int) -> int:
    # Size 2 in full is larger than seeded (one polynomial and a PRNG seed).
    return HEADER_BYTES + _CIPHERTEXT_META + _dynarray_bytes(2 * n * moduli)


def _kswitch_bytes(slots: int, keys: int, n: int, k: int) -> int:
    return HEADER_BYTES + _PARMS_ID + 8 + 8 * slots + keys * _ciphertext_bytes(n, k)


def _dynarray(reader: Reader, words: Collection[int], what: str) -> tuple[bytes, int]:
    count = 0

    def members(r: Reader) -> list[bytes]:
        nonlocal count
        count = r.u64()
        if count not in words:
            raise SEALFormatError(f"{what}: a coefficient array of the wrong size")
        return [count.to_bytes(8, "little"), bytes(r.take(8 * count))]

    return read_object(reader, max(_dynarray_bytes(w) for w in words), what, members), count


def _prng_info(reader: Reader, what: str) -> bytes:
    return read_object(reader, _PRNG_INFO, what, lambda r: [bytes(r.take(1 + 64))])


def _ciphertext_members(r: Reader, n: int, moduli: int, what: str) -> list[bytes]:
    meta = r.take(_CIPHERTEXT_META)
    size, degree, count = (int.from_bytes(meta[i : i + 8], "little") for i in (33, 41, 49))
    if (size, degree, count) != (2, n, moduli):
        raise SEALFormatError(f"{what}: not a two-polynomial ciphertext at the expected level of these parameters")
    full, seeded = 2 * n * moduli, n * moduli
    data, words = _dynarray(r, (full, seeded), what)
    parts = [bytes(meta), data]
    if words == seeded:
        parts.append(_prng_info(r, what))
    return parts


def _ciphertext(reader: Reader, n: int, moduli: int, what: str, *, cap_moduli: int = 0) -> bytes:
    """A size-2 ciphertext with ``moduli`` primes; ``cap_moduli`` (default ``moduli``) sets the size cap."""
    cap = _ciphertext_bytes(n, cap_moduli or moduli)
    return read_object(reader, cap, what, lambda r: _ciphertext_members(r, n, moduli, what))


def _whole(data: bytes, what: str, read: Callable[[Reader], bytes]) -> bytes:
    """``read`` applied to all of ``data``: one object, nothing after it."""
    reader = Reader(data, what)
    out = read(reader)
    reader.end()
    return out


def encryption_parameters(data: bytes, params: CKKSParams, what: str) -> bytes:
    n, bits = params.poly_modulus_degree, params.coeff_mod_bit_sizes

    def modulus(reader: Reader) -> tuple[bytes, int]:
        value = 0

        def members(r: Reader) -> list[bytes]:
            nonlocal value
            value = r.u64()
            return [value.to_bytes(8, "little")]

        return read_object(reader, _MODULUS, what, members), value

    def members(r: Reader) -> list[bytes]:
        scheme, degree, count = r.u8(), r.u64(), r.u64()
        if (scheme, degree, count) != (_CKKS, n, len(bits)):
            raise SEALFormatError(f"{what}: not the CKKS parameters its envelope states")
        parts = [bytes([scheme]), degree.to_bytes(8, "little"), count.to_bytes(8, "little")]
        for expected_bits in bits:
            encoded, value = modulus(r)
            if value.bit_length() != expected_bits:
                raise SEALFormatError(f"{what}: not the CKKS parameters its envelope states")
            parts.append(encoded)
        encoded, plain = modulus(r)
        if plain != 0:
            raise SEALFormatError(f"{what}: a plaintext modulus, which CKKS does not have")
        return [*parts, encoded]

    cap = HEADER_BYTES + 1 + 16 + (len(bits) + 1) * _MODULUS
    return _whole(data, what, lambda reader: read_object(reader, cap, what, members))


def public_key(data: bytes, params: CKKSParams, what: str) -> bytes:
    n, k = params.poly_modulus_degree, len(params.coeff_mod_bit_sizes)
    return _whole(data, what, lambda reader: _ciphertext(reader, n, k, what))


def secret_key(data: bytes, params: CKKSParams, what: str) -> bytes:
    n, k = params.poly_modulus_degree, len(params.coeff_mod_bit_sizes)

    def members(r: Reader) -> list[bytes]:
        meta = r.take(_PARMS_ID + 16)
        if int.from_bytes(meta[_PARMS_ID : _PARMS_ID + 8], "little") != n * k:
            raise SEALFormatError(f"{what}: not a secret key of these parameters")
        return [bytes(meta), _dynarray(r, (n * k,), what)[0]]

    cap = HEADER_BYTES + _PARMS_ID + 16 + _dynarray_bytes(n * k)
    return _whole(data, what, lambda reader: read_object(reader, cap, what, members))


def ciphertext(data: bytes, params: CKKSParams, moduli: int, what: str) -> bytes:
    """A size-2 ciphertext with ``moduli`` primes (``k - 1`` fresh, ``k - 2`` after the rescale).

    The size cap is that of the largest ciphertext of these parameters, so one at another level
    is refused for its shape, not its size.
    """
    n, top = params.poly_modulus_degree, len(params.coeff_mod_bit_sizes) - 1
    return _whole(data, what, lambda reader: _ciphertext(reader, n, moduli, what, cap_moduli=top))


def _kswitch_keys(data: bytes, params: CKKSParams, slots: Collection[int], max_slots: int, what: str) -> bytes:
    """KSwitchKeys whose used slots are among ``slots``, with at most ``max_slots`` slots in all."""
    n, k = params.poly_modulus_degree, len(params.coeff_mod_bit_sizes)
    decomposition = k - 1

    def members(r: Reader) -> list[bytes]:
        parms_id, count = bytes(r.take(_PARMS_ID)), r.u64()
        if count > max_slots:
            raise SEALFormatError(f"{what}: more key slots than these parameters have")
        parts = [parms_id, count.to_bytes(8, "little")]
        for index in range(count):
            keys = r.u64()
            if keys and index not in slots:
                raise SEALFormatError(f"{what}: keys the encrypted distance does not use")
            if keys not in (0, decomposition):
                raise SEALFormatError(f"{what}: a key of the wrong size for these parameters")
            parts.append(keys.to_bytes(8, "little"))
            parts.extend(_ciphertext(r, n, k, what) for _ in range(keys))
        return parts

    cap = _kswitch_bytes(max_slots, len(slots) * decomposition, n, k)
    return _whole(data, what, lambda reader: read_object(reader, cap, what, members))


def relin_keys(data: bytes, params: CKKSParams, what: str) -> bytes:
    # One slot: the key for the square of the secret key (RelinKeys::get_index(2) = 0).
    return _kswitch_keys(data, params, (0,), 1, what)


def galois_keys(data: bytes, params: CKKSParams, elements: Collection[int], what: str) -> bytes:
    """Galois keys for ``elements`` only (or some of them): any other key is refused."""
    slots = frozenset((element - 1) >> 1 for element in elements)
    return _kswitch_keys(data, params, slots, params.poly_modulus_degree, what)
