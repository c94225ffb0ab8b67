"""The committed artifacts are what the build script and the committed ceremony say they are.

* ``snarkjs zkey verify`` accepts the committed key for the committed r1cs and phase-1 file:
  the key came out of a valid ceremony for exactly this circuit;
* the committed verification key and contract are the ones that key exports;
* the build script, run end to end (deterministic ``insecure_seed`` mode, one contribution per
  phase), compiles the circuit byte for byte into the committed r1cs and wasm, and produces a
  working key of its own, which the committed key does not accept proofs for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.zk.conftest import ARTIFACTS, NONCE, SCORE, THRESHOLD, snarkjs
from zk import (
    Artifacts,
    FaceMatchProver,
    NodeWorker,
    NodeWorkerConfig,
    VerificationKey,
    load_verification_key,
    verify_face_match_proof,
)
from zk.build import PHASE1_FILE, BuildOptions, build, r1cs_header


def test_the_committed_files_match_the_ceremony_record() -> None:
    ARTIFACTS.check()
    record = ARTIFACTS.ceremony_record()
    assert record["insecure_seed"] is False
    assert len(record["phase1"]["contributions"]) >= 3 and len(record["phase2"]["contributions"]) >= 3
    assert r1cs_header(ARTIFACTS.r1cs) == record["r1cs"]
    assert record["r1cs"]["public_inputs"] == 3 and record["r1cs"]["outputs"] == 0


@pytest.mark.zk_build
def test_snarkjs_verifies_the_committed_ceremony(tmp_path: Path) -> None:
    d = ARTIFACTS.directory
    result = snarkjs("zkey", "verify", str(ARTIFACTS.r1cs), str(d / PHASE1_FILE), str(ARTIFACTS.zkey))
    assert result.returncode == 0 and "ZKey Ok!" in result.stdout, result.stdout[-2000:]
    exported = snarkjs("zkey", "export", "verificationkey", str(ARTIFACTS.zkey), "vk.json", cwd=tmp_path)
    assert exported.returncode == 0
    assert json.loads((tmp_path / "vk.json").read_text()) == json.loads(ARTIFACTS.verification_key.read_text())
    contract = snarkjs("zkey", "export", "solidityverifier", str(ARTIFACTS.zkey), "v.sol", cwd=tmp_path)
    assert contract.returncode == 0
    expected = (tmp_path / "v.sol").read_text().replace("contract Groth16Verifier", "contract FaceMatchVerifier")
    assert ARTIFACTS.verifier_sol.read_text() == expected


@pytest.mark.zk_build
def test_the_build_script_reproduces_the_circuit_and_makes_a_working_key(tmp_path: Path) -> None:
    options = BuildOptions(out_dir=tmp_path, phase1_contributions=1, phase2_contributions=1, insecure_seed="test")
    record = build(options, log=lambda line: None)
    for name in ("facematch.r1cs", "facematch.wasm"):
        assert (tmp_path / name).read_bytes() == (ARTIFACTS.directory / name).read_bytes(), name
    assert record["insecure_seed"] is True
    assert record["circuit_sha256"] == ARTIFACTS.ceremony_record()["circuit_sha256"]

    own = Artifacts.at(tmp_path)
    own.check()
    own_key = VerificationKey.from_file(own.verification_key)
    assert own_key != load_verification_key()
    assert own_key.fingerprint != load_verification_key().fingerprint
    worker = NodeWorker(NodeWorkerConfig(own))
    try:
        worker.start()
        proof = FaceMatchProver(worker, own_key).prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE).proof
    finally:
        worker.close()
    policy = {"expected_threshold": THRESHOLD, "expected_nonce": NONCE}
    assert verify_face_match_proof(proof, own_key, **policy).verified
    assert verify_face_match_proof(proof, load_verification_key(), **policy).reasons == ("pairing_check_failed",)
