"""Shared zk fixtures: one supervised worker and one proof per session, and the snarkjs CLI.

Proofs are made once and reused: the tests that tamper with them copy the JSON first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zk import (
    Artifacts,
    FaceMatchProof,
    FaceMatchProver,
    NodeWorker,
    NodeWorkerConfig,
    VerificationKey,
    load_verification_key,
    nonce_to_field,
)
from zk._worker import DEFAULT_NODE_MODULES

NODE_MODULES = DEFAULT_NODE_MODULES
SNARKJS_CLI = NODE_MODULES / "snarkjs" / "build" / "cli.cjs"
ARTIFACTS = Artifacts.packaged()

SCORE = 7423
THRESHOLD = 6000
NONCE_TEXT = "verifier-challenge-42"
NONCE = nonce_to_field(NONCE_TEXT)


def node() -> str:
    path = shutil.which("node")
    assert path, "Node.js is required by the zk tests (see README: npm ci --prefix zk)"
    assert SNARKJS_CLI.is_file(), "zk/node_modules missing: run `npm ci --prefix zk`"
    return path


def snarkjs(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node(), str(SNARKJS_CLI), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def snarkjs_verifies(proof: dict[str, Any], public_signals: list[str], tmp: Path) -> bool:
    """``snarkjs groth16 verify`` on the committed key; True when it prints OK and exits 0."""
    (tmp / "proof.json").write_text(json.dumps(proof))
    (tmp / "public.json").write_text(json.dumps(public_signals))
    result = snarkjs("groth16", "verify", str(ARTIFACTS.verification_key), "public.json", "proof.json", cwd=tmp)
    return result.returncode == 0 and "OK!" in result.stdout


@pytest.fixture(scope="session")
def verification_key() -> VerificationKey:
    return load_verification_key()


@pytest.fixture(scope="session")
def worker() -> Iterator[NodeWorker]:
    node()
    backend = NodeWorker(NodeWorkerConfig(ARTIFACTS, timeout_s=60))
    backend.start()
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def prover(worker: NodeWorker, verification_key: VerificationKey) -> FaceMatchProver:
    return FaceMatchProver(worker, verification_key)


@pytest.fixture(scope="session")
def proof(prover: FaceMatchProver) -> FaceMatchProof:
    return prover.prove(score=SCORE, threshold=THRESHOLD, nonce=NONCE).proof
