"""Verification a relying party can trust (issue 15): trusted issuers, policy on the signed graph,
fail-closed status, freshness. Each attack here verified before the fix."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from did import Ed25519KeyPair
from issuer import (
    CREDENTIALS_V1,
    MIN_LIST_BITS,
    Issuer,
    IssuerConfig,
    IssuerStore,
    VerificationPolicy,
    create_proof,
    liveness_context_url,
    signed_view,
)
from issuer.contexts import STATUS_LIST_V1
from tests.issuer.conftest import HOLDER, PUBLIC_URL, Clock, make_issuer


def liveness(issuer: Issuer, **kwargs: Any) -> dict[str, Any]:
    return issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["antispoof"], **kwargs)


def resign(issuer: Issuer, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` signed again by ``issuer`` (what a holder cannot do; used to build fixtures)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return create_proof(
        unsigned,
        issuer.key,
        verification_method=issuer.verification_method,
        created="2026-11-21T10:00:00Z",
        loader=issuer.loader,
    )


def forged_by_a_fresh_key(tmp_path: Path, clock: Clock) -> dict[str, Any]:
    """A LivenessCredential, schema-valid, correctly signed by a did:key nobody configured."""
    store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'forger.db'}", list_size=MIN_LIST_BITS)
    forger = Issuer(Ed25519KeyPair.generate(), store, IssuerConfig(public_url=PUBLIC_URL), clock=clock)
    forger.start()
    try:
        return forger.issue(liveness(forger), status_purpose=None)
    finally:
        forger.close()


def test_a_credential_from_an_untrusted_issuer_fails(issuer: Issuer, tmp_path: Path, clock: Clock) -> None:
    forged = forged_by_a_fresh_key(tmp_path, clock)
    result = issuer.verify(forged)
    assert not result.verified
    assert result.reasons[0] == "untrusted_issuer"
    assert result.issuer == forged["issuer"] and result.trusted_issuer is False
    assert [(o.name, o.status) for o in result.outcomes[:2]] == [("issuer", "failed"), ("proof", "unchecked")]
    # Trusted explicitly, the same credential's signature holds: the policy was the only barrier.
    trusting = issuer.policy.with_options(trusted_issuers=frozenset({forged["issuer"]}), status="lenient")
    assert issuer.verify(forged, trusting).verified


def test_own_credentials_are_trusted_by_default(issuer: Issuer) -> None:
    result = issuer.verify(issuer.issue(liveness(issuer)))
    assert result.verified and result.complete and result.trusted_issuer and result.issuer == issuer.did
    assert result.checks == ["issuer", "proof", "schema", "validity", "status"]


def _same_rdf_rewrite(vc: dict[str, Any]) -> dict[str, Any]:
    """The type as its full IRI, the status entry in a one-element array: the same RDF."""
    rewritten = copy.deepcopy(vc)
    rewritten["type"] = ["VerifiableCredential", "urn:livecred:vocab#LivenessCredential"]
    rewritten["credentialStatus"] = [rewritten["credentialStatus"]]
    return rewritten


def test_a_same_rdf_rewrite_does_not_unrevoke(issuer: Issuer) -> None:
    vc = issuer.issue(liveness(issuer))
    issuer.set_status(vc["id"], "revoked")
    rewritten = _same_rdf_rewrite(vc)
    assert issuer.canonical_form({k: v for k, v in rewritten.items() if k != "proof"}) == issuer.canonical_form(
        {k: v for k, v in vc.items() if k != "proof"}
    )
    result = issuer.verify(rewritten)
    assert not result.verified and result.reasons == ["revoked"] and result.credential_status == "revoked"
    assert "schema" in result.checks  # read as a LivenessCredential, whatever the JSON said


def test_the_signed_view_is_one_form_for_every_json_of_the_graph(issuer: Issuer) -> None:
    vc = issuer.issue(liveness(issuer))
    view = signed_view(_same_rdf_rewrite(vc), issuer.loader)
    assert view["type"] == ["VerifiableCredential", "LivenessCredential"]
    assert view["credentialStatus"] == vc["credentialStatus"]
    assert view["credentialSubject"] == vc["credentialSubject"]


def test_an_unreadable_status_entry_fails_even_when_lenient(issuer: Issuer) -> None:
    unsigned = liveness(issuer)
    unsigned["@context"] = [CREDENTIALS_V1, STATUS_LIST_V1, liveness_context_url(PUBLIC_URL)]
    entry = {
        "id": f"{PUBLIC_URL}/status/x#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "not a number",
        "statusListCredential": f"{PUBLIC_URL}/status/x",
    }
    vc = resign(issuer, {**issuer.issue(unsigned, status_purpose=None), "credentialStatus": entry})
    lenient = issuer.policy.with_options(status="lenient")
    for policy in (issuer.policy, lenient):
        result = issuer.verify(vc, policy)
        assert not result.verified and result.reasons == ["status_invalid"], result.errors


def test_status_that_cannot_be_checked_fails_unless_lenient(tmp_path: Path, clock: Clock) -> None:
    issuer = make_issuer(f"sqlite:///{tmp_path / 'i.db'}", clock)
    try:
        vc = issuer.issue(liveness(issuer))
        issuer.verifier.status_checker.source = lambda url: None  # the list cannot be fetched
        strict = issuer.verify(vc)
        assert not strict.verified and strict.reasons == ["status_unchecked"]
        lenient = issuer.verify(vc, issuer.policy.with_options(status="lenient"))
        assert lenient.verified and not lenient.complete
        assert lenient.warnings == ["status: the status list is not available (offline or unreachable)"]
    finally:
        issuer.close()


def test_a_liveness_credential_without_status_fails_strict(issuer: Issuer) -> None:
    vc = issuer.issue(liveness(issuer), status_purpose=None)
    assert issuer.verify(vc).reasons == ["status_missing"]
    assert issuer.verify(vc, issuer.policy.with_options(status="lenient")).verified


def test_max_age_is_measured_from_the_liveness_check(issuer: Issuer, clock: Clock) -> None:
    vc = issuer.issue(liveness(issuer))
    policy = issuer.policy.with_options(max_age=timedelta(hours=1))
    assert issuer.verify(vc, policy).verified
    clock.advance(timedelta(hours=2))
    result = issuer.verify(vc, policy)
    assert not result.verified and result.reasons == ["too_old"]
    assert issuer.verify(vc).verified  # still within the credential's own validity


def test_default_validity_is_thirty_days(issuer: Issuer, clock: Clock) -> None:
    vc = issuer.issue(liveness(issuer))
    assert vc["expirationDate"] == "2026-12-21T10:00:00Z"
    clock.advance(timedelta(days=30))
    assert issuer.verify(vc).reasons == ["expired"]


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="status"):
        VerificationPolicy(frozenset(), status="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_age"):
        VerificationPolicy(frozenset(), max_age=timedelta(0))
    nobody = VerificationPolicy(frozenset())
    assert not nobody.trusts("did:key:z6Mk") and not nobody.trusts(None)


def test_a_context_clash_says_what_clashes(issuer: Issuer) -> None:
    from issuer import CREDENTIALS_V2, InvalidCredential, canonicalize

    clashing = {
        "@context": [CREDENTIALS_V2, "https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "credentialSubject": {"id": HOLDER},
    }
    with pytest.raises(InvalidCredential, match="redefines a protected term"):
        canonicalize(clashing, issuer.loader)
    # The liveness context itself no longer clashes with VC 2.0 (same definitions of the W3C terms).
    fine = {**clashing, "@context": [CREDENTIALS_V2, liveness_context_url(PUBLIC_URL)]}
    fine["type"] = ["VerifiableCredential", "LivenessCredential"]
    assert canonicalize(fine, issuer.loader)
