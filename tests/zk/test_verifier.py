"""The three verifiers agree: snarkjs's CLI, the Node worker, and the pure-Python (py_ecc) one.

A valid proof verifies in all three; a tampered public signal or proof fails in all three; and
our two verifiers also refuse a valid proof for another threshold, nonce or commitment (policy).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.optimized_bn128 import optimized_curve as bn

from tests.zk.conftest import NONCE, THRESHOLD, snarkjs_verifies
from zk import (
    SCALAR_FIELD_ORDER,
    FaceMatchProof,
    FaceMatchProver,
    G1Point,
    G2Point,
    InvalidVerificationKey,
    VerificationKey,
    VerificationResult,
    verify_face_match_proof,
)
from zk._field import BASE_FIELD_MODULUS as Q


def _both(
    prover: FaceMatchProver,
    key: VerificationKey,
    proof: FaceMatchProof,
    *,
    threshold: int = THRESHOLD,
    nonce: int = NONCE,
    commitment: int | None = None,
) -> tuple[VerificationResult, VerificationResult]:
    kwargs = {"expected_threshold": threshold, "expected_nonce": nonce, "expected_commitment": commitment}
    return verify_face_match_proof(proof, key, **kwargs), prover.verify(proof, **kwargs)  # type: ignore[arg-type]


def _with_signal(proof: FaceMatchProof, index: int, value: int) -> FaceMatchProof:
    """The proof with one public signal changed, and the stated statement changed to match it."""
    signals = list(proof.public_signals)
    signals[index] = value
    names = ("threshold", "commitment", "nonce")
    return replace(proof, public_signals=tuple(signals), **{names[index]: value})


def test_our_proof_verifies_everywhere(
    proof: FaceMatchProof, prover: FaceMatchProver, verification_key: VerificationKey, tmp_path: Path
) -> None:
    assert snarkjs_verifies(proof.proof.to_snarkjs(), [str(s) for s in proof.public_signals], tmp_path)
    python, worker = _both(prover, verification_key, proof, commitment=proof.commitment)
    assert python == worker == VerificationResult(verified=True, reasons=())


@pytest.mark.parametrize("index", [0, 1, 2], ids=["threshold", "commitment", "nonce"])
def test_a_tampered_public_signal_fails_everywhere(
    proof: FaceMatchProof, prover: FaceMatchProver, verification_key: VerificationKey, tmp_path: Path, index: int
) -> None:
    # Lower the threshold, swap the commitment, or retarget the nonce; the policy is set to the
    # tampered values, so only the proof itself can catch it.
    tampered = _with_signal(proof, index, proof.public_signals[index] - 1)
    assert not snarkjs_verifies(tampered.proof.to_snarkjs(), [str(s) for s in tampered.public_signals], tmp_path)
    python, worker = _both(prover, verification_key, tampered, threshold=tampered.threshold, nonce=tampered.nonce)
    assert python.reasons == worker.reasons == ("pairing_check_failed",)


def test_a_tampered_proof_fails_everywhere(
    proof: FaceMatchProof, prover: FaceMatchProver, verification_key: VerificationKey, tmp_path: Path
) -> None:
    # A valid curve point in the wrong place: pi_c := pi_a.
    tampered = replace(proof, proof=replace(proof.proof, c=proof.proof.a))
    assert not snarkjs_verifies(tampered.proof.to_snarkjs(), [str(s) for s in tampered.public_signals], tmp_path)
    python, worker = _both(prover, verification_key, tampered)
    assert python.reasons == worker.reasons == ("pairing_check_failed",)


def test_a_point_off_the_curve_is_refused_before_the_pairing(
    proof: FaceMatchProof, prover: FaceMatchProver, verification_key: VerificationKey, tmp_path: Path
) -> None:
    a = proof.proof.a
    tampered = replace(proof, proof=replace(proof.proof, a=G1Point(a.x, (a.y + 1) % Q)))
    assert not snarkjs_verifies(tampered.proof.to_snarkjs(), [str(s) for s in tampered.public_signals], tmp_path)
    python, worker = _both(prover, verification_key, tampered)
    assert python.reasons == ("proof_point_invalid",)
    assert not worker.verified


def _fq2_sqrt(a: FQ2) -> FQ2 | None:
    """Square root in F_q2 for q = 3 mod 4 (Adj & Rodriguez-Henriquez, alg. 9), or None."""
    a1 = a ** ((Q - 3) // 4)
    alpha = a1 * a1 * a
    x0 = a1 * a
    # alpha == -1: the root is i * x0; otherwise (1 + alpha)^((q-1)/2) * x0.
    factor = FQ2([0, 1]) if alpha == FQ2([Q - 1, 0]) else (FQ2.one() + alpha) ** ((Q - 1) // 2)
    x = factor * x0
    return x if x * x == a else None


def _twist_point_outside_the_subgroup() -> G2Point:
    for k in range(1, 100):
        x = FQ2([k, 1])
        y = _fq2_sqrt(x**3 + bn.b2)
        if y is None:
            continue
        point = (x, y, FQ2.one())
        assert bn.is_on_curve(point, bn.b2)
        if not bn.is_inf(bn.multiply(point, bn.curve_order)):
            cx, cy = x.coeffs, y.coeffs
            return G2Point((int(cx[0]), int(cx[1])), (int(cy[0]), int(cy[1])))
    raise AssertionError("no point found")


def test_a_g2_point_outside_the_subgroup_is_refused(proof: FaceMatchProof, verification_key: VerificationKey) -> None:
    bad = _twist_point_outside_the_subgroup()
    tampered = replace(proof, proof=replace(proof.proof, b=bad))
    result = verify_face_match_proof(tampered, verification_key, expected_threshold=THRESHOLD, expected_nonce=NONCE)
    assert result.reasons == ("proof_point_invalid",)
    key_json = verification_key.to_json()
    key_json["vk_delta_2"] = bad.to_snarkjs()
    with pytest.raises(InvalidVerificationKey, match="vk_delta_2"):
        VerificationKey.from_json(key_json)


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ({"threshold": THRESHOLD + 1}, "threshold_not_expected"),
        ({"threshold": THRESHOLD - 1000}, "threshold_not_expected"),
        ({"nonce": NONCE + 1}, "nonce_not_expected"),
        ({"commitment": 12345}, "commitment_not_expected"),
    ],
)
def test_a_valid_proof_for_another_statement_is_rejected_by_policy(
    proof: FaceMatchProof,
    prover: FaceMatchProver,
    verification_key: VerificationKey,
    policy: dict[str, int],
    reason: str,
) -> None:
    python, worker = _both(prover, verification_key, proof, **policy)  # type: ignore[arg-type]
    assert python.reasons == worker.reasons == (reason,)


def test_the_stated_statement_must_match_the_public_signals(
    proof: FaceMatchProof, verification_key: VerificationKey
) -> None:
    for field, reason in (("threshold", "threshold_mismatch"), ("commitment", "commitment_mismatch")):
        lying = replace(proof, **{field: getattr(proof, field) + 1})
        result = verify_face_match_proof(lying, verification_key, expected_threshold=THRESHOLD, expected_nonce=NONCE)
        assert result.reasons == (reason,)


def test_public_signals_out_of_range_are_refused(
    proof: FaceMatchProof, prover: FaceMatchProver, verification_key: VerificationKey, tmp_path: Path
) -> None:
    # nonce + r is the same field element: snarkjs and we must refuse the non-canonical form.
    wrapped = _with_signal(proof, 2, proof.nonce + SCALAR_FIELD_ORDER)
    assert not snarkjs_verifies(wrapped.proof.to_snarkjs(), [str(s) for s in wrapped.public_signals], tmp_path)
    python, worker = _both(prover, verification_key, wrapped, nonce=wrapped.nonce)
    assert python.reasons == worker.reasons == ("public_signal_out_of_range",)
    short = replace(proof, public_signals=proof.public_signals[:2])
    python, worker = _both(prover, verification_key, short)
    assert python.reasons == worker.reasons == ("public_signals_malformed",)


def test_the_packaged_key_is_parsed_and_checked(verification_key: VerificationKey) -> None:
    assert verification_key.n_public == 3
    key_json = verification_key.to_json()
    assert VerificationKey.from_json(copy.deepcopy(key_json)) == verification_key
    key_json["IC"] = key_json["IC"][:3]
    with pytest.raises(InvalidVerificationKey, match="3 public inputs"):
        VerificationKey.from_json(key_json)
