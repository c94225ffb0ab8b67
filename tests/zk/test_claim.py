"""The liveness claim: field encodings as the spec defines them, the signed message, and the
``LivenessClaimSignature`` JSON, with strict parsing and tampered copies that must fail."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from zk import (
    CHECK_BITS,
    CLAIM_TAG,
    SCALAR_FIELD_ORDER,
    BabyJubJubKey,
    InvalidClaim,
    InvalidPublicKey,
    LivenessClaim,
    MalformedSignature,
    SignedClaim,
    ZKError,
    checks_mask,
    credential_id_hash,
    holder_commitment,
    poseidon,
)

KEY = BabyJubJubKey.from_seed(bytes(range(32)))
CREDENTIAL_ID = "urn:uuid:0b9c0e2e-8f3a-4c3e-9d55-6c1b2f7a9e10"
CLAIM = LivenessClaim(
    score_commitment=poseidon([7423, 5]),
    checks=31,
    timestamp=1767225600,
    valid_until=1798761600,
    credential_id_hash=credential_id_hash(CREDENTIAL_ID),
    holder_commitment=holder_commitment(424242),
)
# Golden values (fixed key, fixed claim).
MESSAGE = 6669227584901153504838980712668565971298659067017684155576348840689819609687
SIGNATURE = {
    "R8x": "17599351349878287253739548177773610330095811181361827532950555882456724401021",
    "R8y": "11322806177840797758021567752934245260549333741904484171902705818673931987802",
    "S": "1552453816073837885038317467664014024555345749036155662821161552574453118384",
}


def test_encodings_follow_the_spec() -> None:
    assert int.from_bytes(hashlib.sha256(b"livecred LivenessClaim v1").digest(), "big") >> 3 == CLAIM_TAG
    assert CLAIM_TAG == 12079938832192533987656044989090509067215506329444790696940684246770830430169
    digest = hashlib.sha256(CREDENTIAL_ID.encode()).digest()
    assert credential_id_hash(CREDENTIAL_ID) == int.from_bytes(digest, "big") >> 3 < 2**253
    assert holder_commitment(424242) == poseidon([424242])
    assert dict(CHECK_BITS) == {"antispoof": 1, "challenges": 2, "same_person": 4, "3d_turn": 8, "face_match": 16}
    assert checks_mask(CHECK_BITS) == 31 and checks_mask([]) == 0
    assert checks_mask(["antispoof", "face_match", "antispoof"]) == 17
    with pytest.raises(InvalidClaim):
        checks_mask(["antispoof", "retina"])
    for bad in ("", 5):
        with pytest.raises(InvalidClaim):
            credential_id_hash(bad)  # type: ignore[arg-type]
    for bad_secret in (-1, SCALAR_FIELD_ORDER, True):
        with pytest.raises(InvalidClaim):
            holder_commitment(bad_secret)


def test_the_message_and_golden_signature() -> None:
    assert CLAIM.message() == poseidon([CLAIM_TAG, *CLAIM.fields()]) == MESSAGE
    signed = SignedClaim.sign(CLAIM, KEY, verification_method="did:web:issuer.example#bjj-1")
    assert signed.signature.to_json() == SIGNATURE
    assert signed.verify()


def test_json_round_trip_in_the_credential_shape() -> None:
    signed = SignedClaim.sign(CLAIM, KEY, verification_method="did:web:issuer.example#bjj-1")
    data = signed.to_json()
    assert data == {
        "type": "LivenessClaimSignature",
        "verificationMethod": "did:web:issuer.example#bjj-1",
        "publicKey": KEY.public_key.to_json(),
        "claim": {
            "scoreCommitment": str(CLAIM.score_commitment),
            "checks": "31",
            "timestamp": "1767225600",
            "validUntil": "1798761600",
            "credentialIdHash": str(CLAIM.credential_id_hash),
            "holderCommitment": str(CLAIM.holder_commitment),
        },
        "signature": SIGNATURE,
    }
    assert SignedClaim.from_json(data) == signed
    without_method = SignedClaim.sign(CLAIM, KEY)
    assert "verificationMethod" not in without_method.to_json()
    assert SignedClaim.from_json(without_method.to_json()) == without_method


@pytest.mark.parametrize(
    "field",
    ["scoreCommitment", "checks", "timestamp", "validUntil", "credentialIdHash", "holderCommitment"],
)
def test_each_tampered_claim_field_breaks_the_signature(field: str) -> None:
    data = SignedClaim.sign(CLAIM, KEY).to_json()
    data["claim"][field] = str(int(data["claim"][field]) + 1)
    assert not SignedClaim.from_json(data).verify()


def test_another_key_or_signature_does_not_verify() -> None:
    other = BabyJubJubKey.from_seed(bytes(32))
    data = SignedClaim.sign(CLAIM, KEY).to_json()
    data["publicKey"] = other.public_key.to_json()
    assert not SignedClaim.from_json(data).verify()
    data = SignedClaim.sign(CLAIM, KEY).to_json()
    data["signature"] = other.sign(CLAIM.message()).to_json()
    assert not SignedClaim.from_json(data).verify()
    assert SignedClaim.sign(CLAIM, other).verify()


def _mutated(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = SignedClaim.sign(CLAIM, KEY).to_json()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("type",), "LivenessCredential", InvalidClaim),
        (("type",), _DELETE, InvalidClaim),
        (("claim",), _DELETE, InvalidClaim),
        (("extra",), 1, InvalidClaim),
        (("verificationMethod",), 5, InvalidClaim),
        (("claim", "checks"), "256", InvalidClaim),
        (("claim", "checks"), 31, InvalidClaim),
        (("claim", "timestamp"), str(2**40), InvalidClaim),
        (("claim", "validUntil"), "-1", InvalidClaim),
        (("claim", "credentialIdHash"), str(2**253), InvalidClaim),
        (("claim", "scoreCommitment"), str(SCALAR_FIELD_ORDER), InvalidClaim),
        (("claim", "holderCommitment"), "01", InvalidClaim),
        (("claim", "holderCommitment"), _DELETE, InvalidClaim),
        (("claim", "score"), "7423", InvalidClaim),
        (("publicKey", "x"), "1", InvalidPublicKey),
        (("signature", "S"), str(2**253), MalformedSignature),
    ],
)
def test_malformed_claims_are_refused(path: tuple[str, ...], value: Any, error: type[ZKError]) -> None:
    with pytest.raises(error):
        SignedClaim.from_json(_mutated(path, value))


def test_claim_ranges_on_construction() -> None:
    with pytest.raises(InvalidClaim):
        LivenessClaim(1, 2**8, 0, 0, 0, 0)
    with pytest.raises(InvalidClaim):
        LivenessClaim(1, 0, 2**40, 0, 0, 0)
    with pytest.raises(InvalidClaim):
        LivenessClaim(1, 0, 0, 0, 0, True)
