"""One issuer, one holder and one signed claim for the presentation tests (fixed keys, golden).

The holder's openings (score, salt, holder secret) are what the issuance response gives it.
"""

from __future__ import annotations

from zk import (
    BabyJubJubKey,
    LivenessClaim,
    PresentationRequest,
    SignedClaim,
    checks_mask,
    credential_id_hash,
    holder_commitment,
    nonce_to_field,
    poseidon,
)
from zk.presentation import domain_hash

ISSUER = BabyJubJubKey.from_seed(bytes(range(32)))
OTHER_ISSUER = BabyJubJubKey.from_seed(bytes(range(1, 33)))

SCORE = 7423
SALT = 918273645546372819
HOLDER_SECRET = 5550123456789012345678901234567890
TIMESTAMP = 1767225600  # 2026-01-01T00:00:00Z
VALID_UNTIL = TIMESTAMP + 365 * 86400
CHECKS = checks_mask(["antispoof", "challenges", "same_person", "face_match"])  # no 3d_turn

CLAIM = LivenessClaim(
    score_commitment=poseidon([SCORE, SALT]),
    checks=CHECKS,
    timestamp=TIMESTAMP,
    valid_until=VALID_UNTIL,
    credential_id_hash=credential_id_hash("urn:uuid:3f1d0c52-64c5-4bd4-9d0e-5c8b6a9f2e11"),
    holder_commitment=holder_commitment(HOLDER_SECRET),
)
SIGNED = SignedClaim.sign(CLAIM, ISSUER, verification_method="did:web:issuer.example#bjj-1")

REQUEST = PresentationRequest(
    threshold=6000,
    required_checks=checks_mask(["antispoof", "challenges"]),
    not_before=TIMESTAMP - 3600,
    at_time=TIMESTAMP + 30 * 86400,
    nonce=nonce_to_field("verifier-nonce-7f3a"),
    domain=domain_hash("https://verifier.example"),
    scope=0,
)
