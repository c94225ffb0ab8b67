"""The issuer's side of zero-knowledge presentations: its BabyJubJub key and the signed claim.

The issuer keeps one secret, its Ed25519 key; the BabyJubJub key that signs liveness claims is
derived from it (HKDF-SHA256, info ``livecred babyjubjub issuer key v1``), so existing key files
and settings keep working and replicas sharing the key sign with the same BabyJubJub key.

A claim binds what the credential says to what a holder can later prove in zero knowledge
(docs/zk-presentations.md): the face-match score commitment, the checks passed (as a bitmask),
the liveness time, the credential's expiry, a hash of its id and the holder's commitment. It is
signed before the credential is, and travels as a ``LivenessClaimSignature`` evidence entry that
the credential's Ed25519 proof covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from did import Ed25519KeyPair
from zk import CHECK_BITS, BabyJubJubKey, LivenessClaim, SignedClaim, credential_id_hash

__all__ = [
    "BABYJUBJUB_KEY_INFO",
    "NO_EXPIRY",
    "ClaimCommitments",
    "claim_checks",
    "derive_babyjubjub_key",
    "liveness_claim",
    "sign_claim_evidence",
]

BABYJUBJUB_KEY_INFO = b"livecred babyjubjub issuer key v1"
# validUntil of a claim whose credential never expires: the largest value the circuit accepts.
NO_EXPIRY = (1 << 40) - 1


def derive_babyjubjub_key(key: Ed25519KeyPair) -> BabyJubJubKey:
    """The issuer's BabyJubJub key, derived from its Ed25519 key."""
    return BabyJubJubKey.from_seed(key.derive_secret(BABYJUBJUB_KEY_INFO))


@dataclass(frozen=True, slots=True)
class ClaimCommitments:
    """What the issuer signs without knowing: ``Poseidon(score, salt)`` and ``Poseidon(holderSecret)``."""

    score_commitment: int
    holder_commitment: int


def claim_checks(checks: Iterable[str], challenges: Sequence[str] = ()) -> list[str]:
    """The claim's check names from a take's: the named checks it knows, and ``challenges`` when
    every challenge of the take (smile, blink, turns ...) is among them."""
    names = list(dict.fromkeys(checks))
    known = [name for name in names if name in CHECK_BITS and name != "challenges"]
    if challenges and all(kind in names for kind in challenges):
        known.append("challenges")
    return known


def _seconds(value: datetime) -> int:
    return int(value.timestamp())


def liveness_claim(
    commitments: ClaimCommitments,
    *,
    checks: int,
    timestamp: datetime,
    valid_until: datetime | None,
    credential_id: str,
) -> LivenessClaim:
    return LivenessClaim(
        score_commitment=commitments.score_commitment,
        checks=checks,
        timestamp=_seconds(timestamp),
        valid_until=_seconds(valid_until) if valid_until is not None else NO_EXPIRY,
        credential_id_hash=credential_id_hash(credential_id),
        holder_commitment=commitments.holder_commitment,
    )


def sign_claim_evidence(claim: LivenessClaim, key: BabyJubJubKey, verification_method: str) -> dict[str, Any]:
    """The ``LivenessClaimSignature`` evidence entry for ``claim``, signed by ``key``."""
    return SignedClaim.sign(claim, key, verification_method=verification_method).to_json()
