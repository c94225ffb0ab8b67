"""The issuer-signed liveness claim that a holder's presentation proof opens inside the circuit.

Six field elements (``docs/zk-presentations.md``, "The issuer-signed claim")::

    scoreCommitment   Poseidon(score, salt), the face-match commitment of the credential
    checks            bitmask of the checks passed (CHECK_BITS), < 2^8
    timestamp         the liveness check, unix seconds, < 2^40
    validUntil        the credential's expiry, unix seconds, < 2^40
    credentialIdHash  int(sha256(credential id)) >> 3, < 2^253
    holderCommitment  Poseidon(holderSecret)

The issuer signs ``M = Poseidon(CLAIM_TAG, <the six, in this order>)`` with EdDSA-Poseidon
(:mod:`zk.eddsa`). A :class:`SignedClaim` is the credential's ``LivenessClaimSignature``
evidence entry::

    {"type": "LivenessClaimSignature", "verificationMethod": "did:web:...#bjj-1",
     "publicKey": {"x": "...", "y": "..."},
     "claim": {"scoreCommitment": "...", "checks": "...", "timestamp": "...", "validUntil": "...",
               "credentialIdHash": "...", "holderCommitment": "..."},
     "signature": {"R8x": "...", "R8y": "...", "S": "..."}}

Every number is a canonical decimal string. Parsing is strict (unknown fields, missing fields,
out-of-range values raise :class:`InvalidClaim`); whether the signature verifies is a verdict
(:meth:`SignedClaim.verify`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zk._babyjub import P
from zk._exceptions import InvalidClaim
from zk._poseidon import poseidon
from zk.eddsa import (
    BabyJubJubKey,
    BabyJubJubPublicKey,
    EdDSASignature,
    parse_field_decimal,
    verify_eddsa_poseidon,
)

__all__ = [
    "CHECKS_BITS",
    "CHECK_BITS",
    "CLAIM_TAG",
    "CLAIM_TYPE",
    "CREDENTIAL_ID_BITS",
    "TIME_BITS",
    "LivenessClaim",
    "SignedClaim",
    "checks_mask",
    "credential_id_hash",
    "holder_commitment",
]

# Bit of each check in `checks` (and in a verifier's `requiredChecks`).
CHECK_BITS: Mapping[str, int] = {
    "antispoof": 1,
    "challenges": 2,
    "same_person": 4,
    "3d_turn": 8,
    "face_match": 16,
}
CHECKS_BITS = 8  # checks and requiredChecks are < 2^8
TIME_BITS = 40  # unix seconds are < 2^40
CREDENTIAL_ID_BITS = 253

CLAIM_TAG = int.from_bytes(hashlib.sha256(b"livecred LivenessClaim v1").digest(), "big") >> 3
CLAIM_TYPE = "LivenessClaimSignature"
CLAIM_FIELDS = ("scoreCommitment", "checks", "timestamp", "validUntil", "credentialIdHash", "holderCommitment")


def checks_mask(names: Iterable[str]) -> int:
    """The bitmask of the named checks; an unknown name raises :class:`InvalidClaim`."""
    mask = 0
    for name in names:
        bit = CHECK_BITS.get(name) if isinstance(name, str) else None
        if bit is None:
            raise InvalidClaim(f"unknown check {str(name)[:40]!r}; known: {', '.join(CHECK_BITS)}", field="checks")
        mask |= bit
    return mask


def credential_id_hash(credential_id: str) -> int:
    """``int(sha256(credential id, UTF-8), big-endian) >> 3``: the credential id as 253 bits."""
    if not isinstance(credential_id, str) or not credential_id:
        raise InvalidClaim("the credential id must be a non-empty string", field="credentialId")
    return int.from_bytes(hashlib.sha256(credential_id.encode("utf-8")).digest(), "big") >> 3


def holder_commitment(holder_secret: int) -> int:
    """``Poseidon(holderSecret)``: what the holder sends the issuer instead of its secret."""
    if isinstance(holder_secret, bool) or not isinstance(holder_secret, int) or not 0 <= holder_secret < P:
        raise InvalidClaim("the holder secret must be a BN254 scalar-field element", field="holderSecret")
    return poseidon([holder_secret])


_BOUNDS = {
    "scoreCommitment": P,
    "checks": 1 << CHECKS_BITS,
    "timestamp": 1 << TIME_BITS,
    "validUntil": 1 << TIME_BITS,
    "credentialIdHash": 1 << CREDENTIAL_ID_BITS,
    "holderCommitment": P,
}


@dataclass(frozen=True, slots=True)
class LivenessClaim:
    """The six claim fields as integers, each checked against its range on construction."""

    score_commitment: int
    checks: int
    timestamp: int
    valid_until: int
    credential_id_hash: int
    holder_commitment: int

    def __post_init__(self) -> None:
        for name, value in zip(CLAIM_FIELDS, self.fields(), strict=True):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _BOUNDS[name]:
                raise InvalidClaim(f"claim {name} is out of range", field=name)

    def fields(self) -> tuple[int, int, int, int, int, int]:
        """The six values in the signed order."""
        return (
            self.score_commitment,
            self.checks,
            self.timestamp,
            self.valid_until,
            self.credential_id_hash,
            self.holder_commitment,
        )

    def message(self) -> int:
        """``M = Poseidon(CLAIM_TAG, scoreCommitment, checks, timestamp, validUntil,
        credentialIdHash, holderCommitment)``: the field element the issuer signs."""
        return poseidon([CLAIM_TAG, *self.fields()])

    @classmethod
    def from_json(cls, data: Any) -> LivenessClaim:
        if not isinstance(data, Mapping):
            raise InvalidClaim("claim must be an object")
        missing = [k for k in CLAIM_FIELDS if k not in data]
        if missing:
            raise InvalidClaim(f"claim has no {', '.join(missing)}")
        extra = sorted(str(k) for k in data if k not in CLAIM_FIELDS)
        if extra:
            raise InvalidClaim(f"claim has unknown fields: {', '.join(extra)}")
        values = [parse_field_decimal(data[k], k, InvalidClaim, bound=_BOUNDS[k]) for k in CLAIM_FIELDS]
        return cls(*values)

    def to_json(self) -> dict[str, str]:
        return {name: str(value) for name, value in zip(CLAIM_FIELDS, self.fields(), strict=True)}


@dataclass(frozen=True, slots=True)
class SignedClaim:
    """A claim, the issuer's BabyJubJub public key, and its signature over ``claim.message()``.

    ``verification_method`` is the DID URL of the key (``did:...#bjj-1``) when the claim travels
    in a credential; the issuer sets it, and a verifier resolves it to decide whether to trust
    ``public_key``. Parsing does not check the signature: :meth:`verify` does.
    """

    claim: LivenessClaim
    public_key: BabyJubJubPublicKey
    signature: EdDSASignature
    verification_method: str | None = None

    @classmethod
    def sign(cls, claim: LivenessClaim, key: BabyJubJubKey, *, verification_method: str | None = None) -> SignedClaim:
        return cls(claim, key.public_key, key.sign(claim.message()), verification_method)

    def verify(self) -> bool:
        """The signature is ``public_key``'s over this claim (not: that the key is trusted)."""
        return verify_eddsa_poseidon(self.public_key, self.claim.message(), self.signature)

    @classmethod
    def from_json(cls, data: Any) -> SignedClaim:
        """The ``LivenessClaimSignature`` evidence entry; raises :class:`InvalidClaim` (or
        :class:`~zk.InvalidPublicKey` / :class:`~zk.MalformedSignature` for those parts)."""
        if not isinstance(data, Mapping):
            raise InvalidClaim("a LivenessClaimSignature must be an object")
        if data.get("type") != CLAIM_TYPE:
            raise InvalidClaim(f"type must be {CLAIM_TYPE}", field="type")
        allowed = {"type", "verificationMethod", "publicKey", "claim", "signature"}
        extra = sorted(str(k) for k in data if k not in allowed)
        if extra:
            raise InvalidClaim(f"{CLAIM_TYPE} has unknown fields: {', '.join(extra)}")
        for name in ("publicKey", "claim", "signature"):
            if name not in data:
                raise InvalidClaim(f"{CLAIM_TYPE} has no {name}", field=name)
        method = data.get("verificationMethod")
        if method is not None and (not isinstance(method, str) or not method or len(method) > 2048):
            raise InvalidClaim("verificationMethod must be a non-empty string", field="verificationMethod")
        return cls(
            claim=LivenessClaim.from_json(data["claim"]),
            public_key=BabyJubJubPublicKey.from_json(data["publicKey"]),
            signature=EdDSASignature.from_json(data["signature"]),
            verification_method=method,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": CLAIM_TYPE}
        if self.verification_method is not None:
            data["verificationMethod"] = self.verification_method
        data["publicKey"] = self.public_key.to_json()
        data["claim"] = self.claim.to_json()
        data["signature"] = self.signature.to_json()
        return data
