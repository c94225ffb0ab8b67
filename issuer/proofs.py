"""Linked-data proofs over Ed25519: ``eddsa-rdfc-2022`` (Data Integrity) and ``Ed25519Signature2020``.

Both suites sign the same thing: ``sha256(RDFC(proof options)) || sha256(RDFC(document))``, with
the proof options canonicalised under the document's ``@context`` (or the proof's own, when it
carries one, as didkit's Ed25519Signature2020 proofs do). They differ in the proof's shape and
the context that defines its terms (data-integrity/v2 vs. suites/ed25519-2020/v1).

``eddsa-jcs-2022`` signs ``sha256(JCS(proof options)) || sha256(JCS(document))`` (RFC 8785): the
JSON itself, no JSON-LD processing. It is accepted for presentations only (``PRESENTATION_PROOF_TYPES``),
where it lets a browser wallet sign without an RDF canonicaliser; a credential's policy is read
from its signed graph, so credentials keep the RDF suites.

A proof in a set or chain (``issuer.proof_sets``) is hashed over the document with ``proof`` set
to the proofs its ``previousProof`` names (``previous``), as Data Integrity 1.0 specifies.

``create_proof`` raises on input it cannot sign; ``verify_proof`` never raises for a bad
credential: it returns a ``ProofCheck`` saying why the proof does not hold. The one exception is
a document too complex to canonicalise (``CredentialTooComplex``): hostile input, not a verdict.

Verification runs cheapest first and does no JSON-LD work until the rest holds: the proof's
shape (``parse_proof``), the key (resolved by the caller), the structural caps, and only then
canonicalisation and the signature (``check_signature``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import rfc8785

from did import DIDError, Ed25519KeyPair, Ed25519PublicKey, FetchBusy
from did._multiformats import multibase_b58_decode, multibase_b58_encode
from issuer._exceptions import CredentialTooComplex, InvalidCredential, IssuerError, UnsupportedProofType
from issuer.canonical import canonicalize
from issuer.complexity import check_structure
from issuer.contexts import CREDENTIALS_V2, DATA_INTEGRITY_V2, ED25519_2020_V1, ContextLoader

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
EDDSA_JCS_2022 = "eddsa-jcs-2022"
PROOF_TYPES = (EDDSA_RDFC_2022, ED25519_SIGNATURE_2020)
PRESENTATION_PROOF_TYPES = (*PROOF_TYPES, EDDSA_JCS_2022)
SUITE_CONTEXT = {
    EDDSA_RDFC_2022: DATA_INTEGRITY_V2,
    ED25519_SIGNATURE_2020: ED25519_2020_V1,
    EDDSA_JCS_2022: DATA_INTEGRITY_V2,
}
DATA_INTEGRITY_SUITES = (EDDSA_RDFC_2022, EDDSA_JCS_2022)
# "z" + base58btc of a 64-byte signature is at most 89 characters; base58 decoding is quadratic,
# so nothing much longer is decoded. DID URLs are bounded for the same reason (did:key decodes).
MAX_PROOF_VALUE_CHARS = 100
MAX_VERIFICATION_METHOD_CHARS = 1024


@dataclass(frozen=True, slots=True)
class ProofCheck:
    verified: bool
    verification_method: str | None
    reason: str | None = None
    # A machine code where the caller must tell this failure apart (``untrusted_issuer``).
    code: str | None = None


def _contexts(document: dict[str, Any]) -> list[Any]:
    ctx = document.get("@context")
    return list(ctx) if isinstance(ctx, list) else [ctx] if ctx is not None else []


def _defines_suite(ctx: list[Any], proof_type: str) -> bool:
    # The credentials v2 context defines DataIntegrityProof itself.
    return SUITE_CONTEXT[proof_type] in ctx or (proof_type in DATA_INTEGRITY_SUITES and CREDENTIALS_V2 in ctx)


def with_suite_context(document: dict[str, Any], proof_type: str) -> dict[str, Any]:
    """``document`` with the suite's context appended to ``@context`` if it lacks it."""
    if proof_type not in SUITE_CONTEXT:
        raise UnsupportedProofType(f"unsupported proof type {proof_type!r}; use one of {', '.join(PROOF_TYPES)}")
    ctx = _contexts(document)
    if _defines_suite(ctx, proof_type):
        return document
    return {**document, "@context": [*ctx, SUITE_CONTEXT[proof_type]]}


def _jcs(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise InvalidCredential("the document has a number JCS cannot represent") from exc


def _hash_data(
    document: dict[str, Any],
    options: dict[str, Any],
    loader: ContextLoader,
    *,
    signing: bool,
    previous: list[dict[str, Any]] | None = None,
) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous:
        unsecured["proof"] = previous
    config = {k: v for k, v in options.items() if k not in ("proofValue", "jws", "signatureValue")}
    config.setdefault("@context", document.get("@context"))
    if config.get("cryptosuite") == EDDSA_JCS_2022:
        # The proof's @context must be the document's (a prefix of it): a verifier reads the
        # document's terms under the contexts the signer named.
        ctx, own = _contexts(document), config["@context"]
        own_list = own if isinstance(own, list) else [own]
        if ctx[: len(own_list)] != own_list:
            raise InvalidCredential("the proof's @context is not the document's")
        return hashlib.sha256(_jcs(config)).digest() + hashlib.sha256(_jcs(unsecured)).digest()
    # Proof options we built ourselves need no undefined-term check; ones read from a credential do.
    proof_hash = hashlib.sha256(canonicalize(config, loader, strict=not signing).encode()).digest()
    doc_hash = hashlib.sha256(canonicalize(unsecured, loader, strict=True).encode()).digest()
    return proof_hash + doc_hash


def proof_options(
    proof_type: str,
    verification_method: str,
    created: str,
    purpose: str,
    *,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """The proof's options; ``challenge`` and ``domain`` bind a presentation to one verifier's request."""
    bound = {k: v for k, v in (("challenge", challenge), ("domain", domain)) if v is not None}
    if proof_type in DATA_INTEGRITY_SUITES:
        return {
            "type": "DataIntegrityProof",
            "cryptosuite": proof_type,
            "created": created,
            "verificationMethod": verification_method,
            "proofPurpose": purpose,
            **bound,
        }
    if proof_type == ED25519_SIGNATURE_2020:
        return {
            "type": ED25519_SIGNATURE_2020,
            "created": created,
            "verificationMethod": verification_method,
            "proofPurpose": purpose,
            **bound,
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
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """Sign ``document`` (which must already carry the suite's context) and return it with ``proof``."""
    if "proof" in document:
        raise InvalidCredential("the credential already has a proof")
    options = proof_options(proof_type, verification_method, created, purpose, challenge=challenge, domain=domain)
    if not _defines_suite(_contexts(document), proof_type):
        raise InvalidCredential(f"the credential's @context must include {SUITE_CONTEXT[proof_type]}")
    if proof_type == EDDSA_JCS_2022:
        options["@context"] = document["@context"]
    signature = key.sign(_hash_data(document, options, loader, signing=True))
    return {**document, "proof": {**options, "proofValue": multibase_b58_encode(signature)}}


def suite_of(proof: dict[str, Any]) -> str | None:
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") in DATA_INTEGRITY_SUITES:
        return str(proof["cryptosuite"])
    if proof.get("type") == ED25519_SIGNATURE_2020:
        return ED25519_SIGNATURE_2020
    return None


KeyLookup = Callable[[str, str], Ed25519PublicKey]


@dataclass(frozen=True, slots=True)
class ParsedProof:
    """A proof whose shape holds; what is left is its key and its signature over the document."""

    proof: dict[str, Any]
    verification_method: str
    signature: bytes


def parse_proof(
    document: dict[str, Any],
    *,
    expected_purpose: str = "assertionMethod",
    expected_controller: str | None = None,
    suites: Container[str] = PROOF_TYPES,
) -> ParsedProof | ProofCheck:
    """The checks that need no I/O and no JSON-LD: a failed ``ProofCheck`` if one fails.

    One proof, of a suite in ``suites``, for ``expected_purpose``; with ``expected_controller``, a
    verification method that is a DID URL of it; a proofValue that decodes to 64 bytes.
    """
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
    if suite is None or suite not in suites:
        return ProofCheck(False, vm_id, f"unsupported proof type; use one of {', '.join(PROOF_TYPES)}")
    if vm_id is None:
        return ProofCheck(False, None, "the proof names no verificationMethod")
    if len(vm_id) > MAX_VERIFICATION_METHOD_CHARS:
        return ProofCheck(False, None, f"verificationMethod is longer than {MAX_VERIFICATION_METHOD_CHARS} characters")
    if proof.get("proofPurpose") != expected_purpose:
        return ProofCheck(False, vm_id, f"proofPurpose is not {expected_purpose}")
    if expected_controller is not None:
        controller, _, fragment = vm_id.partition("#")
        if controller != expected_controller:
            return ProofCheck(False, vm_id, "the verification method does not belong to the issuer")
        if not controller.startswith("did:") or not fragment:
            return ProofCheck(False, vm_id, "the verification method is not a DID URL of the issuer")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        return ProofCheck(False, vm_id, "the proof has no proofValue")
    if len(value) > MAX_PROOF_VALUE_CHARS:
        return ProofCheck(False, vm_id, "proofValue is not a 64-byte Ed25519 signature")
    try:
        signature = multibase_b58_decode(value)
    except DIDError:
        return ProofCheck(False, vm_id, "proofValue is not base58btc multibase")
    if len(signature) != 64:
        return ProofCheck(False, vm_id, "proofValue is not a 64-byte Ed25519 signature")
    return ParsedProof(proof, vm_id, signature)


def check_signature(
    document: dict[str, Any],
    parsed: ParsedProof,
    key: Ed25519PublicKey,
    loader: ContextLoader,
    *,
    previous: list[dict[str, Any]] | None = None,
) -> ProofCheck:
    """Canonicalise (bounded) and check the signature; the expensive step, run last. ``previous``:
    the proofs a chained proof covers (its ``previousProof``)."""
    try:
        message = _hash_data(document, parsed.proof, loader, signing=False, previous=previous)
    except CredentialTooComplex:
        raise
    except IssuerError as exc:
        return ProofCheck(False, parsed.verification_method, f"cannot canonicalise ({exc.code})")
    if not key.verify(parsed.signature, message):
        return ProofCheck(False, parsed.verification_method, "the signature does not verify")
    return ProofCheck(True, parsed.verification_method)


def verify_proof(
    document: dict[str, Any],
    lookup_key: KeyLookup,
    loader: ContextLoader,
    *,
    expected_purpose: str = "assertionMethod",
    expected_controller: str | None = None,
    trusted_controllers: Container[str] | None = None,
) -> ProofCheck:
    """Check the single proof on ``document``. ``lookup_key(vm_id, purpose)`` resolves the key.

    With ``trusted_controllers``, a proof by any other DID fails with code ``untrusted_issuer``
    before its key is resolved or any JSON-LD work is done.

    Raises ``CredentialTooComplex`` for a document past the complexity bounds, and ``FetchBusy``
    when the key cannot be fetched now.
    """
    parsed = parse_proof(document, expected_purpose=expected_purpose, expected_controller=expected_controller)
    if isinstance(parsed, ProofCheck):
        return parsed
    # The issuer policy: after the shape, before any resolution or JSON-LD work, so that an
    # untrusted issuer costs nothing (no did:web fetch, no canonicalisation).
    controller = parsed.verification_method.partition("#")[0]
    if trusted_controllers is not None and controller not in trusted_controllers:
        return ProofCheck(False, parsed.verification_method, "the signer is not a trusted issuer", "untrusted_issuer")
    try:
        key = lookup_key(parsed.verification_method, expected_purpose)
    except FetchBusy:
        raise  # no fetch slot free now: the service's state (503), not a verdict on the proof
    except DIDError as exc:
        return ProofCheck(False, parsed.verification_method, f"verification method not usable: {exc.message}")
    check_structure(document)
    return check_signature(document, parsed, key, loader)
