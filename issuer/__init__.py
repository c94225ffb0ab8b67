"""Issuing and verifying ``LivenessCredential``: W3C VC Data Model 1.1 credentials validated
against the published JSON Schema, signed with Data Integrity ``eddsa-rdfc-2022`` (or
``Ed25519Signature2020``), with Bitstring Status List revocation and SQL-backed issuer state."""

from issuer._exceptions import (
    CanonicalizationTooComplex,
    ContextNotAllowed,
    CredentialNotFound,
    CredentialTooComplex,
    DuplicateCredentialId,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidCredential,
    InvalidIdempotencyKey,
    IssuerError,
    IssuerKeyError,
    SchemaValidationError,
    StatusChangeRefused,
    StatusListNotFound,
    StoreUnavailable,
    UndefinedTerms,
    UnsupportedProofType,
)
from issuer.bitstring import MIN_LIST_BITS, bit_at, bits_from_indexes, decode_list, encode_list
from issuer.canonical import canonicalize, expand_strict
from issuer.challenges import ChallengeStore
from issuer.complexity import DEFAULT_LIMITS, BoundedURDNA2015, ComplexityLimits, check_structure
from issuer.contexts import (
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    DATA_INTEGRITY_V2,
    ED25519_2020_V1,
    LIVENESS_CONTEXT_PATH,
    SCHEMA_PATH,
    ContextLoader,
    liveness_context,
    liveness_context_url,
    schema_url,
)
from issuer.credential import (
    build_liveness_credential,
    face_match_proof_evidence,
    liveness_evidence,
    parse_datetime,
    xsd_datetime,
)
from issuer.database import database_engine
from issuer.idempotency import IdempotencyStore, parse_idempotency_key
from issuer.liveness_claims import BABYJUBJUB_KEY_INFO, ClaimCommitments, derive_babyjubjub_key
from issuer.outcomes import EVIDENCE_MEANING, CheckOutcome, VerificationResult
from issuer.policy import STATUS_MODES, StatusMode, VerificationPolicy
from issuer.presentations import PresentationVerifier
from issuer.proof_sets import MAX_PROOFS, add_proof, proofs_of, verify_proofs
from issuer.proofs import (
    ED25519_SIGNATURE_2020,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    PRESENTATION_PROOF_TYPES,
    PROOF_TYPES,
    ParsedProof,
    ProofCheck,
    check_signature,
    create_proof,
    parse_proof,
    verify_proof,
    with_suite_context,
)
from issuer.relying_party import build_verifier, verify_credential, verify_presentation
from issuer.schema import liveness_schema, schema_errors
from issuer.service import DEFAULT_VALIDITY, Issuer, IssuerConfig, RemoteStatusSource
from issuer.signed_view import signed_view
from issuer.status_check import StatusListSource
from issuer.store import PURPOSES, CredentialRecord, IssuerStore, StatusPosition
from issuer.verify import CredentialVerifier, EvidenceChecker
from issuer.zk_presentations import (
    RequestSpec,
    TrustedIssuerKeys,
    TrustedKey,
    ZKPresentationResult,
    ZKPresentationVerifier,
)
from issuer.zk_requests import ZKRequestStore

__all__ = [
    "BABYJUBJUB_KEY_INFO",
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "DEFAULT_LIMITS",
    "DEFAULT_VALIDITY",
    "ED25519_2020_V1",
    "ED25519_SIGNATURE_2020",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "EVIDENCE_MEANING",
    "LIVENESS_CONTEXT_PATH",
    "MAX_PROOFS",
    "MIN_LIST_BITS",
    "PRESENTATION_PROOF_TYPES",
    "PROOF_TYPES",
    "PURPOSES",
    "SCHEMA_PATH",
    "STATUS_MODES",
    "BoundedURDNA2015",
    "CanonicalizationTooComplex",
    "ChallengeStore",
    "CheckOutcome",
    "ClaimCommitments",
    "ComplexityLimits",
    "ContextLoader",
    "ContextNotAllowed",
    "CredentialNotFound",
    "CredentialRecord",
    "CredentialTooComplex",
    "CredentialVerifier",
    "DuplicateCredentialId",
    "EvidenceChecker",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "IdempotencyStore",
    "InvalidCredential",
    "InvalidIdempotencyKey",
    "Issuer",
    "IssuerConfig",
    "IssuerError",
    "IssuerKeyError",
    "IssuerStore",
    "ParsedProof",
    "PresentationVerifier",
    "ProofCheck",
    "RemoteStatusSource",
    "RequestSpec",
    "SchemaValidationError",
    "StatusChangeRefused",
    "StatusListNotFound",
    "StatusListSource",
    "StatusMode",
    "StatusPosition",
    "StoreUnavailable",
    "TrustedIssuerKeys",
    "TrustedKey",
    "UndefinedTerms",
    "UnsupportedProofType",
    "VerificationPolicy",
    "VerificationResult",
    "ZKPresentationResult",
    "ZKPresentationVerifier",
    "ZKRequestStore",
    "add_proof",
    "bit_at",
    "bits_from_indexes",
    "build_liveness_credential",
    "build_verifier",
    "canonicalize",
    "check_signature",
    "check_structure",
    "create_proof",
    "database_engine",
    "decode_list",
    "derive_babyjubjub_key",
    "encode_list",
    "expand_strict",
    "face_match_proof_evidence",
    "liveness_context",
    "liveness_context_url",
    "liveness_evidence",
    "liveness_schema",
    "parse_datetime",
    "parse_idempotency_key",
    "parse_proof",
    "proofs_of",
    "schema_errors",
    "schema_url",
    "signed_view",
    "verify_credential",
    "verify_presentation",
    "verify_proof",
    "verify_proofs",
    "with_suite_context",
    "xsd_datetime",
]
