"""BabyJubJub and EdDSA-Poseidon in pure Python: golden vectors with fixed keys, the spec's
derivations restated, and tampered or malformed keys and signatures that must fail.

The independent check (circomlibjs agrees with every value here) is ``test_circomlibjs.py``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest

from zk import (
    SCALAR_FIELD_ORDER,
    BabyJubJubKey,
    BabyJubJubPublicKey,
    EdDSASignature,
    InvalidPublicKey,
    MalformedSignature,
    ZKError,
    poseidon,
    verify_eddsa_poseidon,
)
from zk import _babyjub as bjj

SEED = bytes(range(32))
SCALAR = 1757100496068627543376660552597309411584964279971681158921409564512026061053
PUBLIC = (
    11827883021154265592444984626994225862590484978686812802743507700364008942220,
    5520474470605611249740745970944951657512476755458858520183432256060718367760,
)
MESSAGE = 12345
SIGNATURE = EdDSASignature(
    4744219640502459331440945858543796634153345279822118167307666086851563248884,
    9136858269746025004636459329498909862084721691120386892047207623079449942727,
    2718989550414103128969677613996188218188179767318700353866145344988119443181,
)
# A point of order 2 and one of order 8 (on the curve, outside the prime-order subgroup).
ORDER_2 = (0, SCALAR_FIELD_ORDER - 1)


def _order_8_point() -> bjj.Point:
    # Any curve point times l lands in the 8-torsion; start from a point off the subgroup.
    x = 1
    while True:
        # y^2 = (1 - a x^2) / (1 - d x^2)
        rhs = (1 - bjj.A * x * x) * pow(1 - bjj.D * x * x, -1, bjj.P) % bjj.P
        y = pow(rhs, (bjj.P + 1) // 4, bjj.P) if bjj.P % 4 == 3 else _sqrt(rhs)
        if y is not None and y * y % bjj.P == rhs:
            torsion = bjj.mul((x, y), bjj.SUBGROUP_ORDER)
            if bjj.mul(torsion, 4) != bjj.IDENTITY:
                return torsion
        x += 1


def _sqrt(n: int) -> int | None:
    """Tonelli-Shanks in F_r (r = 1 mod 4)."""
    p = bjj.P
    if n == 0:
        return 0
    if pow(n, (p - 1) // 2, p) != 1:
        return None
    q, s = p - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    z = 2
    while pow(z, (p - 1) // 2, p) != p - 1:
        z += 1
    m, c, t, r = s, pow(z, q, p), pow(n, q, p), pow(n, (q + 1) // 2, p)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2, i = t2 * t2 % p, i + 1
        b = pow(c, 1 << (m - i - 1), p)
        m, c, t, r = i, b * b % p, t * b * b % p, r * b % p
    return r


def test_the_curve_constants() -> None:
    assert bjj.is_on_curve(bjj.BASE8) and bjj.in_subgroup(bjj.BASE8)
    assert bjj.mul(bjj.BASE8, bjj.SUBGROUP_ORDER - 1) == ((-bjj.BASE8[0]) % bjj.P, bjj.BASE8[1])
    assert bjj.add(bjj.BASE8, bjj.IDENTITY) == bjj.BASE8
    assert bjj.add(ORDER_2, ORDER_2) == bjj.IDENTITY and bjj.is_on_curve(ORDER_2)
    eight = _order_8_point()
    assert bjj.is_on_curve(eight) and bjj.mul(eight, 8) == bjj.IDENTITY and not bjj.in_subgroup(eight)


def test_golden_key_and_signature() -> None:
    key = BabyJubJubKey.from_seed(SEED)
    # The spec's derivation, restated: a = int(SHA-512(tag || seed)) mod (l - 1) + 1.
    digest = hashlib.sha512(b"livecred babyjubjub key v1" + SEED).digest()
    assert key.scalar == int.from_bytes(digest, "big") % (bjj.SUBGROUP_ORDER - 1) + 1 == SCALAR
    assert key.public_key.point == PUBLIC == bjj.mul(bjj.BASE8, SCALAR)
    signature = key.sign(MESSAGE)
    assert signature == SIGNATURE
    # r from the spec's nonce derivation; S = r + 8 h a mod l.
    nonce = b"livecred babyjubjub nonce v1" + SCALAR.to_bytes(32, "little") + MESSAGE.to_bytes(32, "little")
    r = int.from_bytes(hashlib.sha512(nonce).digest(), "big") % bjj.SUBGROUP_ORDER
    assert bjj.mul(bjj.BASE8, r) == (signature.r8x, signature.r8y)
    h = poseidon([signature.r8x, signature.r8y, *PUBLIC, MESSAGE])
    assert signature.s == (r + 8 * h * SCALAR) % bjj.SUBGROUP_ORDER
    assert verify_eddsa_poseidon(key.public_key, MESSAGE, signature)


def test_signing_is_deterministic_and_keys_differ() -> None:
    key = BabyJubJubKey.from_seed(SEED)
    assert key.sign(MESSAGE) == key.sign(MESSAGE)
    assert key.sign(MESSAGE) != key.sign(MESSAGE + 1)
    other = BabyJubJubKey.generate()
    assert other.public_key != key.public_key
    assert verify_eddsa_poseidon(other.public_key, 7, other.sign(7))
    assert "scalar" not in repr(key) and str(SCALAR) not in repr(key)


@pytest.mark.parametrize(
    "tamper",
    ["message", "S", "S+l", "R8", "key", "swap"],
)
def test_tampered_signatures_fail(tamper: str) -> None:
    key = BabyJubJubKey.from_seed(SEED)
    public, message, signature = key.public_key, MESSAGE, key.sign(MESSAGE)
    if tamper == "message":
        message += 1
    elif tamper == "S":
        signature = replace(signature, s=(signature.s + 1) % bjj.SUBGROUP_ORDER)
    elif tamper == "S+l":
        # The same point S·B8, but S out of range: refused before the equation.
        with pytest.raises(MalformedSignature):
            replace(signature, s=signature.s + bjj.SUBGROUP_ORDER)
        return
    elif tamper == "R8":
        r8 = bjj.add((signature.r8x, signature.r8y), bjj.BASE8)
        signature = replace(signature, r8x=r8[0], r8y=r8[1])
    elif tamper == "key":
        public = BabyJubJubKey.from_seed(bytes(32)).public_key
    elif tamper == "swap":
        # R8 moved by a small-order point: still on the curve, same equation mod the torsion.
        r8 = bjj.add((signature.r8x, signature.r8y), ORDER_2)
        signature = replace(signature, r8x=r8[0], r8y=r8[1])
    assert not verify_eddsa_poseidon(public, message, signature)


def test_messages_outside_the_field_do_not_verify() -> None:
    key = BabyJubJubKey.from_seed(SEED)
    signature = key.sign(MESSAGE)
    assert not verify_eddsa_poseidon(key.public_key, MESSAGE + SCALAR_FIELD_ORDER, signature)
    with pytest.raises(ZKError):
        key.sign(SCALAR_FIELD_ORDER)
    with pytest.raises(ZKError):
        key.sign(-1)


def test_public_key_json_round_trip_and_validation() -> None:
    public = BabyJubJubKey.from_seed(SEED).public_key
    assert public.to_json() == {"x": str(PUBLIC[0]), "y": str(PUBLIC[1])}
    assert BabyJubJubPublicKey.from_json(public.to_json()) == public
    off_curve = {"x": str(PUBLIC[0]), "y": str(PUBLIC[1] + 1)}
    eight = _order_8_point()
    bad: list[Any] = [
        off_curve,
        {"x": "0", "y": "1"},  # the identity
        {"x": str(ORDER_2[0]), "y": str(ORDER_2[1])},  # order 2
        {"x": str(eight[0]), "y": str(eight[1])},  # order 8
        # A subgroup point plus a torsion point: on the curve, outside the subgroup.
        dict(zip("xy", map(str, bjj.add(PUBLIC, eight)), strict=True)),
        {"x": str(PUBLIC[0] + SCALAR_FIELD_ORDER), "y": str(PUBLIC[1])},  # not reduced
        {"x": PUBLIC[0], "y": PUBLIC[1]},  # numbers, not strings
        {"x": "0" + str(PUBLIC[0]), "y": str(PUBLIC[1])},  # leading zero
        {"x": str(PUBLIC[0])},
        {**public.to_json(), "z": "1"},
        [str(PUBLIC[0]), str(PUBLIC[1])],
        None,
    ]
    for data in bad:
        with pytest.raises(InvalidPublicKey):
            BabyJubJubPublicKey.from_json(data)
    with pytest.raises(InvalidPublicKey):
        BabyJubJubPublicKey(*bjj.add(PUBLIC, ORDER_2))


def test_signature_json_round_trip_and_validation() -> None:
    assert EdDSASignature.from_json(SIGNATURE.to_json()) == SIGNATURE
    good = SIGNATURE.to_json()
    bad: list[Any] = [
        {**good, "S": str(SIGNATURE.s + bjj.SUBGROUP_ORDER)},
        {**good, "S": str(bjj.SUBGROUP_ORDER)},
        {**good, "R8y": str(SIGNATURE.r8y + 1)},  # off the curve
        {**good, "R8x": str(SIGNATURE.r8x + SCALAR_FIELD_ORDER)},
        {**good, "S": -1},
        {**good, "S": "-1"},
        {**good, "S": "1e5"},
        {"R8x": good["R8x"], "R8y": good["R8y"]},
        {**good, "extra": "1"},
        "signature",
    ]
    for data in bad:
        with pytest.raises(MalformedSignature):
            EdDSASignature.from_json(data)


def test_bad_seeds_and_scalars_are_refused() -> None:
    for seed in (b"", bytes(31), bytes(33), "00" * 32):
        with pytest.raises(ZKError):
            BabyJubJubKey.from_seed(seed)  # type: ignore[arg-type]
    for scalar in (0, bjj.SUBGROUP_ORDER, -5):
        with pytest.raises(ZKError):
            BabyJubJubKey(scalar)
