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
    ├── IdempotencyKeyInUse        the key's first request is still running
    ├── SessionError               a liveness session cannot take this step (wallet path)
    │   ├── InvalidHolderDID       the holder DID cannot be resolved to a key
    │   ├── SessionNotFound        no such session
    │   ├── SessionExpired         past its expiry
    │   ├── SessionCompleted       its checks already passed (frames are taken once)
    │   ├── AttemptsExhausted      every allowed attempt failed
    │   ├── SessionNotPassed       a credential was asked before the checks passed
    │   ├── CredentialAlreadyIssued the session's one credential was already issued
    │   ├── HolderProofInvalid     the proof of control of the holder DID does not verify
    │   └── LockedOut              too many recent failures for this holder or device
    └── OID4VCIError               an OpenID4VCI / OAuth error (``error`` is the spec's code)
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


class SessionError(IssuerError):
    code = "session_error"


class InvalidHolderDID(SessionError):
    code = "invalid_holder_did"


class SessionNotFound(SessionError):
    code = "session_not_found"


class SessionExpired(SessionError):
    code = "session_expired"


class SessionCompleted(SessionError):
    code = "session_completed"


class AttemptsExhausted(SessionError):
    code = "attempts_exhausted"


class SessionNotPassed(SessionError):
    code = "session_not_passed"


class CredentialAlreadyIssued(SessionError):
    code = "credential_already_issued"


class HolderProofInvalid(SessionError):
    code = "holder_proof_invalid"


class LockedOut(SessionError):
    """``retry_after`` is the number of seconds until the lockout ends."""

    code = "locked_out"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OID4VCIError(IssuerError):
    """An error the OpenID4VCI / OAuth 2.0 specs name: ``error`` is their code, ``status`` the HTTP
    status they ask for (400, or 401 for a bad access token)."""

    def __init__(self, error: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = error
        self.error = error
        self.status = status
