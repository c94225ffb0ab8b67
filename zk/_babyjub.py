"""BabyJubJub: the twisted Edwards curve over the BN254 scalar field that circomlib uses.

``a·x² + y² = 1 + d·x²·y²`` with a = 168700, d = 168696, over F_r (r = BN254's scalar-field
order, so points are cheap to handle inside a Groth16 circuit). The group has order 8·l with
l prime; ``BASE8`` generates the order-l subgroup, as in circomlib (``babyjub.circom``,
``eddsaposeidon.circom``) and circomlibjs (``babyjub.js``), whose constants these are.

Because a is a square and d is not in F_r, the addition law below is complete: it has no
exceptional cases, so doubling and adding the identity need no special code. Points are affine
pairs of ints; the identity is (0, 1). This module handles public data and the issuer's key;
it is plain Python integers, not constant-time (the README's "not audited" applies).
"""

from __future__ import annotations

from zk._field import SCALAR_FIELD_ORDER

__all__ = [
    "BASE8",
    "IDENTITY",
    "SUBGROUP_ORDER",
    "A",
    "D",
    "P",
    "Point",
    "add",
    "in_subgroup",
    "is_on_curve",
    "is_valid_public_point",
    "mul",
]

Point = tuple[int, int]

P = SCALAR_FIELD_ORDER
A = 168700
D = 168696
# l: the prime order of the subgroup BASE8 generates; the whole group has order 8·l.
SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041
BASE8: Point = (
    5299619240641551281634865583518297030282874472190772894086521144482721001553,
    16950150798460657717958625567821834550301663161624707787222815936182638968203,
)
IDENTITY: Point = (0, 1)


def is_on_curve(point: Point) -> bool:
    x, y = point
    if not (0 <= x < P and 0 <= y < P):
        return False
    x2, y2 = x * x % P, y * y % P
    return (A * x2 + y2 - 1 - D * x2 * y2) % P == 0


def add(p1: Point, p2: Point) -> Point:
    """The complete twisted Edwards addition law (also doubles)."""
    x1, y1 = p1
    x2, y2 = p2
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, -1, P) % P
    y3 = (y1 * y2 - A * x1 * x2) * pow(1 - t, -1, P) % P
    return x3, y3


def mul(point: Point, scalar: int) -> Point:
    """``scalar · point`` by double-and-add (scalar >= 0)."""
    if scalar < 0:
        raise ValueError("the scalar must be non-negative")
    result = IDENTITY
    addend = point
    while scalar:
        if scalar & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        scalar >>= 1
    return result


def in_subgroup(point: Point) -> bool:
    """``point`` lies in the prime-order subgroup (l · point is the identity)."""
    return mul(point, SUBGROUP_ORDER) == IDENTITY


def is_valid_public_point(point: Point) -> bool:
    """What a public key must be: on the curve, in the order-l subgroup, not the identity."""
    return is_on_curve(point) and point != IDENTITY and in_subgroup(point)
