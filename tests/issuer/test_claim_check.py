"""A credential's LivenessClaimSignature as a credential verifier sees it: signed by the issuer's key
(listed in its DID document, or vouched for by its proof over the credential), and saying what the
credential says. Each tampered copy fails with its reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from did import DIDResolver, KeyDIDResolver
from issuer import Issuer
from issuer.claim_check import check_claim_evidence
from issuer.liveness_claims import ClaimCommitments
from tests.issuer.conftest import HOLDER
from zk import BabyJubJubKey, SignedClaim, holder_commitment, poseidon

OPENING = (9100, 4242)


def _credential(issuer: Issuer) -> dict[str, Any]:
    commitments = ClaimCommitments(poseidon(list(OPENING)), holder_commitment(77))
    unsigned = issuer.liveness_credential(
        holder_did=HOLDER,
        device_type="mobile",
        checks=["antispoof", "smile"],
        challenges=["smile"],
        zk_claim=commitments,
    )
    return issuer.issue(unsigned)


def _entry(vc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in vc["evidence"] if e["type"] == "LivenessClaimSignature")
    return found


def test_an_issued_claim_checks_out_and_verifies_with_the_credential(issuer: Issuer) -> None:
    vc = _credential(issuer)
    (outcome,) = check_claim_evidence(vc, issuer.did, issuer.resolver)
    assert outcome.status == "passed" and "listed in the issuer's DID document" in outcome.message
    # A verifier whose resolver derives the did:key document (no second key): the proof vouches.
    plain = DIDResolver([KeyDIDResolver()])
    (outcome,) = check_claim_evidence(vc, issuer.did, plain)
    assert outcome.status == "passed" and "vouched for" in outcome.message
    result = issuer.verify(vc)
    assert result.verified and any(o.name == "zkClaim" and o.status == "passed" for o in result.outcomes)


def _resigned(issuer: Issuer, key: BabyJubJubKey, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(vc: dict[str, Any]) -> None:
        signed = SignedClaim.from_json(_entry(vc))
        claim = replace(signed.claim, **changes)
        fresh = SignedClaim.sign(claim, key, verification_method=issuer.babyjubjub_method).to_json()
        _entry(vc).update(fresh)

    return mutate


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("foreign_key", "not the one the issuer's DID document lists"),
        ("other_id", "another credential id"),
        ("other_time", "timestamp or validUntil"),
        ("bad_signature", "does not verify"),
        ("other_did", "not a key of the credential's issuer"),
        ("malformed", "malformed"),
        ("two", "more than one"),
    ],
)
def test_a_tampered_claim_fails(issuer: Issuer, case: str, message: str) -> None:
    vc = copy.deepcopy(_credential(issuer))
    mutations: dict[str, Callable[[dict[str, Any]], None]] = {
        "foreign_key": _resigned(issuer, BabyJubJubKey.from_seed(b"z" * 32)),
        "other_id": _resigned(issuer, issuer.babyjubjub, credential_id_hash=5),
        "other_time": _resigned(issuer, issuer.babyjubjub, valid_until=1),
        "bad_signature": lambda v: _entry(v)["signature"].update(S="1"),
        "other_did": lambda v: _entry(v).update(verificationMethod="did:web:evil.example#bjj-1"),
        "malformed": lambda v: _entry(v)["claim"].update(checks="x"),
        "two": lambda v: v["evidence"].append(copy.deepcopy(_entry(v))),
    }
    mutations[case](vc)
    (outcome,) = check_claim_evidence(vc, issuer.did, issuer.resolver)
    assert outcome.status == "failed" and outcome.code == "evidence_invalid" and message in outcome.message


def test_the_groth16_commitment_must_be_the_claims(issuer: Issuer) -> None:
    vc = _credential(issuer)
    vc["evidence"].append({"type": ["Groth16FaceMatchProof"], "commitment": "12345"})
    (outcome,) = check_claim_evidence(vc, issuer.did, issuer.resolver)
    assert outcome.status == "failed" and "Groth16" in outcome.message
    vc["evidence"][-1]["commitment"] = str(poseidon(list(OPENING)))
    (outcome,) = check_claim_evidence(vc, issuer.did, issuer.resolver)
    assert outcome.status == "passed"


def test_a_credential_without_a_claim_has_no_claim_outcome(issuer: Issuer) -> None:
    vc = issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["antispoof"]))
    assert check_claim_evidence(vc, issuer.did, issuer.resolver) == []
    assert all(o.name != "zkClaim" for o in issuer.verify(vc).outcomes)
