"""Checking a credential's ``LivenessClaimSignature`` evidence: the claim a holder presents later.

A verifier of the credential itself can check what a zero-knowledge verifier never sees: that the
claim is signed by the key it names, that the key is the issuer's, and that the claim says what
the credential says (its id, its expiry, the liveness time and, with a face match, the Groth16
proof's commitment). The key is the issuer's when the issuer's DID document lists it under
``assertionMethod`` (did:web), or else because the issuer's own Ed25519 proof over the credential
covers the entry (did:key: its document is derived from the DID and cannot list a second key).
docs/zk-presentations.md, "Trust in the issuer's BabyJubJub key", has the reasoning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from did import DIDError, DIDResolver, FetchBusy
from issuer.credential import parse_datetime
from issuer.liveness_claims import NO_EXPIRY
from issuer.outcomes import CheckOutcome, types_of
from zk import SignedClaim, ZKError, credential_id_hash
from zk.claim import CLAIM_TYPE

__all__ = ["check_claim_evidence"]

NAME = "zkClaim"


def _failed(message: str) -> list[CheckOutcome]:
    return [CheckOutcome(NAME, "failed", message, "evidence_invalid")]


def _seconds(value: object) -> int | None:
    parsed = parse_datetime(value)
    return int(parsed.timestamp()) if parsed is not None else None


def check_claim_evidence(view: Mapping[str, Any], issuer: str | None, resolver: DIDResolver) -> list[CheckOutcome]:
    """The ``zkClaim`` outcome of a signed credential view; nothing when it carries no claim."""
    raw = view.get("evidence")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    entries = [e for e in items if isinstance(e, dict) and CLAIM_TYPE in types_of(e)]
    if not entries:
        return []
    if len(entries) > 1:
        return _failed(f"more than one {CLAIM_TYPE}")
    try:
        signed = SignedClaim.from_json({**entries[0], "type": CLAIM_TYPE})
    except ZKError as exc:
        return _failed(f"malformed {CLAIM_TYPE}: {exc.message}")
    if not signed.verify():
        return _failed("the claim's EdDSA-Poseidon signature does not verify")
    method = signed.verification_method
    if issuer is None or method is None or not method.startswith(issuer + "#"):
        return _failed("the claim's verificationMethod is not a key of the credential's issuer")
    claim = signed.claim
    subject = view.get("credentialSubject")
    stamp = _seconds(subject.get("timestamp")) if isinstance(subject, dict) else None
    expiry = view.get("expirationDate", view.get("validUntil"))
    until = _seconds(expiry) if expiry is not None else NO_EXPIRY
    if not isinstance(view.get("id"), str) or claim.credential_id_hash != credential_id_hash(view["id"]):
        return _failed("the claim is for another credential id")
    if claim.timestamp != stamp or claim.valid_until != until:
        return _failed("the claim's timestamp or validUntil differ from the credential's")
    groth16 = [e for e in items if isinstance(e, dict) and "Groth16FaceMatchProof" in types_of(e)]
    if any(str(e.get("commitment")) != str(claim.score_commitment) for e in groth16):
        return _failed("the claim's score commitment is not the Groth16 proof's")
    try:
        listed = resolver.verification_method(method, "assertionMethod").babyjubjub_coordinates()
    except FetchBusy:
        raise
    except DIDError:
        listed = None
    if listed is not None and listed != signed.public_key.point:
        return _failed("the claim's key is not the one the issuer's DID document lists")
    how = "listed in the issuer's DID document" if listed else "vouched for by the issuer's proof over the credential"
    return [CheckOutcome(NAME, "passed", f"the claim is signed by the issuer's BabyJubJub key ({how})")]
