"""Verifiable Presentations (issue 15): signed by the credential's subject, over the verifier's
challenge and domain, accepted once. A copied credential presented by anyone else fails."""

from __future__ import annotations

from typing import Any

import pytest

from did import Ed25519KeyPair, did_key_from_public_key
from issuer import (
    CREDENTIALS_V1,
    ED25519_SIGNATURE_2020,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    Issuer,
    VerificationPolicy,
    build_verifier,
    create_proof,
    liveness_context_url,
    verify_presentation,
    with_suite_context,
)
from tests.issuer.conftest import PUBLIC_URL

DOMAIN = "verifier.example"


class Holder:
    def __init__(self) -> None:
        self.key = Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.vm = f"{self.did}#{self.did.removeprefix('did:key:')}"


def present(
    issuer: Issuer,
    holder: Holder,
    vcs: list[dict[str, Any]],
    challenge: str,
    *,
    domain: str = DOMAIN,
    proof_type: str = EDDSA_RDFC_2022,
    signer: Holder | None = None,
) -> dict[str, Any]:
    signer = signer or holder
    unsigned = {
        "@context": [CREDENTIALS_V1],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": vcs,
    }
    return create_proof(
        with_suite_context(unsigned, proof_type),
        signer.key,
        verification_method=signer.vm,
        created="2026-11-21T10:00:00Z",
        loader=issuer.loader,
        proof_type=proof_type,
        purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


@pytest.fixture
def holder() -> Holder:
    return Holder()


def credential_for(issuer: Issuer, holder: Holder) -> dict[str, Any]:
    return issuer.issue(issuer.liveness_credential(holder_did=holder.did, device_type="mobile", checks=["blink"]))


@pytest.mark.parametrize("proof_type", [EDDSA_RDFC_2022, ED25519_SIGNATURE_2020, EDDSA_JCS_2022])
def test_a_holder_signed_presentation_verifies_once(issuer: Issuer, holder: Holder, proof_type: str) -> None:
    challenge, _ = issuer.challenges.issue(DOMAIN)
    vp = present(issuer, holder, [credential_for(issuer, holder)], challenge, proof_type=proof_type)
    result = issuer.verify_presentation(vp, challenge=challenge, domain=DOMAIN)
    assert result.verified, result.errors + [e for c in result.credentials for e in c.errors]
    assert result.checks == ["presentation", "challenge", "domain", "replay", "holder"]
    assert result.issuer == issuer.did and result.trusted_issuer
    assert result.credentials[0].verified
    again = issuer.verify_presentation(vp, challenge=challenge, domain=DOMAIN)
    assert not again.verified and again.reasons == ["replayed"]


def test_a_copied_credential_presented_by_someone_else_fails(issuer: Issuer, holder: Holder) -> None:
    thief = Holder()
    vc = credential_for(issuer, holder)
    challenge, _ = issuer.challenges.issue(DOMAIN)
    as_thief = present(issuer, thief, [vc], challenge)
    result = issuer.verify_presentation(as_thief, challenge=challenge, domain=DOMAIN)
    assert not result.verified and "holder_mismatch" in result.reasons
    # Naming the real holder but signing with another key: the proof does not belong to the holder.
    challenge, _ = issuer.challenges.issue(DOMAIN)
    forged = present(issuer, holder, [vc], challenge, signer=thief)
    result = issuer.verify_presentation(forged, challenge=challenge, domain=DOMAIN)
    assert not result.verified and result.reasons == ["invalid_presentation"]


def test_another_challenge_or_domain_fails_without_burning_the_challenge(issuer: Issuer, holder: Holder) -> None:
    vc = credential_for(issuer, holder)
    challenge, _ = issuer.challenges.issue(DOMAIN)
    other = present(issuer, holder, [vc], "another-challenge")
    assert issuer.verify_presentation(other, challenge=challenge, domain=DOMAIN).reasons == ["challenge_mismatch"]
    elsewhere = present(issuer, holder, [vc], challenge, domain="evil.example")
    assert issuer.verify_presentation(elsewhere, challenge=challenge, domain=DOMAIN).reasons == ["domain_mismatch"]
    tampered = present(issuer, holder, [vc], challenge)
    tampered["proof"]["challenge"] = "x" + challenge
    assert not issuer.verify_presentation(tampered, challenge=challenge, domain=DOMAIN).verified
    genuine = present(issuer, holder, [vc], challenge)
    assert issuer.verify_presentation(genuine, challenge=challenge, domain=DOMAIN).verified


def test_a_presentation_of_a_revoked_or_untrusted_credential_fails(issuer: Issuer, holder: Holder) -> None:
    vc = credential_for(issuer, holder)
    issuer.set_status(vc["id"], "revoked")
    challenge, _ = issuer.challenges.issue(DOMAIN)
    result = issuer.verify_presentation(present(issuer, holder, [vc], challenge), challenge=challenge, domain=DOMAIN)
    assert not result.verified and result.reasons == ["revoked"]
    # The library surface, with a relying party's own policy and no challenge store.
    nobody = VerificationPolicy(frozenset({"did:key:z6MkhK5BYWX6RUVnxjkJ3hxrRLVCmVoW1pmWG2gDW6bHiqw7"}))
    vp = present(issuer, holder, [credential_for(issuer, holder)], "c1")
    verifier = build_verifier(nobody, context_urls=[liveness_context_url(PUBLIC_URL)])
    library = verify_presentation(vp, nobody, challenge="c1", domain=DOMAIN, verifier=verifier)
    assert not library.verified and library.reasons == ["untrusted_issuer"] and not library.trusted_issuer


def test_a_jcs_presentation_covers_its_json_and_its_context(issuer: Issuer, holder: Holder) -> None:
    """eddsa-jcs-2022 (what the browser wallet signs) covers the JSON as sent: any change fails."""
    vc = credential_for(issuer, holder)
    challenge, _ = issuer.challenges.issue(DOMAIN)
    vp = present(issuer, holder, [vc], challenge, proof_type=EDDSA_JCS_2022)
    assert vp["proof"]["cryptosuite"] == EDDSA_JCS_2022 and vp["proof"]["@context"] == vp["@context"]
    other_context = {**vp, "proof": {**vp["proof"], "@context": [CREDENTIALS_V1]}}
    reordered = {**vp, "holder": holder.did, "id": "urn:uuid:added"}
    for tampered in (other_context, reordered):
        result = issuer.verify_presentation(tampered, challenge=challenge, domain=DOMAIN)
        assert not result.verified and result.reasons == ["invalid_presentation"]
    assert issuer.verify_presentation(vp, challenge=challenge, domain=DOMAIN).verified
    # Credentials keep the RDF suites: their policy is read from the signed graph.
    jcs_vc = create_proof(
        {k: v for k, v in vc.items() if k != "proof"},
        issuer.key,
        verification_method=issuer.verification_method,
        created="2026-11-21T10:00:00Z",
        loader=issuer.loader,
        proof_type=EDDSA_JCS_2022,
    )
    assert "unsupported proof type" in issuer.verify(jcs_vc).errors[0]
