"""BN254 arithmetic for the pure-Python verifier, on py_ecc's ``optimized_bn128``.

Points arrive as typed affine coordinates (:mod:`zk.proof`) and are checked here before any
pairing: on the curve, not at infinity (an affine point never is), and for G2 in the order-r
subgroup (G1 has cofactor 1, so on-curve is enough there). py_ecc is pure Python and not
constant-time; it only ever handles public data (proofs and keys), never the score or salt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeAlias

# Importing py_ecc raises the interpreter's recursion limit to 100,000 for the whole process.
# That disables the guard in C code such as the json decoder: a deeply nested request body then
# overflows the C stack and kills the server (SIGSEGV) instead of raising RecursionError. The
# verifier's own recursion is shallow (log2 of a 254-bit scalar), so the limit is put back.
_recursion_limit = sys.getrecursionlimit()
try:
    from py_ecc.fields import optimized_bn128_FQ as FQ
    from py_ecc.fields import optimized_bn128_FQ2 as FQ2
    from py_ecc.fields import optimized_bn128_FQ12 as FQ12
    from py_ecc.optimized_bn128 import optimized_curve as bn
    from py_ecc.optimized_bn128 import optimized_pairing as pairings
finally:
    sys.setrecursionlimit(_recursion_limit)

from zk.proof import G1Point, G2Point  # noqa: E402 - after the guarded import above

PointG1: TypeAlias = tuple[FQ, FQ, FQ]
PointG2: TypeAlias = tuple[FQ2, FQ2, FQ2]


def g1(point: G1Point) -> PointG1:
    return (FQ(point.x), FQ(point.y), FQ.one())


def g2(point: G2Point) -> PointG2:
    return (FQ2([point.x[0], point.x[1]]), FQ2([point.y[0], point.y[1]]), FQ2.one())


def g1_is_valid(point: G1Point) -> bool:
    return bool(bn.is_on_curve(g1(point), bn.b))


def g2_is_valid(point: G2Point) -> bool:
    q = g2(point)
    return bool(bn.is_on_curve(q, bn.b2)) and bool(bn.is_inf(bn.multiply(q, bn.curve_order)))


def linear_combination(base: G1Point, points: Sequence[G1Point], scalars: Sequence[int]) -> PointG1:
    """base + sum(scalar_i * point_i), the public-input term of Groth16 verification."""
    acc = g1(base)
    for point, scalar in zip(points, scalars, strict=True):
        acc = bn.add(acc, bn.multiply(g1(point), scalar))
    return acc


def neg_g1(point: G1Point) -> PointG1:
    return bn.neg(g1(point))


@lru_cache(maxsize=8)
def _miller(q: G2Point, p: G1Point) -> FQ12:
    # Only used for the key's fixed pair e(alpha, beta), so it is computed once per key.
    return pairings.pairing(g2(q), g1(p), final_exponentiate=False)


def fixed_pairing(q: G2Point, p: G1Point) -> FQ12:
    return _miller(q, p)


def pairing_product_is_one(pairs: Sequence[tuple[PointG2, PointG1]], fixed: Sequence[FQ12] = ()) -> bool:
    """prod e(Q_i, P_i) * prod(fixed) == 1, with one final exponentiation for all of them."""
    f = FQ12.one()
    for value in fixed:
        f = f * value
    for q, p in pairs:
        f = f * pairings.pairing(q, p, final_exponentiate=False)
    return bool(pairings.final_exponentiate(f) == FQ12.one())
