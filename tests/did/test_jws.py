"""Holder proofs: a compact JWS built by hand from RFC 7515 (not by the library under test)
verifies, and every tampering, wrong key, wrong claim or stale token is refused with a reason."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from did import DIDResolver, Ed25519KeyPair, KeyDIDResolver, did_key_from_public_key, single_key_document
from did.document import DIDDocument
from did.jws import sign_jws, verify_did_jws

TYP = "openid4vci-proof+jwt"
AUD = "https://issuer.example"
SEED = bytes(range(32))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], claims: dict[str, Any], seed: bytes = SEED) -> str:
    """RFC 7515 compact serialisation, signed with `cryptography` directly."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


KEY = Ed25519KeyPair(SEED)
DID = did_key_from_public_key(KEY.public_key)
KID = f"{DID}#{KEY.public_key.multibase}"
NOW = 1_800_000_000.0


def header(**extra: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "typ": TYP, "kid": KID, **extra}


def claims(**extra: Any) -> dict[str, Any]:
    return {"aud": AUD, "iat": int(NOW), "nonce": "n-1", **extra}


def check(token: str, resolver: DIDResolver | None = None, **policy: Any) -> Any:
    options: dict[str, Any] = {"typ": TYP, "audience": AUD, "nonce": "n-1", "expected_did": DID, "now": NOW}
    options.update(policy)
    return verify_did_jws(token, resolver or DIDResolver([KeyDIDResolver()]), **options)


def test_a_hand_made_token_verifies_and_so_does_ours() -> None:
    result = check(hand_made(header(), claims()))
    assert result.valid, result.reasons
    assert result.did == DID and result.kid == KID and result.claims["nonce"] == "n-1"
    ours = sign_jws(claims(), KEY, kid=KID, typ=TYP)
    assert check(ours).valid
    # Our signer is deterministic Ed25519 over the same bytes as the hand-made token's layout.
    assert ours.split(".")[0] == b64url(
        json.dumps({"alg": "EdDSA", "kid": KID, "typ": TYP}, separators=(",", ":")).encode()
    )


OTHER = Ed25519KeyPair(bytes(range(1, 33)))


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (hand_made(header(), claims(), seed=bytes(range(1, 33))), "signature does not verify"),
        (hand_made(header(alg="none"), claims()), "alg must be EdDSA"),
        (hand_made(header(typ="JWT"), claims()), "typ must be"),
        (hand_made(header(kid=DID), claims()), "kid must be a DID URL"),
        (
            hand_made(header(kid=f"{did_key_from_public_key(OTHER.public_key)}#x"), claims()),
            "another DID than the session's holder",
        ),
        (hand_made(header(kid=f"{DID}#z6MkNotTheKey"), claims()), "could not be used"),
        (hand_made(header(), claims(aud="https://evil.example")), "aud must be"),
        (hand_made(header(), {"iat": int(NOW), "nonce": "n-1"}), "'aud' is missing"),
        (hand_made(header(), claims(nonce="n-2")), "nonce does not match"),
        (hand_made(header(), claims(iat=int(NOW) - 3600)), "too old"),
        (hand_made(header(), claims(iat=int(NOW) + 3600)), "in the future"),
        (hand_made(header(), claims(iat="yesterday")), "iat must be a finite number"),
        (hand_made(header(), claims(exp=int(NOW) - 3600)), "expired"),
        ("a.b", "not a compact JWS"),
        ("x" * 9000, "not a compact JWS"),
        ("!!.!!.!!", "header is not valid"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(token: str, reason: str) -> None:
    result = check(token)
    assert not result.valid
    assert reason in result.reasons[0]


def test_a_flipped_payload_byte_breaks_the_signature() -> None:
    head, payload, signature = hand_made(header(), claims()).split(".")
    forged = b64url(json.dumps(claims(nonce="n-1", extra="x")).encode())
    assert "signature" in check(f"{head}.{forged}.{signature}").reasons[0]
    assert check(f"{head}.{payload}.{signature}").valid


def test_the_key_must_be_authorised_for_authentication() -> None:
    document = single_key_document("did:web:wallet.example", KEY.public_key, fragment="k1").to_json()
    document["authentication"] = []
    resolver = DIDResolver([], static={"did:web:wallet.example": DIDDocument.parse(document)})
    token = hand_made(header(kid="did:web:wallet.example#k1"), claims())
    refused = check(token, resolver, expected_did="did:web:wallet.example")
    assert not refused.valid and "not authorised for authentication" in refused.reasons[0]
    allowed = check(token, resolver, expected_did="did:web:wallet.example", purpose="assertionMethod")
    assert allowed.valid


def test_a_token_without_an_expected_did_or_nonce_only_checks_the_signature() -> None:
    assert check(hand_made(header(), claims(nonce="any")), nonce=None, expected_did=None).valid


def test_the_default_clock_is_the_real_one() -> None:
    resolver = DIDResolver([KeyDIDResolver()])
    fresh = hand_made(header(), claims(iat=int(time.time())))
    assert verify_did_jws(fresh, resolver, typ=TYP, audience=AUD).valid
    # Stamped at the fixed test time, weeks away from today's clock: too old or in the future.
    stale = verify_did_jws(hand_made(header(), claims()), resolver, typ=TYP, audience=AUD)
    assert abs(time.time() - NOW) > 3600
    assert not stale.valid and "iat" in stale.reasons[0], stale.reasons


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), 10**400, 1e300, -1, True],
    ids=["nan", "inf", "-inf", "huge-int", "huge-float", "negative", "bool"],
)
def test_dates_must_be_finite_numbers(value: Any) -> None:
    # json.dumps writes NaN / Infinity literals, which Python's JSON parser (so PyJWT) reads back.
    assert not check(hand_made(header(), claims(iat=value))).valid
    for name in ("exp", "nbf"):
        refused = check(hand_made(header(), claims(**{name: value})))
        assert not refused.valid and f"{name} must be a finite number" in refused.reasons[0]


def test_exp_and_nbf_are_honoured() -> None:
    assert check(hand_made(header(), claims(exp=int(NOW) + 60, nbf=int(NOW) - 60))).valid
    assert "not valid yet" in check(hand_made(header(), claims(nbf=int(NOW) + 3600))).reasons[0]


@pytest.mark.parametrize(
    "kid",
    [
        f"{DID}\n#{KEY.public_key.multibase}",
        f"{DID}?service=x#{KEY.public_key.multibase}",
        f"{DID}/path#{KEY.public_key.multibase}",
        f"{DID}#",
        f"{DID}#{KEY.public_key.multibase}\n",
        f"{DID}#{KEY.public_key.multibase}#again",
    ],
)
def test_the_kid_is_a_did_and_a_fragment_and_nothing_else(kid: str) -> None:
    refused = check(hand_made(header(kid=kid), claims()), expected_did=None)
    assert not refused.valid and "kid must be a DID URL" in refused.reasons[0]
    assert "\n" not in refused.reasons[0] and "service" not in refused.reasons[0]
