"""The zero-knowledge claim on the wallet path: a session opened with ``zkHolderCommitment`` yields a
credential whose ``LivenessClaimSignature`` the issuer's BabyJubJub key signed over exactly what the
credential says, and the holder gets the opening once; without a commitment, no claim."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from sqlalchemy import select

from did import BABYJUBJUB_KEY_TYPE, Ed25519KeyPair
from did.jws import sign_jws
from issuer import schema_errors
from issuer.liveness_claims import BABYJUBJUB_KEY_INFO, derive_babyjubjub_key
from tests.issuer.conftest import PUBLIC_URL, Clock
from tests.wallet.test_sessions import HOLDER, HOLDER_KEY, KID, open_session, proof, wallet_for
from wallet import PROOF_JWT_TYPE, InvalidHolderCommitment, Wallet
from wallet.zk_claims import ClaimOpening, zk_session_claims
from zk import (
    SCALAR_FIELD_ORDER,
    BabyJubJubKey,
    SignedClaim,
    checks_mask,
    credential_id_hash,
    holder_commitment,
    poseidon,
)

SECRET = 123456789
COMMITMENT = holder_commitment(SECRET)


@pytest.fixture
def wallet(db_url: str, clock: Clock) -> Wallet:
    w = wallet_for(db_url, clock)
    yield w  # type: ignore[misc]
    w.issuer.close()


def _open(wallet: Wallet, clock: Clock, commitment: str | None = str(COMMITMENT)) -> str:
    if commitment is None:
        return open_session(wallet, clock).id
    claims = {"aud": PUBLIC_URL, "iat": int(clock().timestamp()), "nonce": wallet.binding.new_nonce()}
    pop = sign_jws(claims, HOLDER_KEY, kid=KID, typ=PROOF_JWT_TYPE)
    opened = wallet.create_session(
        holder_did=HOLDER,
        device_type="mobile",
        face_match=False,
        holder_proof=pop,
        device=None,
        zk_holder_commitment=commitment,
    )
    return opened.id


def _seconds(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _claim_entry(vc: dict[str, object]) -> dict[str, object]:
    entries = [e for e in vc["evidence"] if e["type"] == "LivenessClaimSignature"]  # type: ignore[index, union-attr]
    assert len(entries) == 1
    return entries[0]  # type: ignore[no-any-return]


def test_the_issuer_key_is_derived_from_the_ed25519_key(wallet: Wallet) -> None:
    issuer = wallet.issuer
    expected = BabyJubJubKey.from_seed(issuer.key.derive_secret(BABYJUBJUB_KEY_INFO)).public_key
    assert issuer.babyjubjub_public_key == expected
    # Deterministic (replicas sharing the key file sign alike), and another key gives another key.
    assert derive_babyjubjub_key(Ed25519KeyPair(issuer.key.derive_secret(b"x"))).public_key != expected
    assert derive_babyjubjub_key(issuer.key).public_key == expected
    # HKDF output, not the Ed25519 seed itself.
    assert issuer.key.derive_secret(BABYJUBJUB_KEY_INFO) != issuer.key.derive_secret(b"another purpose")


def test_the_did_document_lists_the_babyjubjub_key(wallet: Wallet) -> None:
    issuer = wallet.issuer
    doc = issuer.document.to_json()
    method = doc["verificationMethod"][1]
    assert method["id"] == issuer.babyjubjub_method == f"{issuer.did}#bjj-1"
    assert method["type"] == BABYJUBJUB_KEY_TYPE
    public = issuer.babyjubjub_public_key
    assert method["publicKeyBabyJubJub"] == {"x": str(public.x), "y": str(public.y)}
    assert method["id"] in doc["assertionMethod"] and method["id"] not in doc["authentication"]
    assert issuer.resolver.verification_method(method["id"], "assertionMethod").babyjubjub_coordinates() == (
        public.x,
        public.y,
    )
    assert f"{issuer.public_url}/contexts/liveness/v1" in doc["@context"]


def test_a_session_with_a_commitment_gets_a_signed_claim_and_the_opening_once(wallet: Wallet, clock: Clock) -> None:
    session_id = _open(wallet, clock)
    taken = wallet.begin_attempt(session_id, None)
    checks = ["antispoof", *taken.challenges, "same_person"]
    wallet.finish_attempt(taken, passed=True, checks=checks, face_match_proof=None, device=None)
    issued = wallet.issue_direct(session_id, proof(taken.nonce, clock), None)
    vc, opening = issued.credential, issued.zk_claim_opening
    assert opening is not None and opening.score == 0  # no face match: the claim commits to score 0
    entry = _claim_entry(vc)
    signed = SignedClaim.from_json(entry)
    assert signed.verify()
    assert signed.public_key == wallet.issuer.babyjubjub_public_key
    assert signed.verification_method == wallet.issuer.babyjubjub_method
    claim = signed.claim
    assert claim.score_commitment == poseidon([opening.score, opening.salt])
    assert claim.holder_commitment == COMMITMENT
    assert claim.checks == checks_mask(["antispoof", "challenges", "same_person"])
    assert claim.timestamp == _seconds(vc["credentialSubject"]["timestamp"])
    assert claim.valid_until == _seconds(vc["expirationDate"])
    assert claim.credential_id_hash == credential_id_hash(vc["id"])
    # The credential's Ed25519 proof covers the entry, and the schema describes it.
    assert wallet.issuer.verify(vc).verified
    assert schema_errors(vc) == []
    tampered = copy.deepcopy(vc)
    _claim_entry(tampered)["claim"]["checks"] = str(checks_mask(["antispoof", "face_match"]))  # type: ignore[index]
    assert not wallet.issuer.verify(tampered).verified
    # The opening is gone from the database once the credential is out.
    with wallet.sessions.engine.connect() as conn:
        assert conn.execute(select(zk_session_claims)).all() == []
    assert str(opening.salt) not in str(vc)


def test_the_face_match_opening_is_the_groth16_commitment(wallet: Wallet, clock: Clock) -> None:
    session_id = _open(wallet, clock)
    taken = wallet.begin_attempt(session_id, None)
    opening = ClaimOpening(9100, 987654321)
    commitment = poseidon([opening.score, opening.salt])
    proof_json = {
        "proof": {"pi_a": ["1", "2", "1"], "pi_b": [["1", "2"], ["3", "4"], ["1", "0"]], "pi_c": ["1", "2", "1"]},
        "publicSignals": ["6667", str(commitment), "5"],
        "threshold": 6667,
        "commitment": str(commitment),
        "nonce": "5",
    }
    checks = ["antispoof", *taken.challenges, "same_person", "face_match"]
    wallet.finish_attempt(
        taken, passed=True, checks=checks, face_match_proof=proof_json, device=None, claim_opening=opening
    )
    issued = wallet.issue_direct(session_id, proof(taken.nonce, clock), None)
    assert issued.zk_claim_opening == opening
    claim = SignedClaim.from_json(_claim_entry(issued.credential)).claim
    groth16 = next(e for e in issued.credential["evidence"] if e["type"] == ["Groth16FaceMatchProof"])
    assert str(claim.score_commitment) == groth16["commitment"] == str(commitment)
    assert claim.checks & checks_mask(["face_match"])


def test_an_opening_that_does_not_open_the_proof_issues_nothing(wallet: Wallet, clock: Clock) -> None:
    session_id = _open(wallet, clock)
    taken = wallet.begin_attempt(session_id, None)
    proof_json = {"commitment": "42", "threshold": 6667, "nonce": "5", "publicSignals": [], "proof": {}}
    wallet.finish_attempt(
        taken,
        passed=True,
        checks=["antispoof"],
        face_match_proof=proof_json,
        device=None,
        claim_opening=ClaimOpening(9100, 1),
    )
    with pytest.raises(RuntimeError):
        wallet.issue_direct(session_id, proof(taken.nonce, clock), None)
    assert wallet.sessions.get(session_id).state == "passed"  # released, not issued


def test_without_a_commitment_there_is_no_claim(wallet: Wallet, clock: Clock) -> None:
    session_id = _open(wallet, clock, commitment=None)
    taken = wallet.begin_attempt(session_id, None)
    wallet.finish_attempt(
        taken, passed=True, checks=["antispoof"], face_match_proof=None, device=None, claim_opening=ClaimOpening(1, 2)
    )
    issued = wallet.issue_direct(session_id, proof(taken.nonce, clock), None)
    assert issued.zk_claim_opening is None
    assert all(e["type"] != "LivenessClaimSignature" for e in issued.credential["evidence"])


@pytest.mark.parametrize(
    "bad",
    ["", "01", "-1", "1.0", "0x10", " 1", "1\n", str(SCALAR_FIELD_ORDER), "9" * 80, "١٢"],
)
def test_a_holder_commitment_is_a_field_element_in_decimal(wallet: Wallet, clock: Clock, bad: str) -> None:
    with pytest.raises(InvalidHolderCommitment):
        _open(wallet, clock, commitment=bad)


def test_a_claim_entry_that_breaks_the_schema_is_refused(wallet: Wallet, clock: Clock) -> None:
    session_id = _open(wallet, clock)
    taken = wallet.begin_attempt(session_id, None)
    wallet.finish_attempt(taken, passed=True, checks=["antispoof"], face_match_proof=None, device=None)
    vc = wallet.issue_direct(session_id, proof(taken.nonce, clock), None).credential
    for mutate in (
        lambda e: e.pop("signature"),
        lambda e: e["claim"].update(checks="01"),
        lambda e: e["claim"].pop("holderCommitment"),
        lambda e: e["publicKey"].update(z="1"),
        lambda e: e.update(score="9100"),
    ):
        broken = copy.deepcopy(vc)
        mutate(_claim_entry(broken))
        assert schema_errors(broken), mutate
