"""POST /face-match-proof and the published zk artifacts, through the HTTP client on real images.

One matching request is made per module and its response reused; the tests that need other
set-ups (no node_modules, a remote worker) build their own app.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from livecred import Settings, create_app
from livecred.cli import app as cli
from tests.conftest import MODELS_DIR, read_b64
from zk import (
    Artifacts,
    FaceMatchProof,
    VerificationKey,
    load_verification_key,
    nonce_to_field,
    solidity_calldata,
    verify_face_match_proof,
)
from zk._worker import DEFAULT_NODE_MODULES, WORKER_SCRIPT

SAME = ("deepface_identities/img16.jpg", "deepface_identities/img17.jpg")  # person_04
OTHER = ("deepface_identities/img16.jpg", "deepface_identities/img12.jpg")
NONCE = "wallet-session-7f3a"


def _body(pair: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"idImage": read_b64(pair[0]), "selfieImage": read_b64(pair[1]), **extra}


def _proof_of(body: dict[str, Any]) -> FaceMatchProof:
    return FaceMatchProof.from_json({**body, "threshold": body["proofThreshold"]})


@pytest.fixture(scope="module")
def matched(client: TestClient) -> dict[str, Any]:
    response = client.post("/face-match-proof", json=_body(SAME, nonce=NONCE, minConfidence=0.6))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_match_comes_with_a_proof_that_verifies(client: TestClient, matched: dict[str, Any]) -> None:
    assert matched["matched"] is True and matched["proofIsMatch"] is True and matched["reasons"] == []
    nonce = nonce_to_field(NONCE)
    assert matched["proofThreshold"] == 6000 and matched["nonce"] == str(nonce)
    assert matched["publicSignals"] == ["6000", matched["commitment"], str(nonce)]
    assert matched["proofGenerationTimeMs"] > 0
    proof = _proof_of(matched)
    assert matched["solidityCalldata"] == solidity_calldata(proof)
    # A third party checks it with only the published key and its own policy.
    key = VerificationKey.from_json(client.get("/zk/verification-key").json())
    assert verify_face_match_proof(proof, key, expected_threshold=6000, expected_nonce=nonce).verified
    assert not verify_face_match_proof(proof, key, expected_threshold=7000, expected_nonce=nonce).verified


def test_the_match_is_the_same_as_face_match(client: TestClient, matched: dict[str, Any]) -> None:
    plain = client.post("/face-match", json=_body(SAME, minConfidence=0.6)).json()
    for field in ("matched", "confidence", "similarity", "min_confidence", "id_bounding_box", "selfie_bounding_box"):
        assert matched[field] == plain[field], field


def test_no_proof_without_a_match(client: TestClient) -> None:
    response = client.post("/face-match-proof", json=_body(OTHER, nonce=NONCE))
    assert response.status_code == 200
    body = response.json()
    assert body["matched"] is False and body["proofIsMatch"] is False
    assert body["reasons"] == ["faces_do_not_match"]
    for field in ("proof", "publicSignals", "solidityCalldata", "commitment", "proofGenerationTimeMs"):
        assert body[field] is None, field
    # The default minConfidence: 0.6667 (FAR 1e-4) on the error-rate scale, x 10000 (was 0.6).
    assert body["proofThreshold"] == 6667 and body["nonce"] == str(nonce_to_field(NONCE))


def test_a_threshold_above_the_score_gets_no_proof(client: TestClient, matched: dict[str, Any]) -> None:
    above = round(matched["confidence"] + 0.001, 4)
    body = client.post("/face-match-proof", json=_body(SAME, nonce=NONCE, minConfidence=above)).json()
    assert body["matched"] is False and body["proof"] is None


def test_without_a_nonce_each_proof_gets_a_fresh_random_one(client: TestClient) -> None:
    nonces = [client.post("/face-match-proof", json=_body(SAME)).json()["nonce"] for _ in range(2)]
    assert nonces[0] != nonces[1]


@pytest.mark.parametrize(
    ("nonce", "code"),
    [
        ("1" * 78, "invalid_nonce"),
        ("0x" + "f" * 64, "invalid_nonce"),
        ("", "invalid_request"),
        ("x" * 257, "invalid_request"),
    ],
)
def test_bad_nonces_are_client_errors(client: TestClient, nonce: str, code: str) -> None:
    response = client.post("/face-match-proof", json=_body(SAME, nonce=nonce))
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_the_status_reports_a_running_local_worker(client: TestClient) -> None:
    response = client.get("/zk/status")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["backend"] == "local" and body["restarts"] == 0
    assert "pid" not in body  # the worker's PID is nobody's business outside this host
    assert body["verificationKey"] == load_verification_key().fingerprint


def test_the_key_contract_and_ceremony_are_published(client: TestClient) -> None:
    artifacts = Artifacts.packaged()
    assert client.get("/zk/verification-key").json() == json.loads(artifacts.verification_key.read_text())
    sol = client.get("/zk/verifier.sol")
    assert sol.status_code == 200 and sol.headers["content-type"].startswith("text/plain")
    assert sol.text == artifacts.verifier_sol.read_text() and "contract FaceMatchVerifier" in sol.text
    ceremony = client.get("/zk/ceremony").json()
    assert ceremony["files"]["facematch_final.zkey"] == artifacts.ceremony_record()["files"]["facematch_final.zkey"]


def test_the_salt_is_never_returned_or_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    salt = 987654321987654321987654321
    monkeypatch.setattr("zk.prover.random_field_element", lambda: salt)
    caplog.set_level(logging.DEBUG)
    response = client.post("/face-match-proof", json=_body(SAME, nonce=NONCE))
    assert response.json()["matched"] is True
    assert str(salt) not in response.text and "salt" not in response.text
    assert not any(str(salt) in record.getMessage() for record in caplog.records)


def test_the_cli_verifies_a_response_offline(matched: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "response.json"
    path.write_text(json.dumps(matched))
    ok = runner.invoke(cli, ["zk", "verify", str(path), "--min-confidence", "0.6", "--nonce", NONCE])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output
    replay = runner.invoke(cli, ["zk", "verify", str(path), "--min-confidence", "0.6", "--nonce", "another"])
    assert replay.exit_code == 1 and "nonce_not_expected" in replay.output
    calldata = runner.invoke(cli, ["zk", "calldata", str(path)])
    assert calldata.exit_code == 0 and calldata.output.strip() == matched["solidityCalldata"]


def test_shutdown_stops_the_worker_process(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path / "state")
    with TestClient(create_app(settings)) as test_client:
        pid = test_client.app.state.zk.prover.backend.pid  # type: ignore[attr-defined]
        os.kill(pid, 0)  # running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_without_node_modules_the_service_starts_and_names_the_fix(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path / "state", zk_node_modules=tmp_path / "none")
    with TestClient(create_app(settings)) as test_client:
        assert test_client.get("/health").status_code == 200
        status = test_client.get("/zk/status")
        assert status.status_code == 503 and "livecred zk install" in status.json()["message"]
        response = test_client.post("/face-match-proof", json=_body(SAME))
        assert response.status_code == 503
        assert response.json()["code"] == "zk_unavailable"
        assert "livecred zk install" in response.json()["message"]
        assert test_client.get("/zk/verification-key").status_code == 200  # verifying needs no Node
        assert test_client.post("/face-match", json=_body(SAME)).status_code == 200


@pytest.fixture
def remote_worker() -> Iterator[str]:
    """A worker in HTTP mode on a free local port, stopped by its PID afterwards."""
    artifacts = Artifacts.packaged()
    node = shutil.which("node")
    assert node is not None
    command = [node, str(WORKER_SCRIPT), "--http", "127.0.0.1:0", "--wasm", str(artifacts.wasm)]
    command += ["--zkey", str(artifacts.zkey), "--node-modules", str(DEFAULT_NODE_MODULES)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        yield f"http://127.0.0.1:{ready['port']}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def test_zk_service_url_sends_proving_to_a_remote_worker(
    remote_worker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZK_SERVICE_URL", remote_worker)
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path / "state")
    assert settings.zk_service_url == remote_worker
    with TestClient(create_app(settings)) as test_client:
        status = test_client.get("/zk/status").json()
        assert status["ready"] is True and status["backend"] == "remote" and remote_worker not in str(status)
        body = test_client.post("/face-match-proof", json=_body(SAME, nonce=NONCE)).json()
    assert body["proofIsMatch"] is True
    key = VerificationKey.from_json(json.loads(Artifacts.packaged().verification_key.read_text()))
    policy = {"expected_threshold": 6667, "expected_nonce": nonce_to_field(NONCE)}  # default 0.6667
    assert verify_face_match_proof(_proof_of(body), key, **policy).verified
