"""Solidity calldata for ``FaceMatchVerifier.verifyProof``, computed in Python.

The text is what ``snarkjs zkey export soliditycalldata public.json proof.json`` prints (the
tests compare the two): 0x-prefixed, 64-hex-digit words, with each G2 coordinate's two
components swapped, because the EVM's pairing precompile takes F_q2 elements as (c1, c0)
while snarkjs stores them as (c0, c1).
"""

from __future__ import annotations

from zk.proof import FaceMatchProof

__all__ = ["solidity_call_arguments", "solidity_calldata"]

Words2 = tuple[int, int]


def solidity_call_arguments(proof: FaceMatchProof) -> tuple[Words2, tuple[Words2, Words2], Words2, tuple[int, ...]]:
    """``(_pA, _pB, _pC, _pubSignals)`` as integers, in the contract's order."""
    p = proof.proof
    return (
        (p.a.x, p.a.y),
        ((p.b.x[1], p.b.x[0]), (p.b.y[1], p.b.y[0])),
        (p.c.x, p.c.y),
        tuple(proof.public_signals),
    )


def _word(value: int) -> str:
    return f'"0x{value:064x}"'


def solidity_calldata(proof: FaceMatchProof) -> str:
    """The calldata text exactly as snarkjs formats it."""
    a, b, c, signals = solidity_call_arguments(proof)
    return (
        f"[{_word(a[0])}, {_word(a[1])}],"
        f"[[{_word(b[0][0])}, {_word(b[0][1])}],[{_word(b[1][0])}, {_word(b[1][1])}]],"
        f"[{_word(c[0])}, {_word(c[1])}],"
        f"[{','.join(_word(s) for s in signals)}]"
    )
