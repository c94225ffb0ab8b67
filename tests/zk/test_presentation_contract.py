"""LivenessGate on chain: the exported PresentationVerifier and the gate, compiled with solc-js and
run in py-evm, accept a real presentation (the Node worker's proof of a claim signed by
zk.eddsa) from its holder once, and refuse every attack: an untrusted issuer key, a proof the
circuit cannot even make (a lower score, another issuer's key, another holder's secret, a
claim older than notBefore), a claim older than the gate allows, a threshold below the
minimum, missing checks, stale or future times, a replayed nonce, another msg.sender, and
tampered public signals at every index.

Each test deploys on a fresh chain at the same addresses, so the proofs (made once for
``nonceOf(HOLDER)``) are valid on each; ``block.timestamp`` is set by the test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.zk.conftest import NODE_MODULES, node, snarkjs
from tests.zk.evm import Account, EVMChain
from tests.zk.gate import (
    INVALID_POLICY,
    NONCE_ALREADY_USED,
    REJECTIONS,
    WRONG_NONCE,
    Gate,
    GatePolicy,
    declared_rejections,
    expected_nonce,
    proof_arguments,
    rejection_of,
)
from tests.zk.presentation_fixtures import (
    CLAIM,
    HOLDER_SECRET,
    ISSUER,
    OTHER_ISSUER,
    SALT,
    SCORE,
    SIGNED,
    TIMESTAMP,
)
from zk import (
    SCALAR_FIELD_ORDER,
    Artifacts,
    NodeWorker,
    NodeWorkerConfig,
    PresentationProof,
    PresentationProver,
    PresentationRequest,
    SignedClaim,
    WitnessRejected,
    checks_mask,
    groth16_calldata,
    load_presentation_key,
    presentation_inputs,
    verify_presentation_proof,
)
from zk.presentation import domain_hash, pseudonym
from zk.presentation_prover import PRESENTATION_CIRCUIT

DAY = 86400
NOW = TIMESTAMP + 10 * DAY  # block.timestamp: the live check was ten days ago
DOMAIN = domain_hash("https://dapp.example")
SCOPE = int.from_bytes(hashlib.sha256(b"dapp.example one person, one vote").digest(), "big") >> 3
REQUIRED = checks_mask(["antispoof", "challenges"])
POLICY = GatePolicy(
    issuer_ax=ISSUER.public_key.x,
    issuer_ay=ISSUER.public_key.y,
    min_threshold=6000,
    required_checks=REQUIRED,
    max_claim_age=30 * DAY,
    max_proof_age=600,
    domain=DOMAIN,
    scope=SCOPE,
)
DEPLOYER, HOLDER, THIEF = Account(0xD0), Account(0xA1), Account(0xB2)


def fresh_gate(policy: GatePolicy = POLICY, timestamp: int = NOW) -> Gate:
    chain = EVMChain([DEPLOYER, HOLDER, THIEF])
    chain.timestamp = timestamp
    return Gate(chain, DEPLOYER, policy)


@pytest.fixture(scope="module")
def holder_nonce() -> int:
    """nonceOf(HOLDER) on a fresh gate: the same on every fresh chain of this module."""
    return fresh_gate().nonce_of(HOLDER)


@pytest.fixture(scope="module")
def request_for(holder_nonce: int) -> PresentationRequest:
    # What a dapp asks: the gate's policy, now, the holder's nonce; notBefore as old as allowed
    # (not the claim's own timestamp, which would reveal it).
    return PresentationRequest(
        threshold=POLICY.min_threshold,
        required_checks=REQUIRED,
        not_before=NOW - POLICY.max_claim_age,
        at_time=NOW,
        nonce=holder_nonce,
        domain=DOMAIN,
        scope=SCOPE,
    )


@pytest.fixture(scope="module")
def prover() -> Iterator[PresentationProver]:
    node()
    worker = NodeWorker(
        NodeWorkerConfig(
            Artifacts.packaged(),
            node_modules=NODE_MODULES,
            timeout_s=180,
            circuits=(Artifacts.packaged(PRESENTATION_CIRCUIT),),
        )
    )
    worker.start()
    yield PresentationProver(worker, load_presentation_key())
    worker.close()


def prove(prover: PresentationProver, request: PresentationRequest, signed: SignedClaim = SIGNED) -> PresentationProof:
    return prover.prove(signed, score=SCORE, salt=SALT, holder_secret=HOLDER_SECRET, request=request).proof


@pytest.fixture(scope="module")
def good(prover: PresentationProver, request_for: PresentationRequest) -> PresentationProof:
    made = prove(prover, request_for)
    assert verify_presentation_proof(made, load_presentation_key(), request_for, [ISSUER.public_key]).verified
    return made


def test_the_python_rejection_names_match_the_contract() -> None:
    assert declared_rejections() == REJECTIONS


def test_the_nonce_is_the_documented_hash_of_chain_gate_holder_and_counter(holder_nonce: int) -> None:
    gate = fresh_gate()
    assert holder_nonce == expected_nonce(gate.address, HOLDER.address, 0) < SCALAR_FIELD_ORDER
    assert gate.nonce_of(THIEF) == expected_nonce(gate.address, THIEF.address, 0) != holder_nonce


def test_the_calldata_is_what_snarkjs_exports(good: PresentationProof, tmp_path: Path) -> None:
    (tmp_path / "proof.json").write_text(json.dumps(good.proof.to_snarkjs()))
    (tmp_path / "public.json").write_text(json.dumps([str(s) for s in good.public_signals]))
    result = snarkjs("zkey", "export", "soliditycalldata", "public.json", "proof.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert groth16_calldata(good.proof, good.public_signals) == result.stdout.strip()


def test_the_holder_presents_once_and_the_gate_emits_its_pseudonym(good: PresentationProof) -> None:
    gate = fresh_gate()
    arguments = proof_arguments(good)
    assert gate.verifier_accepts(arguments)
    assert gate.evaluate(arguments) == "None" and gate.check(arguments) is True
    nonce = gate.nonce_of(HOLDER)

    result = gate.present(HOLDER, arguments)
    assert result.success, result.output.hex()
    expected_pseudonym = pseudonym(HOLDER_SECRET, SCOPE)
    assert expected_pseudonym != 0
    assert int.from_bytes(result.output, "big") == expected_pseudonym
    (event,) = gate.presented_events(result)
    assert (event.holder, event.pseudonym, event.nonce) == (HOLDER.address, expected_pseudonym, nonce)
    assert (event.threshold, event.at_time) == (POLICY.min_threshold, NOW)
    assert gate.view("nonceUsed(uint256)", nonce) == [1]
    assert gate.view("presentations(address)", HOLDER.address) == [1]
    # The holder's next nonce moved on; the same proof is now a replay.
    assert gate.nonce_of(HOLDER) == expected_nonce(gate.address, HOLDER.address, 1) != nonce
    replay = gate.present(HOLDER, arguments)
    assert not replay.success and replay.error_selector() == NONCE_ALREADY_USED
    assert replay.error_args() == [nonce]
    # `check` is about the proof and the policy only; the nonce is `present`'s business.
    assert gate.check(arguments) is True


def test_the_next_presentation_uses_the_next_nonce_and_shows_the_same_pseudonym(
    prover: PresentationProver, request_for: PresentationRequest, good: PresentationProof
) -> None:
    gate = fresh_gate()
    second = prove(prover, replace(request_for, nonce=expected_nonce(gate.address, HOLDER.address, 1)))
    early = gate.present(HOLDER, proof_arguments(second))  # not yet: the counter is at 0
    assert not early.success and early.error_selector() == WRONG_NONCE
    first = gate.present(HOLDER, proof_arguments(good))
    then = gate.present(HOLDER, proof_arguments(second))
    assert first.success and then.success
    (a,), (b,) = gate.presented_events(first), gate.presented_events(then)
    assert a.pseudonym == b.pseudonym != 0 and a.nonce != b.nonce
    assert gate.view("presentations(address)", HOLDER.address) == [2]


def test_a_proof_taken_from_the_mempool_is_worthless_to_another_sender(good: PresentationProof) -> None:
    gate = fresh_gate()
    arguments = proof_arguments(good)
    stolen = gate.present(THIEF, arguments)
    assert not stolen.success and stolen.error_selector() == WRONG_NONCE
    assert stolen.error_args() == [gate.nonce_of(THIEF), gate.nonce_of(HOLDER)]
    assert gate.presented_events(stolen) == []
    # The front-runner's failure costs the holder nothing.
    assert gate.present(HOLDER, arguments).success


def test_a_claim_signed_by_an_untrusted_key_verifies_but_does_not_pass_the_gate(
    prover: PresentationProver, request_for: PresentationRequest
) -> None:
    forged = SignedClaim.sign(CLAIM, OTHER_ISSUER)
    made = prove(prover, request_for, forged)
    gate = fresh_gate()
    arguments = proof_arguments(made)
    assert gate.verifier_accepts(arguments)  # a sound proof, of the wrong issuer
    assert gate.evaluate(arguments) == "UntrustedIssuer" and gate.check(arguments) is False
    assert rejection_of(gate.present(HOLDER, arguments)) == "UntrustedIssuer"
    # Unused nonce: the holder can still present a good proof.
    assert gate.view("presentations(address)", HOLDER.address) == [0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"threshold": 5000}, "ThresholdTooLow"),
        ({"required_checks": checks_mask(["antispoof"])}, "MissingChecks"),
        ({"not_before": NOW - 31 * DAY}, "ClaimTooOld"),
    ],
    ids=["threshold-below-minimum", "missing-checks", "claim-too-old"],
)
def test_sound_proofs_of_a_weaker_statement_are_refused(
    prover: PresentationProver, request_for: PresentationRequest, change: dict[str, int], reason: str
) -> None:
    made = prove(prover, replace(request_for, **change))
    gate = fresh_gate()
    arguments = proof_arguments(made)
    assert gate.verifier_accepts(arguments)
    assert gate.evaluate(arguments) == reason
    assert rejection_of(gate.present(HOLDER, arguments)) == reason


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        (NOW - 301, "AtTimeInFuture"),  # atTime more than CLOCK_SKEW ahead of the block
        (NOW - 300, "None"),
        (NOW + 600, "None"),
        (NOW + 601, "AtTimeTooOld"),  # older than maxProofAge
    ],
)
def test_the_proof_is_accepted_only_around_its_at_time(good: PresentationProof, timestamp: int, reason: str) -> None:
    gate = fresh_gate(timestamp=timestamp)
    assert gate.evaluate(proof_arguments(good)) == reason


def _forged_inputs(case: str, request: PresentationRequest) -> dict[str, str]:
    """Inputs for a statement the claim does not support, past the Python pre-checks."""
    honest = presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, request)
    if case == "lower-score":  # a threshold above the score (7423)
        return presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, replace(request, threshold=8000))
    if case == "other-issuer-key":  # the trusted key, but another key signed the claim
        forged = presentation_inputs(SignedClaim.sign(CLAIM, OTHER_ISSUER), SCORE, SALT, HOLDER_SECRET, request)
        return {**forged, "issuerAx": str(ISSUER.public_key.x), "issuerAy": str(ISSUER.public_key.y)}
    if case == "other-holder-secret":  # the claim commits to Poseidon(HOLDER_SECRET)
        return {**honest, "holderSecret": str(HOLDER_SECRET + 1)}
    if case == "older-than-not-before":
        return presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, replace(request, not_before=TIMESTAMP + 1))
    assert case == "expired"
    return presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, replace(request, at_time=CLAIM.valid_until + 1))


@pytest.mark.parametrize(
    "case", ["lower-score", "other-issuer-key", "other-holder-secret", "older-than-not-before", "expired"]
)
def test_the_circuit_has_no_witness_for_what_the_claim_does_not_say(
    prover: PresentationProver, request_for: PresentationRequest, case: str
) -> None:
    with pytest.raises(WitnessRejected):
        prover.backend.prove(_forged_inputs(case, request_for), circuit=PRESENTATION_CIRCUIT)


@pytest.mark.parametrize("index", range(10))
def test_a_tampered_public_signal_is_refused_at_every_index(good: PresentationProof, index: int) -> None:
    gate = fresh_gate()
    signals = list(good.public_signals)
    # A change the policy allows where there is one (a superset of the checks, an earlier
    # atTime), so that only the proof can tell; +1 elsewhere.
    change = {4: lambda v: v | 8, 6: lambda v: v - 1}.get(index, lambda v: (v + 1) % SCALAR_FIELD_ORDER)
    signals[index] = change(signals[index])
    arguments = proof_arguments(good, tuple(signals))
    policy_reasons = {1: "UntrustedIssuer", 2: "UntrustedIssuer", 8: "WrongDomain", 9: "WrongScope"}
    expected = policy_reasons.get(index, "InvalidProof")
    assert gate.evaluate(arguments) == expected
    assert gate.check(arguments) is False
    result = gate.present(HOLDER, arguments)
    if index == 7:  # the nonce: not the holder's
        assert not result.success and result.error_selector() == WRONG_NONCE
    else:
        assert rejection_of(result) == expected


def test_tampered_or_non_canonical_proofs_are_refused(good: PresentationProof) -> None:
    gate = fresh_gate()
    a, b, c, signals = proof_arguments(good)
    assert gate.evaluate((a, b, a, signals)) == "InvalidProof"
    assert gate.evaluate(((a[0], a[1] + 1), b, c, signals)) == "InvalidProof"  # off the curve
    shifted = (signals[0] + SCALAR_FIELD_ORDER, *signals[1:])  # the same value mod r
    assert gate.evaluate((a, b, c, shifted)) == "InvalidProof"


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"issuer_ax": 0, "issuer_ay": 1}, "identity"),
        ({"issuer_ay": ISSUER.public_key.y + 1}, "not on BabyJubJub"),
        ({"min_threshold": 10_001}, "minThreshold"),
        ({"required_checks": 256}, "requiredChecks"),
        ({"max_claim_age": 2**40}, "maxClaimAge"),
        ({"scope": SCALAR_FIELD_ORDER}, "domain or scope"),
    ],
)
def test_the_gate_refuses_a_policy_it_could_not_enforce(change: dict[str, int], what: str) -> None:
    gate = fresh_gate()
    result = gate.deploy_gate(replace(POLICY, **change))
    assert not result.success and result.error_selector() == INVALID_POLICY
    assert what.encode() in result.output


def test_the_gate_refuses_a_verifier_without_code() -> None:
    gate = fresh_gate()
    result = gate.deploy_gate(POLICY, verifier=THIEF.address)
    assert not result.success and result.error_selector() == INVALID_POLICY
    assert b"verifier has no code" in result.output
