"""Verification of a face-match proof: the statement against the policy, then the pairing.

A proof that verifies only says "someone knew a score >= *some* threshold, committed as *some*
commitment, for *some* nonce". What makes it useful is checking that the statement is the one
the verifier asked for, so every verifier here checks, in order:

1. shape: three public signals, each below the scalar-field order r;
2. the stated ``threshold``, ``commitment`` and ``nonce`` equal the public signals;
3. policy: the threshold and nonce equal the verifier's expected values, and the commitment
   equals the expected one when the verifier has one (e.g. recorded in a credential);
4. the proof's points are valid (on the curve, G2 in its subgroup);
5. the Groth16 pairing equation, against the given verification key.

A failure at any step is a verdict, returned as :class:`VerificationResult` with
``verified=False`` and stable reason codes; later steps are skipped once one fails, so junk
never reaches the (slow) pairing. Steps 1-3 are shared with the worker-backed verifier
(:mod:`zk.prover`), which replaces 4-5 by snarkjs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zk import _curve
from zk._field import SCALAR_FIELD_ORDER
from zk.keys import VerificationKey
from zk.proof import PUBLIC_SIGNALS, FaceMatchProof, Groth16Proof

__all__ = ["REASONS", "VerificationResult", "check_statement", "groth16_check", "verify_face_match_proof"]

# Every reason code a verifier can return, with what it means.
REASONS: dict[str, str] = {
    "public_signals_malformed": f"the proof does not have exactly {len(PUBLIC_SIGNALS)} public signals",
    "public_signal_out_of_range": "a public signal is not below the BN254 scalar-field order",
    "threshold_mismatch": "the stated threshold is not the one in the public signals",
    "commitment_mismatch": "the stated commitment is not the one in the public signals",
    "nonce_mismatch": "the stated nonce is not the one in the public signals",
    "threshold_not_expected": "the proof is for another threshold than the policy's",
    "nonce_not_expected": "the proof is for another nonce (a replay, or another challenge)",
    "commitment_not_expected": "the proof is for another commitment than the one recorded",
    "proof_point_invalid": "a proof point is not on the curve or not in the prime-order subgroup",
    "pairing_check_failed": "the Groth16 pairing equation does not hold: the proof is not valid",
}


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The verdict on a proof (face-match or presentation); ``reasons`` is empty exactly when ``verified``."""

    verified: bool
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, reasons: tuple[str, ...]) -> VerificationResult:
        return cls(verified=not reasons, reasons=reasons)


def check_statement(
    proof: FaceMatchProof,
    *,
    expected_threshold: int,
    expected_nonce: int,
    expected_commitment: int | None = None,
) -> tuple[str, ...]:
    """Steps 1-3 (shape, consistency, policy); the reasons found, empty when all pass."""
    signals = proof.public_signals
    if len(signals) != len(PUBLIC_SIGNALS):
        return ("public_signals_malformed",)
    if any(not 0 <= s < SCALAR_FIELD_ORDER for s in signals):
        return ("public_signal_out_of_range",)
    threshold, commitment, nonce = signals
    reasons = []
    if proof.threshold != threshold:
        reasons.append("threshold_mismatch")
    if proof.commitment != commitment:
        reasons.append("commitment_mismatch")
    if proof.nonce != nonce:
        reasons.append("nonce_mismatch")
    if threshold != expected_threshold:
        reasons.append("threshold_not_expected")
    if nonce != expected_nonce:
        reasons.append("nonce_not_expected")
    if expected_commitment is not None and commitment != expected_commitment:
        reasons.append("commitment_not_expected")
    return tuple(reasons)


def groth16_verify(key: VerificationKey, proof: FaceMatchProof) -> tuple[str, ...]:
    """Steps 4-5 in pure Python (py_ecc): point checks, then one multi-pairing."""
    return groth16_check(key, proof.proof, proof.public_signals)


def groth16_check(key: VerificationKey, p: Groth16Proof, public_signals: Sequence[int]) -> tuple[str, ...]:
    """The Groth16 verification of any circuit's proof in pure Python: shape, points, pairing."""
    if len(public_signals) != key.n_public:
        return ("public_signals_malformed",)
    if not (_curve.g1_is_valid(p.a) and _curve.g2_is_valid(p.b) and _curve.g1_is_valid(p.c)):
        return ("proof_point_invalid",)
    # e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1
    vk_x = _curve.linear_combination(key.ic[0], key.ic[1:], public_signals)
    ok = _curve.pairing_product_is_one(
        [
            (_curve.g2(p.b), _curve.neg_g1(p.a)),
            (_curve.g2(key.gamma), vk_x),
            (_curve.g2(key.delta), _curve.g1(p.c)),
        ],
        fixed=[_curve.fixed_pairing(key.beta, key.alpha)],
    )
    return () if ok else ("pairing_check_failed",)


def verify_with(
    pairing_check: Callable[[FaceMatchProof], tuple[str, ...]],
    proof: FaceMatchProof,
    *,
    expected_threshold: int,
    expected_nonce: int,
    expected_commitment: int | None = None,
) -> VerificationResult:
    """The five steps with a pluggable step 4-5 (pure Python here, snarkjs in the worker)."""
    reasons = check_statement(
        proof,
        expected_threshold=expected_threshold,
        expected_nonce=expected_nonce,
        expected_commitment=expected_commitment,
    )
    if reasons:
        return VerificationResult.of(reasons)
    return VerificationResult.of(pairing_check(proof))


def verify_face_match_proof(
    proof: FaceMatchProof,
    verification_key: VerificationKey,
    *,
    expected_threshold: int,
    expected_nonce: int,
    expected_commitment: int | None = None,
) -> VerificationResult:
    """Verify ``proof`` against ``verification_key`` and the policy, in pure Python.

    ``expected_threshold`` is scaled (confidence x 10000, see :func:`zk.scale_threshold`);
    ``expected_nonce`` is a field element (see :func:`zk.nonce_to_field`). Takes about a second
    on one core (py_ecc is pure Python); the worker-backed verifier is ~50x faster.
    """
    return verify_with(
        lambda p: groth16_verify(verification_key, p),
        proof,
        expected_threshold=expected_threshold,
        expected_nonce=expected_nonce,
        expected_commitment=expected_commitment,
    )
