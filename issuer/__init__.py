"""Issuing and verifying ``LivenessCredential``: W3C VC Data Model 1.1 credentials validated
against the published JSON Schema, signed with Data Integrity ``eddsa-rdfc-2022`` (or
``Ed25519Signature2020``), with Bitstring Status List revocation and SQL-backed issuer state."""

from issuer._exceptions import (
    ContextNotAllowed,
    CredentialNotFound,
    InvalidCredential,
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
from issuer.proofs import (
    ED25519_SIGNATURE_2020,
    EDDSA_RDFC_2022,
    PROOF_TYPES,
    ProofCheck,
    create_proof,
    verify_proof,
    with_suite_context,
)
from issuer.schema import liveness_schema, schema_errors
from issuer.service import Issuer, IssuerConfig, RemoteStatusSource
from issuer.store import PURPOSES, CredentialRecord, IssuerStore, StatusPosition, database_engine
from issuer.verify import CheckOutcome, CredentialVerifier, EvidenceChecker, StatusListSource, VerificationResult

__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "ED25519_2020_V1",
    "ED25519_SIGNATURE_2020",
    "EDDSA_RDFC_2022",
    "LIVENESS_CONTEXT_PATH",
    "MIN_LIST_BITS",
    "PROOF_TYPES",
    "PURPOSES",
    "SCHEMA_PATH",
    "CheckOutcome",
    "ContextLoader",
    "ContextNotAllowed",
    "CredentialNotFound",
    "CredentialRecord",
    "CredentialVerifier",
    "EvidenceChecker",
    "InvalidCredential",
    "Issuer",
    "IssuerConfig",
    "IssuerError",
    "IssuerKeyError",
    "IssuerStore",
    "ProofCheck",
    "RemoteStatusSource",
    "SchemaValidationError",
    "StatusChangeRefused",
    "StatusListNotFound",
    "StatusListSource",
    "StatusPosition",
    "StoreUnavailable",
    "UndefinedTerms",
    "UnsupportedProofType",
    "VerificationResult",
    "bit_at",
    "bits_from_indexes",
    "build_liveness_credential",
    "canonicalize",
    "create_proof",
    "database_engine",
    "decode_list",
    "encode_list",
    "expand_strict",
    "face_match_proof_evidence",
    "liveness_context",
    "liveness_context_url",
    "liveness_evidence",
    "liveness_schema",
    "parse_datetime",
    "schema_errors",
    "schema_url",
    "verify_proof",
    "with_suite_context",
    "xsd_datetime",
]
