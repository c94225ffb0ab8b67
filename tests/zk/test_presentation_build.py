"""The committed presentation artifacts are what the build script and their ceremony say they are.

* every file matches the sha256 in ``ceremony.json``, which records a real ceremony (no insecure
  seed, >= 3 contributions per phase) for the committed circuit source;
* ``snarkjs zkey verify`` accepts the committed key for the committed r1cs and phase-1 file,
  and the committed verification key and contract are what that key exports;
* the circuit compiles byte for byte into the committed r1cs and wasm;
* the face-match artifacts stay where they were (a second circuit changed nothing of theirs).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.zk.conftest import ARTIFACTS, snarkjs
from zk import CIRCUITS, Artifacts, load_presentation_key
from zk.build import PHASE1_FILE, BuildOptions, compile_circuit, output_files, r1cs_header

PRESENTATION = Artifacts.packaged("presentation")


def test_the_committed_files_match_the_ceremony_record() -> None:
    PRESENTATION.check()
    record = PRESENTATION.ceremony_record()
    for name in output_files(CIRCUITS["presentation"]):
        digest = hashlib.sha256((PRESENTATION.directory / name).read_bytes()).hexdigest()
        assert record["files"][name] == digest, name
    assert record["insecure_seed"] is False
    assert len(record["phase1"]["contributions"]) >= 3 and len(record["phase2"]["contributions"]) >= 3
    assert all(c["hash"] for c in record["phase1"]["contributions"] + record["phase2"]["contributions"])
    assert record["circuit"] == "circuits/presentation.circom"
    source = hashlib.sha256(CIRCUITS["presentation"].source.read_bytes()).hexdigest()
    assert record["circuit_sha256"] == source
    header = r1cs_header(PRESENTATION.r1cs)
    assert header == record["r1cs"]
    assert (header["outputs"], header["public_inputs"], header["private_inputs"]) == (1, 9, 10)
    assert load_presentation_key().n_public == 10


def test_the_face_match_artifacts_are_untouched() -> None:
    ARTIFACTS.check()
    assert ARTIFACTS.ceremony_record()["circuit"] == "circuits/facematch.circom"
    assert not (ARTIFACTS.directory / "presentation.wasm").exists()


@pytest.mark.zk_build
def test_snarkjs_verifies_the_committed_ceremony(tmp_path: Path) -> None:
    d = PRESENTATION.directory
    result = snarkjs("zkey", "verify", str(PRESENTATION.r1cs), str(d / PHASE1_FILE), str(PRESENTATION.zkey))
    assert result.returncode == 0 and "ZKey Ok!" in result.stdout, result.stdout[-2000:]
    exported = snarkjs("zkey", "export", "verificationkey", str(PRESENTATION.zkey), "vk.json", cwd=tmp_path)
    assert exported.returncode == 0
    assert json.loads((tmp_path / "vk.json").read_text()) == json.loads(PRESENTATION.verification_key.read_text())
    contract = snarkjs("zkey", "export", "solidityverifier", str(PRESENTATION.zkey), "v.sol", cwd=tmp_path)
    assert contract.returncode == 0
    expected = (tmp_path / "v.sol").read_text().replace("contract Groth16Verifier", "contract PresentationVerifier")
    assert PRESENTATION.verifier_sol.read_text() == expected


@pytest.mark.zk_build
def test_the_circuit_compiles_byte_for_byte_into_the_committed_files(tmp_path: Path) -> None:
    compile_circuit(BuildOptions(circuit="presentation", out_dir=tmp_path), log=lambda line: None)
    for name in ("presentation.r1cs", "presentation.wasm"):
        assert (tmp_path / name).read_bytes() == (PRESENTATION.directory / name).read_bytes(), name
