"""CKKS parameter sets: security levels from the HE standard, and the sets refused."""

from __future__ import annotations

import pytest

from fhe import DEFAULT_PARAMS, PARAMS_128, PARAMS_192, PARAMS_256, PRESETS, CKKSParams, InvalidParameters


def test_presets_have_the_security_their_names_claim() -> None:
    assert {name: p.security_bits for name, p in PRESETS.items()} == {"128": 128, "192": 192, "256": 256}
    assert DEFAULT_PARAMS is PARAMS_192
    assert PARAMS_128.poly_modulus_degree == 4096 and PARAMS_256.poly_modulus_degree == 16384


def test_cipherface_reference_parameters_are_128_bit() -> None:
    # CipherFace's own default (N=8192, 60-40-40-60, 2^40): valid here, 128-bit.
    assert CKKSParams(8192, (60, 40, 40, 60), 40).security_bits == 128


@pytest.mark.parametrize(
    ("n", "bits", "scale", "why"),
    [
        (4096, (40, 32, 40), 32, "exceed the 128-bit security bound"),
        (2048, (27, 20, 27), 20, "poly_modulus_degree"),
        (8192, (60, 40), 40, "at least 3 primes"),
        (8192, (50, 30, 50), 40, "middle primes"),
        (8192, (43, 40, 50), 40, "q0 needs"),
        (8192, (50, 40, 45), 40, "special"),
        (8192, (61, 40, 61), 40, "20 to 60 bits"),
    ],
)
def test_unusable_parameters_are_refused(n: int, bits: tuple[int, ...], scale: int, why: str) -> None:
    with pytest.raises(InvalidParameters, match=why):
        CKKSParams(n, bits, scale)


def test_round_trip_through_a_dict() -> None:
    assert CKKSParams.from_dict(PARAMS_192.as_dict()) == PARAMS_192
    with pytest.raises(InvalidParameters):
        CKKSParams.from_dict({"poly_modulus_degree": "8192", "coeff_mod_bit_sizes": [50, 40, 50], "scale_bits": 40})
    with pytest.raises(InvalidParameters):
        CKKSParams.from_dict({"poly_modulus_degree": 8192, "coeff_mod_bit_sizes": [50, True, 50], "scale_bits": 40})
