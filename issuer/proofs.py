"""Linked-data proofs over Ed25519: ``eddsa-rdfc-2022`` (Data Integrity) and ``Ed25519Signature2020``.

Both suites sign the same thing: ``sha256(RDFC(proof options)) || sha256(RDFC(document))``, with
the proof options canonicalised under the document's ``@context`` (or the proof's own, when it
carries one, as didkit's Ed25519Signature2020 proofs do). They differ in the proof's shape and
the context that defines its terms (data-integrity/v2 vs. suites/ed25519-2020/v1).

``create_proof`` raises on input it cannot sign; ``verify_proof`` never raises for a bad
credential: it returns a ``ProofCheck`` saying why the proof does not hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from did import DIDError, Ed25519KeyPair, Ed25519PublicKey
from did._multiformats import multibase_b58_decode, multibase_b58_encode
from issuer._exceptions import InvalidCredential, IssuerError, UnsupportedProofType
from issuer.canonical import canonicalize
from issuer.contexts import CREDENTIALS_V2, DATA_INTEGRITY_V2, ED25519_2020_V1, ContextLoader

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
PROOF_TYPES = (EDDSA_RDFC_2022, ED25519_SIGNATURE_2020)
SUITE_CONTEXT = {EDDSA_RDFC_2022: DATA_INTEGRITY_V2, ED25519_SIGNATURE_2020: ED25519_2020_V1}


@dataclass(frozen=True, slots=True)
class ProofCheck:
    verified: bool
    verification_method: str | None
    reason: str | None = None


def _contexts(document: dict[str, Any]) -> list[Any]:
    ctx = document.get("@context")
    return list(ctx) if isinstance(ctx, list) else [ctx] if ctx is not None else []


def _defines_suite(ctx: list[Any], proof_type: str) -> bool:
    # The credentials v2 context defines DataIntegrityProof itself.
    return SUITE_CONTEXT[proof_type] in ctx or (proof_type == EDDSA_RDFC_2022 and CREDENTIALS_V2 in ctx)


def with_suite_context(document: dict[str, Any], proof_type: str) -> dict[str, Any]:
    """``document`` with the suite's context appended to ``@context`` if it lacks it."""
    if proof_type not in SUITE_CONTEXT:
        raise UnsupportedProofType(f"unsupported proof type {proof_type!r}; use one of {', '.join(PROOF_TYPES)}")
    ctx = _contexts(document)
    if _defines_suite(ctx, proof_type):
        return document
    return {**document, "@context": [*ctx, SUITE_CONTEXT[proof_type]]}


def _hash_data(document: dict[str, Any], options: dict[str, Any], loader: ContextLoader, *, signing: bool) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in options.items() if k not in ("proofValue", "jws", "signatureValue")}
    config.setdefault("@context", document.get("@context"))
    # Proof options we built ourselves need no undefined-term check; ones read from a credential do.
    proof_hash = hashlib.sha256(canonicalize(config, loader, strict=not signing).encode()).digest()
    doc_hash = hashlib.sha256(canonicalize(unsecured, loader, strict=True).encode()).digest()
    return proof_hash + doc_hash


def proof_options(proof_type: str, verification_method: str, created: str, purpose: str) -> dict[str, Any]:
    if proof_type == EDDSA_RDFC_2022:
        return {
            "type": "DataIntegrityProof",
            "cryptosuite": EDDSA_RDFC_2022,
            "created": created,
            "verificationMethod": verification_method,
            "proofPurpose": purpose,
        }
    if proof_type == ED25519_SIGNATURE_2020:
        return {
            "type": ED25519_SIGNATURE_2020,
            "created": created,
            "verificationMethod": verification_method,
            "proofPurpose": purpose,
        }
    raise UnsupportedProofType(f"unsupported proof type {proof_type!r}; use one of {', '.join(PROOF_TYPES)}")


def create_proof(
    document: dict[str, Any],
    key: Ed25519KeyPair,
    *,
    verification_method: str,
    created: str,
    loader: ContextLoader,
    proof_type: str = EDDSA_RDFC_2022,
    purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Sign ``document`` (which must already carry the suite's context) and return it with ``proof``."""
    if "proof" in document:
        raise InvalidCredential("the credential already has a proof")
    options = proof_options(proof_type, verification_method, created, purpose)
    if not _defines_suite(_contexts(document), proof_type):
        raise InvalidCredential(f"the credential's @context must include {SUITE_CONTEXT[proof_type]}")
    signature = key.sign(_hash_data(document, options, loader, signing=True))
    return {**document, "proof": {**options, "proofValue": multibase_b58_encode(signature)}}


def suite_of(proof: dict[str, Any]) -> str | None:
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") == EDDSA_RDFC_2022:
        return EDDSA_RDFC_2022
    if proof.get("type") == ED25519_SIGNATURE_2020:
        return ED25519_SIGNATURE_2020
    return None


KeyLookup = Callable[[str, str], Ed25519PublicKey]


def verify_proof(
    document: dict[str, Any],
    lookup_key: KeyLookup,
    loader: ContextLoader,
    *,
    expected_purpose: str = "assertionMethod",
    expected_controller: str | None = None,
) -> ProofCheck:
    """Check the single proof on ``document``. ``lookup_key(vm_id, purpose)`` resolves the key."""
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            return ProofCheck(False, None, "expected exactly one proof")
        proof = proof[0]
    if not isinstance(proof, dict):
        return ProofCheck(False, None, "the credential has no proof")
    vm = proof.get("verificationMethod")
    vm_id = vm if isinstance(vm, str) else None
    suite = suite_of(proof)
    if suite is None:
        return ProofCheck(False, vm_id, f"unsupported proof type; use one of {', '.join(PROOF_TYPES)}")
    if vm_id is None:
        return ProofCheck(False, None, "the proof names no verificationMethod")
    if proof.get("proofPurpose") != expected_purpose:
        return ProofCheck(False, vm_id, f"proofPurpose is not {expected_purpose}")
    if expected_controller is not None and vm_id.split("#", 1)[0] != expected_controller:
        return ProofCheck(False, vm_id, "the verification method does not belong to the issuer")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        return ProofCheck(False, vm_id, "the proof has no proofValue")
    try:
        signature = multibase_b58_decode(value)
    except DIDError:
        return ProofCheck(False, vm_id, "proofValue is not base58btc multibase")
    try:
        key = lookup_key(vm_id, expected_purpose)
    except DIDError as exc:
        return ProofCheck(False, vm_id, f"verification method not usable: {exc.message}")
    try:
        message = _hash_data(document, proof, loader, signing=False)
    except IssuerError as exc:
        return ProofCheck(False, vm_id, f"cannot canonicalise ({exc.code})")
    if not key.verify(signature, message):
        return ProofCheck(False, vm_id, "the signature does not verify")
    return ProofCheck(True, vm_id)
