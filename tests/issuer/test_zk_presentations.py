"""The verifier's side of zero-knowledge presentations, without a prover: which BabyJubJub keys are
trusted (own, pinned, did:web documents; never a did:key's own word), what a request holds and
refuses, and that a stored request is answered at most once and not after it expires.

Proofs that verify (and every attack with one) are in tests/api/test_zk_presentations.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from did import (
    BABYJUBJUB_KEY_TYPE,
    DIDDocument,
    DIDResolver,
    Ed25519KeyPair,
    KeyDIDResolver,
    did_key_from_public_key,
    single_key_document,
)
from issuer import Issuer, IssuerKeyError
from issuer.zk_presentations import (
    RequestSpec,
    TrustedIssuerKeys,
    TrustedKey,
    ZKPresentationVerifier,
    request_from_json,
)
from issuer.zk_requests import ZKRequestStore
from tests.issuer.conftest import Clock, make_issuer
from zk import BabyJubJubKey, InvalidPresentationRequest, checks_mask, domain_hash, load_presentation_key

WEB = "did:web:other.example"
OTHER = BabyJubJubKey.from_seed(b"o" * 32).public_key
ROGUE = BabyJubJubKey.from_seed(b"r" * 32).public_key
VALID = {
    "proof": {"pi_a": ["1", "2", "1"], "pi_b": [["1", "2"], ["3", "4"], ["1", "0"]], "pi_c": ["1", "2", "1"]},
    "publicSignals": ["0"] * 10,
}


def _web_document(*, listed: bool = True, point: tuple[int, int] = (OTHER.x, OTHER.y)) -> DIDDocument:
    key = Ed25519KeyPair(bytes(range(5, 37))).public_key
    document = single_key_document(WEB, key, "key-1", babyjubjub=point)
    if not listed:  # the key is there but not authorised for assertions
        document.assertion_method = [m for m in document.assertion_method if not str(m).endswith("#bjj-1")]
    return document


def _keys(issuer: Issuer, issuers: list[str], document: DIDDocument | None = None, **kw: object) -> TrustedIssuerKeys:
    static = {WEB: document} if document is not None else {}
    resolver = DIDResolver([KeyDIDResolver()], static=static)
    own = TrustedKey(issuer.did, issuer.babyjubjub_public_key)
    return TrustedIssuerKeys(resolver, issuers, own=own, **kw)  # type: ignore[arg-type]


def test_trusted_keys_come_from_trust_decisions_only(issuer: Issuer) -> None:
    own = TrustedKey(issuer.did, issuer.babyjubjub_public_key)
    assert _keys(issuer, [issuer.did]).current() == (own,)
    assert _keys(issuer, []).current() == ()  # this service's own key counts only when it is trusted
    listed = _keys(issuer, [issuer.did, WEB], _web_document()).current()
    assert listed == (own, TrustedKey(WEB, OTHER))
    # Not under assertionMethod, not a valid point, or a document that cannot be had: no key.
    assert _keys(issuer, [WEB], _web_document(listed=False)).current() == ()
    assert _keys(issuer, [WEB], _web_document(point=(1, 2))).current() == ()
    assert _keys(issuer, [WEB]).current() == ()  # no driver for did:web here: unresolvable
    # A did:key issuer's document (derived from the DID) cannot list one: only a pin trusts it.
    stranger = did_key_from_public_key(Ed25519KeyPair(bytes(range(9, 41))).public_key)
    assert _keys(issuer, [stranger]).current() == ()
    pinned = TrustedKey(stranger, ROGUE)
    assert _keys(issuer, [], pinned=[pinned]).current() == (pinned,)


def test_an_invalid_pinned_key_stops_the_issuer(tmp_path: Path, clock: Clock) -> None:
    with pytest.raises(IssuerKeyError):
        make_issuer(f"sqlite:///{tmp_path / 'i.db'}", clock, zk_trusted_keys=(("did:key:z6Mk", 1, 2),))
    pinned = make_issuer(
        f"sqlite:///{tmp_path / 'j.db'}", clock, zk_trusted_keys=(("did:web:pinned.example", OTHER.x, OTHER.y),)
    )
    assert TrustedKey("did:web:pinned.example", OTHER) in pinned.zk_keys.current()
    pinned.close()


def _verifier(issuer: Issuer) -> ZKPresentationVerifier:
    return ZKPresentationVerifier(
        issuer.zk_requests, issuer.zk_keys, load_presentation_key, min_threshold=6667, clock=issuer.clock
    )


def test_a_request_holds_the_verifiers_choices_and_a_fresh_nonce(issuer: Issuer, clock: Clock) -> None:
    verifier = _verifier(issuer)
    spec = RequestSpec(
        threshold=8000,
        required_checks=("face_match", "antispoof", "antispoof"),
        max_age=timedelta(hours=1),
        domain="https://rp.example",
        scope="signup",
    )
    stored = verifier.create_request(spec)
    body = stored.request
    now = int(clock().timestamp())
    assert body["id"] == stored.id and stored.id.startswith("zkr_") and body["expiresAt"] == "2026-11-21T10:05:00Z"
    assert (body["threshold"], body["requiredChecks"]) == ("8000", str(checks_mask(["antispoof", "face_match"])))
    assert body["requiredCheckNames"] == ["antispoof", "face_match"]
    assert (body["atTime"], body["notBefore"]) == (str(now), str(now - 3600))
    assert body["domain"] == str(domain_hash("https://rp.example")) and body["scope"] == str(domain_hash("signup"))
    assert body["issuerKeys"] == [{"issuer": issuer.did, "publicKey": issuer.babyjubjub_public_key.to_json()}]
    parsed = request_from_json(body)
    assert parsed.threshold == 8000 and parsed.nonce == int(body["nonce"])
    assert verifier.create_request(spec).request["nonce"] != body["nonce"]


@pytest.mark.parametrize(
    "spec",
    [
        RequestSpec(threshold=6666),  # below the floor
        RequestSpec(threshold=10_001),
        RequestSpec(threshold=True),  # type: ignore[arg-type]
        RequestSpec(threshold=7000, required_checks=("telepathy",)),
        RequestSpec(threshold=7000, max_age=timedelta(0)),
        RequestSpec(threshold=7000, domain=""),
        RequestSpec(threshold=7000, scope="x" * 256),
        RequestSpec(threshold=7000, domain="tab\there"),
    ],
)
def test_a_request_refuses_what_cannot_be_asked(issuer: Issuer, spec: RequestSpec) -> None:
    with pytest.raises(InvalidPresentationRequest):
        _verifier(issuer).create_request(spec)


def test_a_request_is_answered_once_and_not_after_it_expires(issuer: Issuer, clock: Clock) -> None:
    store: ZKRequestStore = issuer.zk_requests
    first = store.add({"threshold": "7000"})
    second = store.add({"threshold": "7000"})
    assert store.consume(first.id) and not store.consume(first.id)
    stored = store.get(first.id)
    assert stored is not None and stored.used
    clock.advance(timedelta(minutes=5))
    assert store.get(second.id) is None and not store.consume(second.id)
    assert store.get("zkr_unknown") is None and store.get("x" * 41) is None


def test_verdicts_before_any_pairing(issuer: Issuer) -> None:
    verifier = _verifier(issuer)
    stored = verifier.create_request(RequestSpec(threshold=7000))
    unknown = verifier.verify(VALID, request_id="zkr_nothing")
    assert not unknown.verified and unknown.reasons == ("request_unknown_or_expired",)
    altered = {**stored.request, "threshold": "0"}
    mismatch = verifier.verify(VALID, request=altered)
    assert mismatch.reasons == ("request_mismatch",)
    # All-zero signals: the issuer key (0, 0) is no trusted key, and nothing matches the request.
    wrong = verifier.verify(VALID, request_id=stored.id)
    assert not wrong.verified and "untrusted_issuer_key" in wrong.reasons and "nonce_mismatch" in wrong.reasons
    assert issuer.zk_requests.consume(stored.id)  # a failed proof did not spend the request
    used = verifier.verify(VALID, request_id=stored.id)
    assert used.reasons == ("request_already_used",)


def test_the_did_document_key_is_only_for_assertions() -> None:
    document = _web_document()
    method = document.find_method(f"{WEB}#bjj-1", "assertionMethod")
    assert method.type == BABYJUBJUB_KEY_TYPE and method.babyjubjub_coordinates() == (OTHER.x, OTHER.y)
    with pytest.raises(Exception, match="not authorised"):
        document.find_method(f"{WEB}#bjj-1", "authentication")
