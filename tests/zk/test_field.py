"""Fixed-point scaling and nonce encoding: the public statement's units (pure functions)."""

from __future__ import annotations

import hashlib

import pytest

from zk import SCALAR_FIELD_ORDER, InvalidNonce, InvalidStatement, nonce_to_field, scale_score, scale_threshold
from zk._field import NONCE_DOMAIN, random_field_element


def test_threshold_is_rounded_to_four_decimals() -> None:
    assert scale_threshold(0.6) == 6000
    assert scale_threshold(0.29) == 2900
    assert scale_threshold(0.12345) == 1234  # round-half-even at the 5th decimal
    assert scale_threshold(0.0) == 0 and scale_threshold(1.0) == 10_000


def test_score_is_truncated_never_rounded_up() -> None:
    assert scale_score(0.74229) == 7422
    assert scale_score(0.29) == 2900  # 0.29 * 10000 == 2899.9999999999995 in binary floating point
    assert scale_score(0.59999) == 5999  # just under a 0.6 policy stays under it
    assert scale_score(1.0) == 10_000


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), float("inf")])
def test_out_of_range_values_are_refused(bad: float) -> None:
    with pytest.raises(InvalidStatement):
        scale_score(bad)
    with pytest.raises(InvalidStatement):
        scale_threshold(bad)


def test_numeric_nonces_are_used_as_field_elements() -> None:
    assert nonce_to_field("0") == 0
    assert nonce_to_field("12345") == 12345
    assert nonce_to_field("0x1f") == 31
    assert nonce_to_field(str(SCALAR_FIELD_ORDER - 1)) == SCALAR_FIELD_ORDER - 1


def test_other_strings_are_hashed_into_the_field_with_a_domain_tag() -> None:
    text = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    expected = int.from_bytes(hashlib.sha512(NONCE_DOMAIN + text.encode()).digest(), "big") % SCALAR_FIELD_ORDER
    assert nonce_to_field(text) == expected
    assert nonce_to_field("héllo") != nonce_to_field("hello")
    assert 0 <= nonce_to_field("x" * 256) < SCALAR_FIELD_ORDER


@pytest.mark.parametrize("bad", ["", str(SCALAR_FIELD_ORDER), "0x" + "f" * 64, "x" * 257])
def test_bad_nonces_are_refused(bad: str) -> None:
    with pytest.raises(InvalidNonce) as info:
        nonce_to_field(bad)
    assert info.value.field == "nonce"


def test_random_field_elements_are_non_zero_and_in_range() -> None:
    values = {random_field_element() for _ in range(50)}
    assert len(values) == 50 and all(0 < v < SCALAR_FIELD_ORDER for v in values)
