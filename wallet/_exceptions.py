"""The wallet path's exceptions: a session or a holder cannot take a step. A failed liveness take is
a verdict (``CaptureResult`` with ``passed=False``), never one of these::

    WalletError
    ├── SessionError               a liveness session cannot take this step
    │   ├── InvalidHolderDID       the holder DID is not a DID, or cannot be resolved to a key
    │   ├── InvalidHolderCommitment ``zkHolderCommitment`` is not a field element in decimal
    │   ├── SessionNotFound        no such session
    │   ├── SessionExpired         past its expiry
    │   ├── SessionCompleted       its checks already passed (a take is judged once)
    │   ├── AttemptsExhausted      every allowed attempt failed
    │   ├── SessionNotPassed       a credential was asked before the checks passed
    │   ├── CredentialAlreadyIssued the session's one credential was already issued
    │   ├── HolderProofInvalid     the proof of control of the holder DID does not verify
    │   └── LockedOut              too many recent failures from this device
    ├── CaptureProtocolError       a live-capture client broke the protocol (bad message, frame too big)
    ├── OAuthError                 an error in the OAuth 2.0 shape (``error`` is the spec's code)
    │   ├── OID4VCIError           OpenID4VCI (token, credential endpoints)
    │   └── OID4VPError            OpenID4VP (the verifier's Response Endpoint)
    └── PresentationRequestNotFound  no OpenID4VP request with this transaction id (or it is gone)
"""

from __future__ import annotations


class WalletError(Exception):
    code = "wallet_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SessionError(WalletError):
    code = "session_error"


class InvalidHolderDID(SessionError):
    code = "invalid_holder_did"


class InvalidHolderCommitment(SessionError):
    code = "invalid_zk_holder_commitment"


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


class CaptureProtocolError(WalletError):
    """``code`` names what was wrong (``invalid_message``, ``id_image_required`` ...), ``status`` the
    HTTP status the same error has elsewhere (the WebSocket closes with 4000 + it)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class OAuthError(WalletError):
    """An error the OAuth 2.0-based specs name: ``error`` is their code, ``status`` the HTTP
    status they ask for (400, or 401 for a bad access token)."""

    def __init__(self, error: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = error
        self.error = error
        self.status = status


class OID4VCIError(OAuthError):
    """OpenID4VCI's token and credential endpoints."""


class OID4VPError(OAuthError):
    """OpenID4VP's Response Endpoint: the wallet's answer cannot be taken."""


class PresentationRequestNotFound(WalletError):
    code = "presentation_request_not_found"
