"""Bounded loading: each SEAL object in a context or CKKS vector is checked, then handed over uncompressed.

TenSEAL hands every SEAL object it finds to SEAL, which inflates compressed objects without a
bound and then builds every key the data lists. A 0.6 MB public context whose Galois-key object is
a zstd stream of one genuine key repeated for every slot made the service hold gigabytes, and
kept them. So before TenSEAL sees a context or a vector, every SEAL object in it (the encryption
parameters, public key, relinearisation keys, Galois keys, secret key; the ciphertext of a
vector) is parsed against the shape the CKKS parameters allow, with any compressed data inflated
under a cap equal to the largest object of that kind (``fhe/_seal.py``, ``fhe/_sealobjects.py``),
and replaced by its uncompressed copy. What TenSEAL then loads is at most as large as what was
checked: about twice the parameters' public context, whatever the input.

What it decides, before anything is deserialized:

* the encryption parameters are the CKKS parameters the envelope states;
* keys and ciphertexts have the shape of those parameters: two-polynomial public keys at the key
  level, one relinearisation key, ``k - 1`` public keys per key-switching key, one ciphertext
  per vector at the level the operation expects;
* Galois keys exist only for the elements the distance's rotations use; a key for any other
  element is refused (:class:`InvalidKey`), not loaded and dropped;
* anything larger than its kind can be, stated or once inflated, is :class:`InputTooLarge`
  (413); anything malformed is :class:`InvalidKey` or :class:`InvalidCiphertext` (422).

Messages name the object at fault and the limit that applies, never the input's bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from fhe import _sealobjects as objects
from fhe._exceptions import FHEError, InputTooLarge, InvalidCiphertext, InvalidKey
from fhe._proto import (
    ContextFields,
    ProtoError,
    parse_context,
    replace_context_objects,
    replace_vector_ciphertext,
    vector_ciphertext,
)
from fhe._seal import SEALFormatError, SEALTooLarge
from fhe.params import CKKSParams

__all__ = ["context_bytes", "vector_bytes"]


def _checked(check: Callable[[], bytes], error: type[FHEError], subject: str, field: str | None) -> bytes:
    try:
        return check()
    except SEALTooLarge as exc:
        raise InputTooLarge(f"{subject} is too large: {exc}", field=field) from None
    except SEALFormatError as exc:
        raise error(f"{subject} is not usable: {exc}", field=field) from None


def context_bytes(
    data: bytes, params: CKKSParams, galois_elements: Collection[int], *, field: str | None = None
) -> bytes:
    """A serialized TenSEAL context with every SEAL object checked and uncompressed."""
    try:
        fields = parse_context(data)
    except ProtoError:
        raise InvalidKey("the key material is malformed", field=field) from None

    def check(value: bytes, parse: Callable[[bytes], bytes]) -> bytes:
        return _checked(lambda: parse(value), InvalidKey, "the key material", field) if value else b""

    checked = ContextFields(
        encryption_parameters=check(
            fields.encryption_parameters,
            lambda v: objects.encryption_parameters(v, params, "the encryption parameters"),
        ),
        public_key=check(fields.public_key, lambda v: objects.public_key(v, params, "the public key")),
        scale=fields.scale,
        relin_keys=check(fields.relin_keys, lambda v: objects.relin_keys(v, params, "the relinearisation keys")),
        galois_keys=check(
            fields.galois_keys, lambda v: objects.galois_keys(v, params, galois_elements, "the Galois keys")
        ),
        has_private_part=fields.has_private_part,
        secret_key=check(fields.secret_key, lambda v: objects.secret_key(v, params, "the secret key")),
        encryption_type=fields.encryption_type,
    )
    try:
        return replace_context_objects(data, checked)
    except ProtoError:
        raise InvalidKey("the key material is malformed", field=field) from None


def vector_bytes(data: bytes, params: CKKSParams, *, fresh: bool, field: str | None = None) -> bytes:
    """A serialized CKKS vector whose one ciphertext is checked and uncompressed.

    ``fresh``: an encrypted embedding (``k - 1`` moduli), else an encrypted distance (``k - 2``).
    """
    try:
        ciphertext = vector_ciphertext(data)
    except ProtoError:
        raise InvalidCiphertext("the ciphertext is malformed (not one CKKS ciphertext)", field=field) from None
    moduli = len(params.coeff_mod_bit_sizes) - (1 if fresh else 2)
    checked = _checked(
        lambda: objects.ciphertext(ciphertext, params, moduli, "its SEAL ciphertext"),
        InvalidCiphertext,
        "the ciphertext",
        field,
    )
    return replace_vector_ciphertext(data, checked)
