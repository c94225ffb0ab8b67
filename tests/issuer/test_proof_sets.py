"""Proof sets and chains (Data Integrity 1.0): every proof is checked, one of them the issuer's,
and a chained proof covers the proofs it names. Tampered copies must fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from did import Ed25519KeyPair, did_key_from_public_key
from issuer import (
    ED25519_SIGNATURE_2020,
    EDDSA_RDFC_2022,
    MAX_PROOFS,
    InvalidCredential,
    Issuer,
    add_proof,
    with_suite_context,
)
from tests.issuer.conftest import HOLDER

CREATED = "2026-11-21T10:00:00Z"


class Signer:
    def __init__(self, seed: bytes | None = None) -> None:
        self.key = Ed25519KeyPair(seed) if seed else Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.vm = f"{self.did}#{self.did.removeprefix('did:key:')}"


def issued(issuer: Issuer, **kwargs: Any) -> dict[str, Any]:
    return issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["blink"]), **kwargs)


def sign(issuer: Issuer, document: dict[str, Any], signer: Signer | None = None, **kwargs: Any) -> dict[str, Any]:
    """Add a proof by the issuer (default) or by ``signer``."""
    key, vm = (signer.key, signer.vm) if signer else (issuer.key, issuer.verification_method)
    proof_type = kwargs.pop("proof_type", EDDSA_RDFC_2022)
    doc = with_suite_context(document, proof_type)
    return add_proof(
        doc, key, verification_method=vm, created=CREATED, loader=issuer.loader, proof_type=proof_type, **kwargs
    )


def chained(issuer: Issuer) -> dict[str, Any]:
    """The issuer's proof, then a notary's proof chained to it."""
    base = {k: v for k, v in issued(issuer).items() if k != "proof"}
    first = sign(issuer, base, proof_id="urn:uuid:issuer-proof")  # an id, so that it can be named
    notary = Signer(bytes([7] * 32))
    return sign(issuer, first, notary, proof_id="urn:uuid:notary-proof", previous_proof="urn:uuid:issuer-proof")


def reasons(issuer: Issuer, vc: dict[str, Any]) -> list[str]:
    result = issuer.verify(vc)
    return [] if result.verified else result.errors


def test_a_proof_set_verifies_when_every_proof_holds(issuer: Issuer) -> None:
    vc = issued(issuer)
    both_suites = sign(issuer, vc, proof_type=ED25519_SIGNATURE_2020)
    assert len(both_suites["proof"]) == 2
    result = issuer.verify(both_suites)
    assert result.verified, result.errors
    assert "2 proofs, each verified" in next(c.message for c in result.outcomes if c.name == "proof")
    cosigned = sign(issuer, vc, Signer())
    assert issuer.verify(cosigned).verified


def test_a_tampered_proof_set_fails(issuer: Issuer) -> None:
    vc = sign(issuer, issued(issuer), Signer())
    bad_second = copy.deepcopy(vc)
    bad_second["proof"][1]["proofValue"] = vc["proof"][0]["proofValue"]
    assert "the signature does not verify" in reasons(issuer, bad_second)[0]
    changed = copy.deepcopy(vc)
    changed["credentialSubject"]["deviceType"] = "desktop"
    assert "the signature does not verify" in reasons(issuer, changed)[0]
    # Only a co-signer's proof left: the issuer signed nothing.
    only_notary = {**vc, "proof": [vc["proof"][1]]}
    assert "does not belong to the issuer" in reasons(issuer, only_notary)[0]
    two_notaries = {**vc, "proof": [vc["proof"][1], sign(issuer, vc, Signer())["proof"][2]]}
    assert "no proof is by the issuer" in reasons(issuer, two_notaries)[0]
    too_many = {**vc, "proof": [vc["proof"][0]] * (MAX_PROOFS + 1)}
    assert f"more than {MAX_PROOFS} proofs" in reasons(issuer, too_many)[0]


def test_a_proof_chain_verifies(issuer: Issuer) -> None:
    vc = chained(issuer)
    assert vc["proof"][1]["previousProof"] == "urn:uuid:issuer-proof"
    result = issuer.verify(vc)
    assert result.verified, result.errors
    # The previous proof dropped: the chain names a proof that is not there.
    dropped = {**vc, "proof": [vc["proof"][1]]}
    assert any("previousProof" in r for r in reasons(issuer, dropped))
    # Re-pointed at itself, or unchained: the notary's signature covered the link.
    repointed = copy.deepcopy(vc)
    repointed["proof"][1]["previousProof"] = "urn:uuid:notary-proof"
    assert any("previousProof" in r for r in reasons(issuer, repointed))
    unchained = copy.deepcopy(vc)
    del unchained["proof"][1]["previousProof"]
    assert "the signature does not verify" in reasons(issuer, unchained)[0]
    # Order in the array does not matter; the link does.
    reordered = {**vc, "proof": [vc["proof"][1], vc["proof"][0]]}
    assert issuer.verify(reordered).verified


def test_a_chain_covers_the_previous_proof_value(issuer: Issuer) -> None:
    vc = chained(issuer)
    base = {k: v for k, v in vc.items() if k != "proof"}
    # A different but valid issuer proof under the same id (another creation time).
    again = add_proof(
        base,
        issuer.key,
        verification_method=issuer.verification_method,
        created="2026-11-22T10:00:00Z",
        loader=issuer.loader,
        proof_id="urn:uuid:issuer-proof",
    )["proof"][0]
    assert issuer.verify({**base, "proof": [again]}).verified
    swapped = {**vc, "proof": [again, vc["proof"][1]]}
    assert "the signature does not verify" in reasons(issuer, swapped)[0]


def test_proof_ids_are_unique_and_chains_need_data_integrity(issuer: Issuer) -> None:
    vc = chained(issuer)
    twin = copy.deepcopy(vc)
    twin["proof"][1]["id"] = "urn:uuid:issuer-proof"
    assert "unique" in reasons(issuer, twin)[0]
    with pytest.raises(InvalidCredential, match="DataIntegrityProof"):
        sign(issuer, vc, proof_type=ED25519_SIGNATURE_2020, previous_proof="urn:uuid:issuer-proof")
    with pytest.raises(InvalidCredential, match="does not have"):
        sign(issuer, vc, previous_proof="urn:uuid:nowhere")
