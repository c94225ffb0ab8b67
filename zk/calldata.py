"""Solidity calldata for snarkjs-exported Groth16 verifiers, computed in Python.

The text is what ``snarkjs zkey export soliditycalldata public.json proof.json`` prints (the
tests compare the two): 0x-prefixed, 64-hex-digit words, with each G2 coordinate's two
components swapped, because the EVM's pairing precompile takes F_q2 elements as (c1, c0)
while snarkjs stores them as (c0, c1). The same arguments go to
``FaceMatchVerifier.verifyProof`` and to the presentation verifier and ``LivenessGate``
(``check``, ``evaluate``, ``present``), which take ``(pA, pB, pC, pubSignals)`` too.
"""

from __future__ import annotations

from collections.abc import Sequence

from zk.proof import FaceMatchProof, Groth16Proof

__all__ = ["groth16_call_arguments", "groth16_calldata", "solidity_call_arguments", "solidity_calldata"]

Words2 = tuple[int, int]
CallArguments = tuple[Words2, tuple[Words2, Words2], Words2, tuple[int, ...]]


def groth16_call_arguments(proof: Groth16Proof, public_signals: Sequence[int]) -> CallArguments:
    """``(pA, pB, pC, pubSignals)`` as integers, in the contract's order, for any circuit."""
    return (
        (proof.a.x, proof.a.y),
        ((proof.b.x[1], proof.b.x[0]), (proof.b.y[1], proof.b.y[0])),
        (proof.c.x, proof.c.y),
        tuple(public_signals),
    )


def solidity_call_arguments(proof: FaceMatchProof) -> CallArguments:
    """``(_pA, _pB, _pC, _pubSignals)`` of a face-match proof."""
    return groth16_call_arguments(proof.proof, proof.public_signals)


def _word(value: int) -> str:
    return f'"0x{value:064x}"'


def groth16_calldata(proof: Groth16Proof, public_signals: Sequence[int]) -> str:
    """The calldata text exactly as snarkjs formats it, for any circuit."""
    a, b, c, signals = groth16_call_arguments(proof, public_signals)
    return (
        f"[{_word(a[0])}, {_word(a[1])}],"
        f"[[{_word(b[0][0])}, {_word(b[0][1])}],[{_word(b[1][0])}, {_word(b[1][1])}]],"
        f"[{_word(c[0])}, {_word(c[1])}],"
        f"[{','.join(_word(s) for s in signals)}]"
    )


def solidity_calldata(proof: FaceMatchProof) -> str:
    """The calldata text of a face-match proof exactly as snarkjs formats it."""
    return groth16_calldata(proof.proof, proof.public_signals)
