"""Credentials carrying a real Groth16 face-match proof: the evidence is verified with zk."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from did import Ed25519KeyPair
from issuer import MIN_LIST_BITS, Issuer, IssuerConfig, IssuerStore
from issuer.zk_evidence import FaceMatchEvidenceChecker
from tests.issuer.conftest import HOLDER, PUBLIC_URL, SEED, Clock
from tests.zk.conftest import ARTIFACTS, node
from zk import FaceMatchProver, NodeWorker, NodeWorkerConfig, load_verification_key, nonce_to_field

POLICY = 6000  # confidence 0.6


@pytest.fixture(scope="module")
def prover() -> Iterator[FaceMatchProver]:
    node()
    worker = NodeWorker(NodeWorkerConfig(ARTIFACTS, timeout_s=60))
    worker.start()
    yield FaceMatchProver(worker, load_verification_key())
    worker.close()


@pytest.fixture(scope="module")
def proofs(prover: FaceMatchProver) -> dict[str, dict[str, Any]]:
    nonce = nonce_to_field("session-nonce-1")
    return {
        "good": prover.prove(score=7423, threshold=6000, nonce=nonce).proof.to_json(),
        "weak": prover.prove(score=7423, threshold=1000, nonce=nonce).proof.to_json(),
    }


@pytest.fixture
def issuer(tmp_path: Path, prover: FaceMatchProver) -> Iterator[Issuer]:
    store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'i.db'}", list_size=MIN_LIST_BITS)
    checker = FaceMatchEvidenceChecker(load_verification_key(), min_threshold=POLICY, fast_verify=prover.verify)
    issuer = Issuer(
        Ed25519KeyPair(SEED), store, IssuerConfig(public_url=PUBLIC_URL), evidence_checker=checker, clock=Clock()
    )
    issuer.start()
    yield issuer
    issuer.close()


def _credential(issuer: Issuer, proof: dict[str, Any]) -> dict[str, Any]:
    unsigned = issuer.liveness_credential(
        holder_did=HOLDER, device_type="mobile", checks=["antispoof", "face_match"], face_match_proof=proof
    )
    return issuer.issue(unsigned)


def test_a_real_proof_in_the_evidence_verifies(issuer: Issuer, proofs: dict[str, dict[str, Any]]) -> None:
    vc = _credential(issuer, proofs["good"])
    evidence = vc["evidence"][1]
    assert evidence["type"] == ["Groth16FaceMatchProof"] and evidence["threshold"] == 6000
    result = issuer.verify(vc)
    assert result.verified, result.errors
    assert "evidence" in result.checks and result.warnings == []


def test_pure_python_verifier_agrees(proofs: dict[str, dict[str, Any]], issuer: Issuer) -> None:
    evidence = _credential(issuer, proofs["good"])["evidence"][1]
    slow = FaceMatchEvidenceChecker(load_verification_key(), min_threshold=POLICY)
    assert slow(evidence)[0]
    forged = copy.deepcopy(evidence)
    forged["publicSignals"][2] = str(nonce_to_field("another-session"))
    forged["nonce"] = forged["publicSignals"][2]
    ok, message = slow(forged)
    assert not ok and "does not verify" in message


def test_tampered_or_weak_evidence_fails(issuer: Issuer, proofs: dict[str, dict[str, Any]]) -> None:
    # Signed over a tampered Groth16 proof: the signature holds, the evidence does not.
    bad = copy.deepcopy(proofs["good"])
    bad["proof"]["pi_a"][0] = bad["proof"]["pi_c"][0]
    result = issuer.verify(_credential(issuer, bad))
    assert not result.verified
    assert len(result.errors) == 1 and result.errors[0].startswith("evidence: Groth16 proof does not verify")
    # Tampered after signing: the proof fails, and the Groth16 proof is not worth checking.
    tampered = copy.deepcopy(_credential(issuer, proofs["good"]))
    tampered["evidence"][1]["groth16Proof"]["pi_a"][0] = tampered["evidence"][1]["groth16Proof"]["pi_c"][0]
    result = issuer.verify(tampered)
    assert result.errors == ["proof: the signature does not verify"]
    assert "evidence: not checked: the proof does not hold" in result.warnings
    # A valid proof of a threshold below the verifier's policy proves too little.
    weak = issuer.verify(_credential(issuer, proofs["weak"]))
    assert weak.errors == ["evidence: proof threshold 1000 is below the policy minimum 6000"]
