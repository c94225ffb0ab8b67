"""The issuer's exceptions: raised for malformed input or broken infrastructure, never for a bad
credential under verification (that is a ``VerificationResult`` with ``verified=False``), except
one too complex to process at all (``CredentialTooComplex``)::

    IssuerError
    ├── InvalidCredential          the credential cannot be signed as given
    │   ├── SchemaValidationError  it does not validate against the JSON Schema (``errors`` lists why)
    │   ├── ContextNotAllowed      it names a JSON-LD context outside the vendored allowlist
    │   ├── UndefinedTerms         canonicalisation would drop terms (``terms`` lists them)
    │   └── CredentialTooComplex   it exceeds a structural cap (depth, objects, arrays ...), checked
    │       │                      before any JSON-LD work; hostile input, never a verdict
    │       └── CanonicalizationTooComplex  RDFC-1.0 would need more than its work budget
    ├── UnsupportedProofType       a proof type / cryptosuite we do not sign with
    ├── CredentialNotFound         no credential with that id was issued here
    ├── StatusListNotFound         no status list with that id
    ├── StatusChangeRefused        e.g. un-revoking, or suspending a credential with a revocation entry
    ├── DuplicateCredentialId      a credential with this id was already issued here
    ├── IssuerKeyError             the issuer key is missing, unreadable or inconsistent
    ├── StoreUnavailable           the issuer database cannot be reached or written
    ├── InvalidIdempotencyKey      an ``Idempotency-Key`` that is not a short printable string
    ├── IdempotencyKeyReused       the key was used for another request (within its 24 h)
    └── IdempotencyKeyInUse        the key's first request is still running
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class IssuerError(Exception):
    code = "issuer_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCredential(IssuerError):
    code = "invalid_credential"


class SchemaValidationError(InvalidCredential):
    code = "schema_validation_failed"

    def __init__(self, message: str, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = list(errors)


class ContextNotAllowed(InvalidCredential):
    code = "context_not_allowed"


class UndefinedTerms(InvalidCredential):
    code = "undefined_terms"

    def __init__(self, message: str, terms: Sequence[str]) -> None:
        super().__init__(message)
        self.terms = list(terms)


class CredentialTooComplex(InvalidCredential):
    code = "credential_too_complex"


class CanonicalizationTooComplex(CredentialTooComplex):
    code = "canonicalization_too_complex"


class UnsupportedProofType(IssuerError):
    code = "unsupported_proof_type"


class CredentialNotFound(IssuerError):
    code = "credential_not_found"


class StatusListNotFound(IssuerError):
    code = "status_list_not_found"


class StatusChangeRefused(IssuerError):
    code = "status_change_refused"


class DuplicateCredentialId(IssuerError):
    code = "duplicate_credential_id"


class IssuerKeyError(IssuerError):
    code = "issuer_key_error"


class StoreUnavailable(IssuerError):
    code = "issuer_store_unavailable"


class InvalidIdempotencyKey(IssuerError):
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(IssuerError):
    code = "idempotency_key_reused"


class IdempotencyKeyInUse(IssuerError):
    code = "idempotency_key_in_use"
