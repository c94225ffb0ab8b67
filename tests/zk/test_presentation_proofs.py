"""Presentation proofs made by the Node worker on the committed presentation circuit, checked by
three verifiers (py_ecc, the worker's snarkjs, the snarkjs CLI), and the attacks that must fail.

Soundness attacks go past the Python checks straight to the worker with hand-edited inputs: the
circuit itself must have no witness (``WitnessRejected``). Verifier-side attacks take a valid
proof and present it to a verifier that asked something else, or tamper its public signals
while setting the request to match, so only the proof itself can catch it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from livecred.cli import app
from tests.zk.conftest import NODE_MODULES, node, snarkjs
from tests.zk.presentation_fixtures import (
    CLAIM,
    HOLDER_SECRET,
    ISSUER,
    OTHER_ISSUER,
    REQUEST,
    SALT,
    SCORE,
    SIGNED,
    TIMESTAMP,
    VALID_UNTIL,
)
from zk import (
    SCALAR_FIELD_ORDER,
    Artifacts,
    NodeWorker,
    NodeWorkerConfig,
    PresentationProof,
    PresentationProver,
    PresentationRequest,
    ProverError,
    SignedClaim,
    VerificationKey,
    VerificationResult,
    WitnessRejected,
    load_presentation_key,
    poseidon,
    presentation_inputs,
    verify_presentation_proof,
)
from zk.presentation_prover import PRESENTATION_CIRCUIT

PRESENTATION = Artifacts.packaged("presentation")
TRUSTED = [ISSUER.public_key]


@pytest.fixture(scope="module")
def presentation_key() -> VerificationKey:
    return load_presentation_key()


@pytest.fixture(scope="module")
def worker() -> Iterator[NodeWorker]:
    node()
    backend = NodeWorker(
        NodeWorkerConfig(Artifacts.packaged(), node_modules=NODE_MODULES, timeout_s=120, circuits=(PRESENTATION,))
    )
    backend.start()
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def prover(worker: NodeWorker, presentation_key: VerificationKey) -> PresentationProver:
    return PresentationProver(worker, presentation_key)


@pytest.fixture(scope="module")
def proof(prover: PresentationProver) -> PresentationProof:
    return prover.prove(SIGNED, score=SCORE, salt=SALT, holder_secret=HOLDER_SECRET, request=REQUEST).proof


def _snarkjs_verifies(proof: PresentationProof, tmp: Path) -> bool:
    (tmp / "proof.json").write_text(json.dumps(proof.proof.to_snarkjs()))
    (tmp / "public.json").write_text(json.dumps([str(s) for s in proof.public_signals]))
    result = snarkjs("groth16", "verify", str(PRESENTATION.verification_key), "public.json", "proof.json", cwd=tmp)
    return result.returncode == 0 and "OK!" in result.stdout


def _both(
    prover: PresentationProver,
    key: VerificationKey,
    proof: PresentationProof,
    request: PresentationRequest = REQUEST,
    trusted: list[Any] = TRUSTED,
) -> tuple[VerificationResult, VerificationResult]:
    return verify_presentation_proof(proof, key, request, trusted), prover.verify(proof, request, trusted)


def test_a_presentation_verifies_everywhere_and_reveals_only_the_request(
    proof: PresentationProof, prover: PresentationProver, presentation_key: VerificationKey, tmp_path: Path
) -> None:
    assert _snarkjs_verifies(proof, tmp_path)
    python, snark = _both(prover, presentation_key, proof)
    assert python == snark == VerificationResult(verified=True, reasons=())
    revealed = [0, *ISSUER.public_key.point, *REQUEST.signals().values()]
    assert list(proof.public_signals) == revealed
    numbers = set(re.findall(r"[0-9]+", json.dumps(proof.to_json())))
    for private in (SCORE, SALT, HOLDER_SECRET, CLAIM.credential_id_hash, CLAIM.score_commitment, SIGNED.signature.s):
        assert str(private) not in numbers


def test_the_pseudonym_is_stable_per_scope(prover: PresentationProver, presentation_key: VerificationKey) -> None:
    def present(scope: int, nonce: int) -> PresentationProof:
        request = replace(REQUEST, scope=scope, nonce=nonce)
        made = prover.prove(SIGNED, score=SCORE, salt=SALT, holder_secret=HOLDER_SECRET, request=request).proof
        assert verify_presentation_proof(made, presentation_key, request, TRUSTED).verified
        return made

    first, again, other = present(77, 1), present(77, 2), present(78, 3)
    assert first.pseudonym == again.pseudonym == poseidon([HOLDER_SECRET, 77])
    assert other.pseudonym == poseidon([HOLDER_SECRET, 78]) != first.pseudonym
    assert first.proof != again.proof


def test_the_worker_still_serves_face_match_and_refuses_unknown_circuits(worker: NodeWorker) -> None:
    with pytest.raises(ProverError, match="unknown circuit"):
        worker.prove(presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST), circuit="nope")
    with pytest.raises(ProverError, match="decimal"):
        worker.prove({"score": 5}, circuit=PRESENTATION_CIRCUIT)  # type: ignore[dict-item]


# --- soundness: the circuit has no witness ------------------------------------------------------


def _inputs(**changes: int) -> dict[str, str]:
    inputs = presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST)
    return {**inputs, **{k: str(v % SCALAR_FIELD_ORDER) for k, v in changes.items()}}


@pytest.mark.parametrize(
    "changes",
    [
        {"threshold": SCORE + 1},  # a score below the threshold
        {"threshold": 10_001, "score": 10_001},  # outside [0, 10000]
        {"threshold": -1},  # a "negative" threshold would make every score pass
        {"notBefore": TIMESTAMP + 1},  # a liveness check older than notBefore
        {"notBefore": -5},  # a "negative" notBefore
        {"atTime": VALID_UNTIL + 1},  # an expired credential
        {"atTime": 2**40},  # atTime out of range
        {"requiredChecks": 8},  # a check the take did not pass (3d_turn)
        {"requiredChecks": 256},  # requiredChecks out of range
        {"holderSecret": HOLDER_SECRET + 1},  # another holder's secret
        {"score": SCORE + 1},  # another score than the committed one
        {"checks": 31},  # claim a check the issuer did not sign
        {"validUntil": VALID_UNTIL + 86400},  # extend the validity
        {"issuerAx": OTHER_ISSUER.public_key.x, "issuerAy": OTHER_ISSUER.public_key.y},  # another issuer's key
        {"S": SIGNED.signature.s + 1},  # a forged signature
        {"R8x": OTHER_ISSUER.public_key.x, "R8y": OTHER_ISSUER.public_key.y},  # another R8
    ],
    ids=lambda c: "+".join(c),
)
def test_the_circuit_has_no_witness_for_a_false_statement(worker: NodeWorker, changes: dict[str, int]) -> None:
    with pytest.raises(WitnessRejected):
        worker.prove(_inputs(**changes), circuit=PRESENTATION_CIRCUIT)


@pytest.mark.parametrize(
    "request_changes",
    [
        {"threshold": SCORE + 1},
        {"not_before": TIMESTAMP + 1},
        {"at_time": VALID_UNTIL + 1},
        {"required_checks": 8},
    ],
    ids=["score-below-threshold", "before-not-before", "expired", "check-not-passed"],
)
def test_the_prover_gets_no_proof_for_a_request_the_claim_does_not_meet(
    prover: PresentationProver, request_changes: dict[str, int]
) -> None:
    request = replace(REQUEST, **request_changes)
    with pytest.raises(WitnessRejected):
        prover.prove(SIGNED, score=SCORE, salt=SALT, holder_secret=HOLDER_SECRET, request=request)


def test_the_edges_of_the_request_are_provable(prover: PresentationProver, presentation_key: VerificationKey) -> None:
    request = replace(REQUEST, threshold=SCORE, not_before=TIMESTAMP, at_time=VALID_UNTIL, required_checks=CLAIM.checks)
    made = prover.prove(SIGNED, score=SCORE, salt=SALT, holder_secret=HOLDER_SECRET, request=request).proof
    assert verify_presentation_proof(made, presentation_key, request, TRUSTED).verified


def test_a_claim_signed_by_an_untrusted_key(prover: PresentationProver, presentation_key: VerificationKey) -> None:
    # The attacker signs its own claim (score 10000) with its own key: a valid proof, of nothing
    # a verifier trusting only ISSUER accepts.
    forged_claim = replace(SIGNED.claim, score_commitment=poseidon([10_000, SALT]))
    forged = SignedClaim.sign(forged_claim, OTHER_ISSUER)
    made = prover.prove(forged, score=10_000, salt=SALT, holder_secret=HOLDER_SECRET, request=REQUEST).proof
    python, snark = _both(prover, presentation_key, made)
    assert python.reasons == snark.reasons == ("untrusted_issuer_key",)
    assert verify_presentation_proof(made, presentation_key, REQUEST, [OTHER_ISSUER.public_key]).verified


# --- the verifier: another request, tampered signals ---------------------------------------------


def test_another_issuers_key_is_refused(
    proof: PresentationProof, prover: PresentationProver, presentation_key: VerificationKey
) -> None:
    python, snark = _both(prover, presentation_key, proof, trusted=[OTHER_ISSUER.public_key])
    assert python.reasons == snark.reasons == ("untrusted_issuer_key",)


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("nonce", "nonce_mismatch"),
        ("domain", "domain_mismatch"),
        ("threshold", "threshold_mismatch"),
        ("required_checks", "required_checks_mismatch"),
        ("not_before", "not_before_mismatch"),
        ("at_time", "at_time_mismatch"),
        ("scope", "scope_mismatch"),
    ],
)
def test_a_replayed_proof_for_another_request_is_refused(
    proof: PresentationProof, prover: PresentationProver, presentation_key: VerificationKey, field: str, reason: str
) -> None:
    other = replace(REQUEST, **{field: getattr(REQUEST, field) + 1})
    python, snark = _both(prover, presentation_key, proof, request=other)
    assert python.reasons == snark.reasons == (reason,)


def _tampered(proof: PresentationProof, index: int) -> tuple[PresentationProof, PresentationRequest, list[Any]]:
    """The proof with signal ``index`` changed, and a request and trusted keys that match it."""
    signals = list(proof.public_signals)
    trusted: list[Any] = TRUSTED
    if index in (1, 2):  # the issuer key: both coordinates move to another (trusted) key
        signals[1:3] = OTHER_ISSUER.public_key.point
        trusted = [OTHER_ISSUER.public_key]
    elif index in (3, 4, 5, 6):  # threshold, requiredChecks, notBefore, atTime: stay in range
        signals[index] = signals[index] - 1
    else:
        signals[index] = signals[index] + 1
    names = ("threshold", "required_checks", "not_before", "at_time", "nonce", "domain", "scope")
    request = PresentationRequest(**dict(zip(names, signals[3:], strict=True)))
    return replace(proof, public_signals=tuple(signals)), request, trusted


@pytest.mark.parametrize("index", range(10), ids=lambda i: f"signal-{i}")
def test_each_tampered_public_signal_fails_everywhere(
    proof: PresentationProof, prover: PresentationProver, presentation_key: VerificationKey, tmp_path: Path, index: int
) -> None:
    tampered, request, trusted = _tampered(proof, index)
    assert not _snarkjs_verifies(tampered, tmp_path)
    python, snark = _both(prover, presentation_key, tampered, request=request, trusted=trusted)
    assert python.reasons == snark.reasons == ("proof_invalid",)


def test_a_tampered_proof_fails(
    proof: PresentationProof, prover: PresentationProver, presentation_key: VerificationKey
) -> None:
    tampered = replace(proof, proof=replace(proof.proof, c=proof.proof.a))
    python, snark = _both(prover, presentation_key, tampered)
    assert python.reasons == snark.reasons == ("proof_invalid",)


def test_the_offline_cli_verifies_a_presentation(proof: PresentationProof, tmp_path: Path) -> None:
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(proof.to_json()))
    issuer = f"{ISSUER.public_key.x}:{ISSUER.public_key.y}"
    args = [
        "zk",
        "verify-presentation",
        str(path),
        "--min-confidence",
        "0.6",
        "--required-checks",
        "antispoof,challenges",
        "--not-before",
        str(REQUEST.not_before),
        "--at-time",
        str(REQUEST.at_time),
        "--nonce",
        "verifier-nonce-7f3a",
        "--domain",
        "https://verifier.example",
    ]
    result = CliRunner().invoke(app, [*args, "--trusted-key", issuer])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    other = f"{OTHER_ISSUER.public_key.x}:{OTHER_ISSUER.public_key.y}"
    refused = CliRunner().invoke(app, [*args, "--trusted-key", other])
    assert refused.exit_code == 1 and "untrusted_issuer_key" in refused.output
    replayed = CliRunner().invoke(app, [*args[:-4], "--nonce", "another", *args[-2:], "--trusted-key", issuer])
    assert replayed.exit_code == 1 and "nonce_mismatch" in replayed.output
    bad_key = CliRunner().invoke(app, [*args, "--trusted-key", "1:2"])
    assert bad_key.exit_code == 2
