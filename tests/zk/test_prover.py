"""Soundness at the prover: no proof below the threshold or outside [0, 10000], and the prover
checks that what comes back proves the statement it asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from tests.zk.conftest import NONCE, SCORE, THRESHOLD
from zk import (
    SCALAR_FIELD_ORDER,
    FaceMatchProof,
    FaceMatchProver,
    InvalidStatement,
    NodeWorker,
    ProofMismatch,
    VerificationKey,
    WitnessRejected,
    WorkerProof,
    poseidon,
    random_field_element,
)


def _witness(score: int, threshold: int, *, commitment: int | None = None) -> dict[str, str]:
    salt = random_field_element()
    return {
        "score": str(score),
        "salt": str(salt),
        "threshold": str(threshold),
        "commitment": str(poseidon([score, salt]) if commitment is None else commitment),
        "nonce": str(NONCE),
    }


@pytest.mark.parametrize(
    ("score", "threshold"),
    [(5999, 6000), (0, 1), (10_001, 6000), (10_001, 10_001), (2**14 + 100, 6000), (7000, -1)],
    ids=["just-below", "zero", "score-over-max", "both-over-max", "score-over-14-bits", "negative-threshold"],
)
def test_the_circuit_has_no_witness_outside_the_statement(worker: NodeWorker, score: int, threshold: int) -> None:
    # Straight to the worker, past the Python checks: the circuit itself must refuse.
    witness = _witness(score % SCALAR_FIELD_ORDER, threshold % SCALAR_FIELD_ORDER)
    with pytest.raises(WitnessRejected):
        worker.prove(witness)


def test_the_circuit_checks_the_commitment(worker: NodeWorker) -> None:
    with pytest.raises(WitnessRejected):
        worker.prove(_witness(SCORE, THRESHOLD, commitment=poseidon([SCORE, 1])))
    worker.prove(_witness(10_000, 10_000))  # the edges of the range are provable


def test_the_prover_refuses_before_asking_the_worker(prover: FaceMatchProver) -> None:
    with pytest.raises(InvalidStatement, match="below the threshold"):
        prover.prove(score=5999, threshold=6000, nonce=NONCE)
    with pytest.raises(InvalidStatement):
        prover.prove(score=10_001, threshold=6000, nonce=NONCE)


def test_each_proof_has_a_fresh_salt(prover: FaceMatchProver, proof: FaceMatchProof) -> None:
    again = prover.prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE).proof
    assert again.commitment != proof.commitment
    assert again.public_signals[0::2] == proof.public_signals[0::2]


class _Replaying:
    """A backend that answers every job with one stored proof (a wrong or malicious prover)."""

    def __init__(self, proof: FaceMatchProof) -> None:
        self.proof = proof

    def start(self) -> None: ...

    def status(self) -> dict[str, Any]:
        return {}

    def close(self) -> None: ...

    def prove(self, witness_input: Mapping[str, str]) -> WorkerProof:
        return WorkerProof(self.proof.proof.to_snarkjs(), [str(s) for s in self.proof.public_signals], 1.0)

    def verify(self, vk: Mapping[str, Any], proof: Mapping[str, Any], public_signals: Sequence[str]) -> bool:
        return True


def test_a_proof_of_another_statement_from_the_backend_is_refused(
    proof: FaceMatchProof, verification_key: VerificationKey
) -> None:
    replaying = FaceMatchProver(_Replaying(proof), verification_key)
    with pytest.raises(ProofMismatch):
        replaying.prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE + 1)
