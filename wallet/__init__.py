"""The wallet path: liveness sessions, the live-capture state machine, lockout, holder binding,
OpenID4VCI, and the OpenID4VP verifier. It takes the liveness engine through
:class:`wallet.capture.TakeJudge` (the API adapts the engine's live take to it) and never imports
``liveness``.
"""

from wallet._exceptions import (
    AttemptsExhausted,
    CaptureProtocolError,
    CredentialAlreadyIssued,
    HolderProofInvalid,
    InvalidHolderCommitment,
    InvalidHolderDID,
    LockedOut,
    OAuthError,
    OID4VCIError,
    OID4VPError,
    PresentationRequestNotFound,
    SessionCompleted,
    SessionError,
    SessionExpired,
    SessionNotFound,
    SessionNotPassed,
    WalletError,
)
from wallet.binding import PROOF_JWT_TYPE, HolderBinding
from wallet.capture import (
    CAPTURE_REASONS,
    CaptureMachine,
    CaptureOutcome,
    CapturePolicy,
    FrameFacts,
    TakeFacts,
    TakeJudge,
)
from wallet.lockout import Lockout, LockoutPolicy
from wallet.oid4vci import CONFIGURATION_ID, OID4VCI, PRE_AUTHORIZED_GRANT
from wallet.oid4vp import CREDENTIAL_QUERY_ID, OID4VP, OID4VPConfig, PresentationRequest, PresentationResult
from wallet.service import IssuedCredential, Wallet, WalletConfig
from wallet.sessions import Session, SessionPolicy, SessionStore, draw_challenges
from wallet.zk_claims import ClaimOpening, PendingClaim, ZKClaimStore, parse_holder_commitment

__all__ = [
    "CAPTURE_REASONS",
    "CONFIGURATION_ID",
    "CREDENTIAL_QUERY_ID",
    "OID4VCI",
    "OID4VP",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_JWT_TYPE",
    "AttemptsExhausted",
    "CaptureMachine",
    "CaptureOutcome",
    "CapturePolicy",
    "CaptureProtocolError",
    "ClaimOpening",
    "CredentialAlreadyIssued",
    "FrameFacts",
    "HolderBinding",
    "HolderProofInvalid",
    "InvalidHolderCommitment",
    "InvalidHolderDID",
    "IssuedCredential",
    "LockedOut",
    "Lockout",
    "LockoutPolicy",
    "OAuthError",
    "OID4VCIError",
    "OID4VPConfig",
    "OID4VPError",
    "PendingClaim",
    "PresentationRequest",
    "PresentationRequestNotFound",
    "PresentationResult",
    "Session",
    "SessionCompleted",
    "SessionError",
    "SessionExpired",
    "SessionNotFound",
    "SessionNotPassed",
    "SessionPolicy",
    "SessionStore",
    "TakeFacts",
    "TakeJudge",
    "Wallet",
    "WalletConfig",
    "WalletError",
    "ZKClaimStore",
    "draw_challenges",
    "parse_holder_commitment",
]
