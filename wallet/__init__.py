"""The wallet path: liveness sessions, the live-capture state machine, lockout, holder binding and
OpenID4VCI. It takes the liveness engine through :class:`wallet.capture.TakeJudge` (the API adapts
the engine's live take to it) and never imports ``liveness``.
"""

from wallet._exceptions import (
    AttemptsExhausted,
    CaptureProtocolError,
    CredentialAlreadyIssued,
    HolderProofInvalid,
    InvalidHolderDID,
    LockedOut,
    OID4VCIError,
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
from wallet.service import Wallet, WalletConfig
from wallet.sessions import Session, SessionPolicy, SessionStore, draw_challenges

__all__ = [
    "CAPTURE_REASONS",
    "CONFIGURATION_ID",
    "OID4VCI",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_JWT_TYPE",
    "AttemptsExhausted",
    "CaptureMachine",
    "CaptureOutcome",
    "CapturePolicy",
    "CaptureProtocolError",
    "CredentialAlreadyIssued",
    "FrameFacts",
    "HolderBinding",
    "HolderProofInvalid",
    "InvalidHolderDID",
    "LockedOut",
    "Lockout",
    "LockoutPolicy",
    "OID4VCIError",
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
    "draw_challenges",
]
