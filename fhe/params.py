"""CKKS parameters and their security level.

The encrypted distance needs exactly one ciphertext-ciphertext multiplication (``(a-b)·(a-b)`` or
``a·b``), then rotations to sum the slots. So the coefficient modulus is ``[q0, q1, special]``:
``q1`` (= the scale) is consumed by the rescale after the multiplication, the result lives in
``q0`` at the scale, and the special prime serves key switching (relinearisation, rotations).

Constraints checked here (``CKKSParams.__post_init__``):

* security: the total modulus bit count must not exceed the HomomorphicEncryption.org standard's
  bound for the ring dimension (ternary secret, classical attacks), which is what SEAL itself
  enforces for 128 bits; :attr:`CKKSParams.security_bits` reports 128, 192 or 256;
* the middle primes equal the scale, so a rescale keeps the scale;
* ``q0`` is at least 5 bits above the scale: decoded values must stay within
  ``±2^(q0 - scale - 1)``, and a squared distance of unit vectors reaches 4;
* the special prime is at least as large as ``q0``, which keeps key-switching noise low.

Presets (measured precision and speed in docs/fhe.md):

================  ======  ============  =====  ========  ====================================
preset            N       bits          scale  security  use
================  ======  ============  =====  ========  ====================================
``PARAMS_128``    4096    37, 32, 40    2^32   128-bit   smallest keys and ciphertexts
``PARAMS_192``    8192    50, 40, 50    2^40   192-bit   the default (``DEFAULT_PARAMS``)
``PARAMS_256``    16384   60, 40, 60    2^40   256-bit   the largest margin
================  ======  ============  =====  ========  ====================================
"""

from __future__ import annotations

from dataclasses import dataclass

from fhe._exceptions import InvalidParameters

__all__ = [
    "DEFAULT_PARAMS",
    "PARAMS_128",
    "PARAMS_192",
    "PARAMS_256",
    "PRESETS",
    "CKKSParams",
    "max_modulus_bits",
]

# HomomorphicEncryption.org security standard (2018), Table 1, uniform ternary secret, classical:
# the largest log2(q) for each ring dimension at 128, 192 and 256 bits (SEAL's CoeffModulus::
# MaxBitCount uses the same numbers).
_MAX_BITS: dict[int, dict[int, int]] = {
    4096: {128: 109, 192: 75, 256: 58},
    8192: {128: 218, 192: 152, 256: 118},
    16384: {128: 438, 192: 305, 256: 237},
}
# Larger rings would work but make keys of hundreds of MB; smaller ones cannot reach 128 bits
# with a usable modulus.
RING_DIMENSIONS = tuple(_MAX_BITS)


def max_modulus_bits(poly_modulus_degree: int, security_bits: int) -> int:
    """The largest total coefficient-modulus bit count at ``security_bits`` for this ring."""
    try:
        return _MAX_BITS[poly_modulus_degree][security_bits]
    except KeyError:
        raise InvalidParameters(
            f"no security bound for poly_modulus_degree {poly_modulus_degree} at {security_bits} bits"
        ) from None


@dataclass(frozen=True, slots=True)
class CKKSParams:
    """A CKKS parameter set: ring dimension, coefficient-modulus prime sizes, scale (a power of 2)."""

    poly_modulus_degree: int
    coeff_mod_bit_sizes: tuple[int, ...]
    scale_bits: int

    def __post_init__(self) -> None:
        n, bits, scale = self.poly_modulus_degree, self.coeff_mod_bit_sizes, self.scale_bits
        if n not in _MAX_BITS:
            raise InvalidParameters(f"poly_modulus_degree must be one of {RING_DIMENSIONS}, not {n}")
        if len(bits) < 3:
            raise InvalidParameters("the coefficient modulus needs at least 3 primes: q0, the scale, the special prime")
        if any(not 20 <= b <= 60 for b in bits):
            raise InvalidParameters("each coefficient-modulus prime must have 20 to 60 bits")
        if any(b != scale for b in bits[1:-1]):
            raise InvalidParameters(f"the middle primes must have the scale's size ({scale} bits)")
        if bits[0] < scale + 5:
            raise InvalidParameters(f"q0 needs at least {scale + 5} bits for a {scale}-bit scale")
        if bits[-1] < bits[0]:
            raise InvalidParameters("the special (last) prime must be at least as large as q0")
        if sum(bits) > _MAX_BITS[n][128]:
            raise InvalidParameters(
                f"{sum(bits)} modulus bits exceed the 128-bit security bound of {_MAX_BITS[n][128]} for N={n}"
            )

    @property
    def security_bits(self) -> int:
        """128, 192 or 256: the highest standard level whose modulus bound this set meets."""
        total = sum(self.coeff_mod_bit_sizes)
        return max(level for level, bound in _MAX_BITS[self.poly_modulus_degree].items() if total <= bound)

    @property
    def slot_count(self) -> int:
        return self.poly_modulus_degree // 2

    @property
    def scale(self) -> float:
        return float(2**self.scale_bits)

    def as_dict(self) -> dict[str, object]:
        return {
            "poly_modulus_degree": self.poly_modulus_degree,
            "coeff_mod_bit_sizes": list(self.coeff_mod_bit_sizes),
            "scale_bits": self.scale_bits,
        }

    @classmethod
    def from_dict(cls, data: object) -> CKKSParams:
        if not isinstance(data, dict):
            raise InvalidParameters("parameters must be an object")
        n, bits, scale = data.get("poly_modulus_degree"), data.get("coeff_mod_bit_sizes"), data.get("scale_bits")
        if not (isinstance(n, int) and isinstance(scale, int) and isinstance(bits, list) and bits):
            raise InvalidParameters("parameters need integer poly_modulus_degree, coeff_mod_bit_sizes, scale_bits")
        if not all(_is_int(v) for v in (n, scale, *bits)):
            raise InvalidParameters("parameters need integer poly_modulus_degree, coeff_mod_bit_sizes, scale_bits")
        return cls(n, tuple(bits), scale)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


PARAMS_128 = CKKSParams(4096, (37, 32, 40), 32)
PARAMS_192 = CKKSParams(8192, (50, 40, 50), 40)
PARAMS_256 = CKKSParams(16384, (60, 40, 60), 40)
DEFAULT_PARAMS = PARAMS_192
PRESETS: dict[str, CKKSParams] = {"128": PARAMS_128, "192": PARAMS_192, "256": PARAMS_256}
