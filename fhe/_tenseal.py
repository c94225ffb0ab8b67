"""Every call into TenSEAL (and its SEAL bindings) in one place, translated to fhe's errors.

TenSEAL has no type information, so this module is the typed boundary: values it returns are
``Any`` here and never leave the package. ``tenseal`` is imported on first use (about 0.1 s), so
``import fhe`` stays cheap.

Nothing from outside reaches TenSEAL's deserializers unchecked: :func:`load_context` and
:func:`load_vector` first replace every SEAL object in the bytes with its checked, uncompressed
copy (``fhe/_bounded.py``), which bounds the memory a hostile key or ciphertext can make SEAL use.

Contexts are loaded with one worker thread: a TenSEAL context otherwise starts a pool of one
thread per CPU, per context, and the work here (one vector at a time) does not use it.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from fhe import _bounded
from fhe._exceptions import InvalidCiphertext, InvalidKey
from fhe._proto import ProtoError, replace_galois_keys
from fhe.params import CKKSParams

# What TenSEAL / SEAL raise on bad bytes or impossible operations.
_TENSEAL_ERRORS = (ValueError, RuntimeError, TypeError, OverflowError, IndexError)


@cache
def _ts() -> Any:
    import tenseal

    # Registers SEAL's own types (Modulus, Plaintext, ...) that context inspection returns.
    import tenseal.sealapi

    return tenseal


def _sealapi() -> Any:
    return _ts().sealapi


def rotation_steps(padded_dimension: int) -> list[int]:
    """The rotations TenSEAL's sum over ``padded_dimension`` slots uses: n/2, n/4, ..., 1."""
    return [1 << k for k in range(padded_dimension.bit_length() - 1)]


def galois_elements(poly_modulus_degree: int, steps: list[int]) -> list[int]:
    """SEAL's Galois element for a left rotation by ``step`` in CKKS: 3^step mod 2N."""
    return [pow(3, step, 2 * poly_modulus_degree) for step in steps]


def new_secret_context(params: CKKSParams) -> Any:
    ts = _ts()
    ctx = ts.context(
        ts.SCHEME_TYPE.CKKS,
        poly_modulus_degree=params.poly_modulus_degree,
        coeff_mod_bit_sizes=list(params.coeff_mod_bit_sizes),
        n_threads=1,
    )
    ctx.global_scale = params.scale
    return ctx


def private_context_bytes(ctx: Any) -> bytes:
    # With the secret key saved, TenSEAL stores only a flag for the relinearisation keys and
    # regenerates them on load. Galois keys are not needed to decrypt; they are made (for the
    # needed rotations only) when a public context is built.
    return bytes(
        ctx.serialize(save_public_key=True, save_secret_key=True, save_galois_keys=False, save_relin_keys=True)
    )


def public_context_bytes(secret_ctx: Any, params: CKKSParams, steps: list[int]) -> bytes:
    """The public context (public key, relinearisation keys, Galois keys for ``steps`` only)."""
    if not secret_ctx.has_relin_keys():
        secret_ctx.generate_relin_keys()
    keygen = _sealapi().KeyGenerator(secret_ctx.seal_context().data, secret_ctx.secret_key().data)
    galois = keygen.create_galois_keys(galois_elements(params.poly_modulus_degree, steps))
    # SEAL's Python binding writes (seed-compressed) keys only to a path: public material, so a
    # private temporary directory is fine.
    with tempfile.TemporaryDirectory(prefix="livecred-fhe-") as tmp:
        path = Path(tmp) / "galois"
        galois.save(str(path))
        galois_bytes = path.read_bytes()
    public = secret_ctx.serialize(
        save_public_key=True, save_secret_key=False, save_galois_keys=False, save_relin_keys=True
    )
    return replace_galois_keys(bytes(public), galois_bytes)


def load_context(data: bytes, params: CKKSParams, steps: list[int], *, field: str | None = None) -> Any:
    """A context from ``data``, whose keys must have the shape of ``params``, Galois keys for ``steps`` only."""
    checked = _bounded.context_bytes(data, params, galois_elements(params.poly_modulus_degree, steps), field=field)
    try:
        ctx = _ts().context_from(checked, n_threads=1)
    except (*_TENSEAL_ERRORS, ProtoError):
        raise InvalidKey("the key material could not be loaded (truncated or corrupted)", field=field) from None
    if not ctx.seal_context().data.parameters_set():
        raise InvalidKey("the key material has no valid encryption parameters", field=field)
    # A context sets these flags itself; the computation here relies on all three.
    ctx.auto_relin = True
    ctx.auto_rescale = True
    ctx.auto_mod_switch = True
    return ctx


def context_params(ctx: Any) -> tuple[int, tuple[int, ...], float]:
    """(poly modulus degree, prime bit sizes, global scale) as SEAL holds them."""
    parms = ctx.seal_context().data.key_context_data().parms()
    bits = tuple(int(m.bit_count()) for m in parms.coeff_modulus())
    try:
        scale = float(ctx.global_scale)
    except _TENSEAL_ERRORS:
        scale = float("nan")
    return int(parms.poly_modulus_degree()), bits, scale


def has_distance_keys(ctx: Any, poly_modulus_degree: int, steps: list[int]) -> bool:
    if not (ctx.has_public_key() and ctx.has_relin_keys()):
        return False
    if not steps:
        return True
    if not ctx.has_galois_keys():
        return False
    keys = ctx.galois_keys().data
    return all(keys.has_key(element) for element in galois_elements(poly_modulus_degree, steps))


def encrypt(ctx: Any, vector: np.ndarray) -> bytes:
    return bytes(_ts().ckks_vector(ctx, vector.astype(np.float64).tolist()).serialize())


def load_vector(
    ctx: Any, payload: bytes, params: CKKSParams, *, size: int, fresh: bool, field: str | None = None
) -> Any:
    """A CKKS vector checked to be what the operation expects.

    ``fresh``: an encrypted embedding straight from encryption (top level, the context's scale),
    else a computed distance (one level lower). Its shape is checked before it is loaded; SEAL
    itself checks the ciphertext belongs to these parameters and that its coefficients are in range.
    """
    checked = _bounded.vector_bytes(payload, params, fresh=fresh, field=field)
    try:
        vector = _ts().ckks_vector_from(ctx, checked)
        ciphertexts = vector.ciphertext()
    except _TENSEAL_ERRORS:
        raise InvalidCiphertext("the ciphertext could not be loaded (truncated or corrupted)", field=field) from None
    if len(ciphertexts) != 1 or vector.size() != size:
        raise InvalidCiphertext(f"the ciphertext holds {vector.size()} values, expected {size}", field=field)
    ct = ciphertexts[0]
    seal = ctx.seal_context().data
    data = seal.get_context_data(ct.parms_id())
    expected_level = seal.first_context_data().chain_index() - (0 if fresh else 1)
    if ct.size() != 2 or data is None or data.chain_index() != expected_level:
        what = "a freshly encrypted embedding" if fresh else "an encrypted distance"
        raise InvalidCiphertext(f"the ciphertext is not {what} under these parameters", field=field)
    if fresh and ct.scale != params.scale:
        raise InvalidCiphertext("the ciphertext's scale does not match the context", field=field)
    return vector


def squared_distance(a: Any, b: Any, *, identical: bool = False) -> bytes:
    """Encrypted |a - b|^2 in every slot: one multiplication, then log2(n) rotations.

    ``identical``: ``a`` and ``b`` are the same ciphertext, whose difference SEAL refuses as
    "transparent" (it would decrypt without a key); a fresh encryption of zero is added to ``b``.
    """
    try:
        if identical:
            b = b + _ts().ckks_vector(b.context(), [0.0] * b.size())
        diff = a - b
        return bytes(diff.dot(diff).serialize())
    except _TENSEAL_ERRORS:
        raise InvalidCiphertext("the encrypted distance could not be computed from these ciphertexts") from None


def dot_product(a: Any, b: Any) -> bytes:
    """Encrypted a·b (the cosine similarity of unit vectors) in every slot."""
    try:
        return bytes(a.dot(b).serialize())
    except _TENSEAL_ERRORS:
        raise InvalidCiphertext("the encrypted distance could not be computed from these ciphertexts") from None


def decrypt_slots(secret_ctx: Any, vector: Any) -> np.ndarray:
    """Every slot of a one-ciphertext vector (TenSEAL's own ``decrypt`` shows only the first)."""
    sealapi = _sealapi()
    seal = secret_ctx.seal_context().data
    plain = sealapi.Plaintext()
    try:
        sealapi.Decryptor(seal, secret_ctx.secret_key().data).decrypt(vector.ciphertext()[0], plain)
        return np.asarray(sealapi.CKKSEncoder(seal).decode_double(plain), dtype=np.float64)
    except _TENSEAL_ERRORS:
        raise InvalidCiphertext("the ciphertext could not be decrypted under this key") from None
