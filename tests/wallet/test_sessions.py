"""Liveness sessions in the issuer database (SQLite and PostgreSQL): single use, expiry, bounded
attempts, proof of possession at opening, a lockout that protects victims, and the wallet's holder
binding and OpenID4VCI exchanges."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from did import Ed25519KeyPair, did_key_from_public_key
from did.jws import sign_jws
from tests.issuer.conftest import PUBLIC_URL, Clock, make_issuer
from wallet import (
    PRE_AUTHORIZED_GRANT,
    PROOF_JWT_TYPE,
    AttemptsExhausted,
    CredentialAlreadyIssued,
    HolderProofInvalid,
    InvalidHolderDID,
    LockedOut,
    LockoutPolicy,
    OID4VCIError,
    Session,
    SessionCompleted,
    SessionExpired,
    SessionNotFound,
    SessionNotPassed,
    SessionPolicy,
    SessionStore,
    Wallet,
    draw_challenges,
)
from wallet.lockout import Lockout, subject_key

HOLDER_KEY = Ed25519KeyPair(bytes(range(2, 34)))
HOLDER = did_key_from_public_key(HOLDER_KEY.public_key)
KID = f"{HOLDER}#{HOLDER_KEY.public_key.multibase}"


def wallet_for(db_url: str, clock: Clock, **lockout: object) -> Wallet:
    issuer = make_issuer(db_url, clock)
    engine = issuer.store.engine
    store = SessionStore(engine, policy=SessionPolicy(max_attempts=2), clock=clock)
    guard = Lockout(engine, b"s" * 32, LockoutPolicy(**lockout), clock=clock)  # type: ignore[arg-type]
    wallet = Wallet(issuer, store, guard, clock=clock)
    wallet.create_schema()
    return wallet


@pytest.fixture
def wallet(db_url: str, clock: Clock) -> Wallet:
    w = wallet_for(db_url, clock)
    yield w  # type: ignore[misc]
    w.issuer.close()


def proof(nonce: str, clock: Clock, key: Ed25519KeyPair = HOLDER_KEY) -> str:
    claims = {"aud": PUBLIC_URL, "iat": int(clock().timestamp()), "nonce": nonce}
    return sign_jws(claims, key, kid=KID, typ=PROOF_JWT_TYPE)


def open_session(
    wallet: Wallet, clock: Clock, *, device: str | None = None, key: Ed25519KeyPair = HOLDER_KEY, did: str = HOLDER
) -> Session:
    """A session opened with a proof of possession over a fresh c_nonce."""
    kid = f"{did}#{key.public_key.multibase}"
    claims = {"aud": PUBLIC_URL, "iat": int(clock().timestamp()), "nonce": wallet.binding.new_nonce()}
    pop = sign_jws(claims, key, kid=kid, typ=PROOF_JWT_TYPE)
    return wallet.create_session(
        holder_did=did, device_type="mobile", face_match=False, holder_proof=pop, device=device
    )


def test_challenges_are_distinct_and_every_order_occurs() -> None:
    policy = SessionPolicy(challenge_types=("smile", "blink", "turn_left"), min_challenges=2, max_challenges=3)
    seen = {draw_challenges(policy) for _ in range(400)}
    assert all(len(set(order)) == len(order) and 2 <= len(order) <= 3 for order in seen)
    assert seen == set(itertools.permutations(policy.challenge_types, 2)) | set(
        itertools.permutations(policy.challenge_types, 3)
    )


def test_subjects_are_keyed_hashes() -> None:
    key = subject_key(b"k" * 32, "device", "203.0.113.7")
    assert len(key) == 64 and "203.0.113.7" not in key
    assert key != subject_key(b"j" * 32, "device", "203.0.113.7")


def test_a_passed_session_issues_once(wallet: Wallet, clock: Clock) -> None:
    session = open_session(wallet, clock, device="d1")
    with pytest.raises(SessionNotPassed):
        wallet.issue_direct(session.id, proof(session.nonce, clock), "d1")
    taken = wallet.begin_attempt(session.id, "d1")
    assert taken.attempts == 1
    done, offer = wallet.finish_attempt(
        taken, passed=True, checks=["antispoof", "smile"], face_match_proof=None, device="d1"
    )
    assert done.state == "passed" and offer is not None
    with pytest.raises(SessionCompleted):
        wallet.begin_attempt(session.id, "d1")
    with pytest.raises(HolderProofInvalid):
        wallet.issue_direct(session.id, proof("another-nonce", clock), "d1")
    issued = wallet.issue_direct(session.id, proof(session.nonce, clock), "d1")
    vc = issued.credential
    assert issued.zk_claim_opening is None  # no zkHolderCommitment, no claim
    assert [e["type"] for e in vc["evidence"]] == [["LivenessCheckEvidence"]]
    assert vc["credentialSubject"]["id"] == HOLDER and vc["evidence"][0]["checks"] == ["antispoof", "smile"]
    assert wallet.issuer.verify(vc).verified
    with pytest.raises(CredentialAlreadyIssued):
        wallet.issue_direct(session.id, proof(session.nonce, clock), "d1")
    with pytest.raises(SessionCompleted):
        wallet.begin_attempt(session.id, "d1")
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    with pytest.raises(OID4VCIError, match="unknown, used or expired"):
        wallet.oid4vci.token({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})


def test_a_failed_signing_releases_the_claim(wallet: Wallet, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    session = open_session(wallet, clock)
    wallet.finish_attempt(
        wallet.begin_attempt(session.id, None), passed=True, checks=[], face_match_proof=None, device=None
    )

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(wallet.issuer, "issue", broken)
    with pytest.raises(RuntimeError):
        wallet.issue_direct(session.id, proof(session.nonce, clock), None)
    monkeypatch.undo()
    assert wallet.sessions.get(session.id).state == "passed"
    issued = wallet.issue_direct(session.id, proof(session.nonce, clock), None)
    assert issued.credential["credentialSubject"]["id"] == HOLDER


def test_attempts_are_bounded_and_taken_before_judging(wallet: Wallet, clock: Clock) -> None:
    session = open_session(wallet, clock)
    first = wallet.begin_attempt(session.id, None)
    second = wallet.begin_attempt(session.id, None)  # a racing request takes the other attempt
    assert (first.attempts, second.attempts) == (1, 2)
    with pytest.raises(AttemptsExhausted):
        wallet.begin_attempt(session.id, None)
    wallet.finish_attempt(first, passed=False, checks=[], face_match_proof=None, device=None)
    assert wallet.sessions.get(session.id).state == "failed"
    with pytest.raises(AttemptsExhausted):
        wallet.begin_attempt(session.id, None)


def test_sessions_expire(wallet: Wallet, clock: Clock) -> None:
    waiting = open_session(wallet, clock)
    passed = open_session(wallet, clock)
    _, offer = wallet.finish_attempt(
        wallet.begin_attempt(passed.id, None), passed=True, checks=[], face_match_proof=None, device=None
    )
    assert offer is not None
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(SessionExpired):
        wallet.begin_attempt(waiting.id, None)
    with pytest.raises(SessionExpired):
        wallet.issue_direct(passed.id, proof(passed.nonce, clock), None)
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    with pytest.raises(OID4VCIError):
        wallet.oid4vci.token({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})
    with pytest.raises(SessionNotFound):
        wallet.sessions.get("lcs_unknown")


def test_unresolvable_holder_dids_are_refused(wallet: Wallet, clock: Clock) -> None:
    pop = sign_jws({"aud": PUBLIC_URL, "iat": 0, "nonce": "n"}, HOLDER_KEY, kid=KID, typ=PROOF_JWT_TYPE)
    for bad in ("did:key:zBad", "did:example:123", "not-a-did"):
        with pytest.raises(InvalidHolderDID):
            wallet.create_session(holder_did=bad, device_type="mobile", face_match=False, holder_proof=pop, device=None)


def test_opening_a_session_needs_proof_of_possession(wallet: Wallet, clock: Clock) -> None:
    """Nobody opens (and so fails, or locks) sessions under a DID whose key they do not hold."""
    attacker = Ed25519KeyPair.generate()
    with pytest.raises(HolderProofInvalid):  # signed with another key, naming the victim's DID
        open_session(wallet, clock, key=attacker)
    nonce = wallet.binding.new_nonce()
    claims = {"aud": PUBLIC_URL, "iat": int(clock().timestamp()), "nonce": nonce}
    pop = sign_jws(claims, HOLDER_KEY, kid=KID, typ=PROOF_JWT_TYPE)
    opened = wallet.create_session(
        holder_did=HOLDER, device_type="mobile", face_match=False, holder_proof=pop, device=None
    )
    assert opened.holder_did == HOLDER
    with pytest.raises(HolderProofInvalid, match="fresh c_nonce"):  # the same proof again: a replay
        wallet.create_session(holder_did=HOLDER, device_type="mobile", face_match=False, holder_proof=pop, device=None)
    made_up = sign_jws({**claims, "nonce": "made-up"}, HOLDER_KEY, kid=KID, typ=PROOF_JWT_TYPE)
    with pytest.raises(HolderProofInvalid, match="fresh c_nonce"):
        wallet.create_session(
            holder_did=HOLDER, device_type="mobile", face_match=False, holder_proof=made_up, device=None
        )
    stale = sign_jws(
        {**claims, "nonce": wallet.binding.new_nonce(), "iat": int(clock().timestamp()) - 3600},
        HOLDER_KEY,
        kid=KID,
        typ=PROOF_JWT_TYPE,
    )
    with pytest.raises(HolderProofInvalid):
        wallet.create_session(
            holder_did=HOLDER, device_type="mobile", face_match=False, holder_proof=stale, device=None
        )


def test_holder_did_urls_and_trailing_newlines_are_refused(wallet: Wallet, clock: Clock) -> None:
    for bad in (f"{HOLDER}\n", KID, f"{HOLDER}?service=x", f"{HOLDER}/path", f" {HOLDER}"):
        with pytest.raises(InvalidHolderDID):
            wallet.create_session(holder_did=bad, device_type="mobile", face_match=False, holder_proof="x", device=None)
        with pytest.raises(InvalidHolderDID):
            wallet.sessions.create(holder_did=bad, device_type="mobile", face_match=False)
    # A key proof must name the holder's key as <holder DID>#<fragment>: no query, no newline.
    session = open_session(wallet, clock)
    wallet.finish_attempt(
        wallet.begin_attempt(session.id, None), passed=True, checks=["antispoof"], face_match_proof=None, device=None
    )
    fragment = KID.partition("#")[2]
    for kid in (f"{HOLDER}?service=x#{fragment}", f"{HOLDER}\n#{fragment}"):
        claims = {"aud": PUBLIC_URL, "iat": int(clock().timestamp()), "nonce": session.nonce}
        with pytest.raises(HolderProofInvalid):
            wallet.issue_direct(session.id, sign_jws(claims, HOLDER_KEY, kid=kid, typ=PROOF_JWT_TYPE), None)
    credential = wallet.issue_direct(session.id, proof(session.nonce, clock), None).credential
    assert credential["credentialSubject"]["id"] == HOLDER


def test_failures_lock_out_the_device_never_the_holder_did(db_url: str, clock: Clock) -> None:
    wallet = wallet_for(db_url, clock, failures=3, window=timedelta(minutes=3), duration=timedelta(minutes=30))
    try:
        d1 = wallet.lockout.devices("d1")
        passed = open_session(wallet, clock, device="d1")
        wallet.finish_attempt(
            wallet.begin_attempt(passed.id, "d1"), passed=True, checks=["antispoof"], face_match_proof=None, device="d1"
        )
        wallet.lockout.record_failure(d1)
        clock.advance(timedelta(minutes=4))  # outside the window: forgotten
        for _ in range(2):
            wallet.lockout.record_failure(d1)
        waiting = open_session(wallet, clock, device="d1")
        wallet.lockout.record_failure(d1)  # the third failure from d1 within the window
        with pytest.raises(LockedOut) as locked:
            open_session(wallet, clock, device="d1")
        assert locked.value.retry_after == 1800
        with pytest.raises(LockedOut):  # a take from the locked device
            wallet.begin_attempt(waiting.id, "d1")
        # The holder DID is not locked: from another device its owner opens and passes sessions.
        elsewhere = open_session(wallet, clock, device="d2")
        wallet.begin_attempt(elsewhere.id, "d2")
        # A session that passed is never blocked: its credential is issued even to the locked device.
        credential = wallet.issue_direct(passed.id, proof(passed.nonce, clock), "d1").credential
        assert credential["credentialSubject"]["id"] == HOLDER
        clock.advance(timedelta(minutes=30, seconds=1))
        open_session(wallet, clock, device="d1")
    finally:
        wallet.issuer.close()


def test_an_attacker_cannot_lock_a_victim_out(db_url: str, clock: Clock) -> None:
    """Failing sessions needs the victim's key; bad proofs naming the victim count against the
    attacker's device only."""
    wallet = wallet_for(db_url, clock, failures=3, window=timedelta(minutes=3), duration=timedelta(minutes=30))
    try:
        attacker = Ed25519KeyPair.generate()
        for _ in range(10):
            with pytest.raises((HolderProofInvalid, LockedOut)):
                open_session(wallet, clock, device="attacker", key=attacker)
        with pytest.raises(LockedOut):
            open_session(wallet, clock, device="attacker")
        victim = open_session(wallet, clock, device="victim-phone")
        assert wallet.begin_attempt(victim.id, "victim-phone").attempts == 1
    finally:
        wallet.issuer.close()


def test_openid4vci_token_nonce_and_credential(wallet: Wallet, clock: Clock) -> None:
    session = open_session(wallet, clock)
    _, offer = wallet.finish_attempt(
        wallet.begin_attempt(session.id, None), passed=True, checks=["antispoof"], face_match_proof=None, device=None
    )
    assert offer is not None and offer["credential_issuer"] == PUBLIC_URL
    assert wallet.oid4vci.offer_uri(offer).startswith("openid-credential-offer://?credential_offer=%7B")
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    token = wallet.oid4vci.token({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})["access_token"]
    c_nonce = wallet.binding.new_nonce()
    request = {"credential_configuration_id": "LivenessCredential_ldp_vc", "proofs": {"jwt": [proof(c_nonce, clock)]}}
    with pytest.raises(OID4VCIError) as bad_token:
        wallet.oid4vci.credential("wrong-token", request, None)
    assert bad_token.value.status == 401 and bad_token.value.error == "invalid_token"
    for body, error in [
        ({**request, "credential_configuration_id": "Other"}, "unknown_credential_configuration"),
        ({**request, "proofs": {"jwt": []}}, "invalid_credential_request"),
        ({**request, "proofs": {"ldp_vp": ["x"]}}, "invalid_credential_request"),
        ("not an object", "invalid_credential_request"),
    ]:
        with pytest.raises(OID4VCIError) as refused:
            wallet.oid4vci.credential(token, body, None)
        assert refused.value.error == error
    answer = wallet.oid4vci.credential(token, request, None)
    assert answer["credentials"][0]["credential"]["credentialSubject"]["id"] == HOLDER
    with pytest.raises(OID4VCIError) as replay:
        wallet.oid4vci.credential(
            token, {**request, "proofs": {"jwt": [proof(wallet.binding.new_nonce(), clock)]}}, None
        )
    assert replay.value.error == "invalid_token"


def test_c_nonces_are_single_use_and_expire(wallet: Wallet, clock: Clock) -> None:
    first, second = wallet.binding.new_nonce(), wallet.binding.new_nonce()
    assert first != second
    assert wallet.binding.consume_nonce(first) and not wallet.binding.consume_nonce(first)
    clock.advance(timedelta(minutes=6))
    assert not wallet.binding.consume_nonce(second)
    assert not wallet.binding.consume_nonce(None) and not wallet.binding.consume_nonce("x" * 201)


def test_of_two_racing_passes_only_the_first_gets_an_offer(wallet: Wallet, clock: Clock) -> None:
    session = open_session(wallet, clock)
    first, second = wallet.begin_attempt(session.id, None), wallet.begin_attempt(session.id, None)
    _, offer = wallet.finish_attempt(first, passed=True, checks=["antispoof"], face_match_proof=None, device=None)
    assert offer is not None
    with pytest.raises(SessionCompleted):
        wallet.finish_attempt(second, passed=True, checks=["antispoof"], face_match_proof=None, device=None)
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    assert (
        wallet.oid4vci.token({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})["token_type"]
        == "Bearer"
    )


def test_every_take_gets_a_fresh_order_of_challenges(db_url: str, clock: Clock) -> None:
    """A failed take shows part of the order; the next take of the session must not be told."""
    issuer = make_issuer(db_url, clock)
    try:
        engine = issuer.store.engine
        policy = SessionPolicy(max_attempts=6, challenge_types=("smile", "blink", "turn_left", "turn_right"))
        wallet = Wallet(
            issuer, SessionStore(engine, policy=policy, clock=clock), Lockout(engine, b"s" * 32), clock=clock
        )
        wallet.create_schema()
        session = open_session(wallet, clock)
        orders = {wallet.begin_attempt(session.id, None).challenges for _ in range(6)}
        assert len(orders) > 1
    finally:
        issuer.close()
