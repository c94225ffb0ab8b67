"""The zk package's exceptions: one tree, raised only for bad input or broken infrastructure.

A proof that does not verify, or verifies against the wrong policy, is a *verdict*: it comes back
as a :class:`~zk.VerificationResult` with ``verified=False`` and the reasons. These exceptions
mean no verdict or no proof could be reached at all::

    ZKError
    ├── InvalidNonce              a nonce that is not a field element nor a usable string
    ├── InvalidStatement          score or threshold outside [0, 10000], or score < threshold
    ├── MalformedProof            proof JSON without the snarkjs shape (missing fields, not numbers)
    ├── InvalidVerificationKey    a verification key that is malformed or has invalid points
    ├── InvalidPublicKey          a BabyJubJub public key off the curve, outside the subgroup, or malformed
    ├── MalformedSignature        an EdDSA-Poseidon signature that is malformed (S >= l, R8 off the curve)
    ├── InvalidClaim              a liveness claim with a field missing, malformed or out of range
    ├── InvalidPresentationRequest  a presentation request with a value out of range
    ├── ArtifactsUnavailable      circuit artifacts missing or failing their sha256 check
    └── ProverError               the prover could not produce a proof
        ├── ProverUnavailable     node, node_modules or the remote worker cannot be reached
        ├── ProverBusy            the bounded job queue is full
        ├── ProverTimeout         a job ran past its timeout (the worker is replaced)
        ├── ProverCrashed         the worker died with the job in flight (it is restarted)
        ├── WitnessRejected       the circuit's constraints reject the inputs: no proof exists
        └── ProofMismatch         the prover returned a proof that fails our own checks

Every class carries a stable machine ``code``; the HTTP layer maps classes to status codes in one
table (``livecred/errors.py``). Messages never contain the private score or salt.
"""

from __future__ import annotations


class ZKError(Exception):
    """Base class of every error the zk package raises."""

    code = "zk_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidNonce(ZKError):
    code = "invalid_nonce"


class InvalidStatement(ZKError):
    code = "invalid_statement"


class MalformedProof(ZKError):
    code = "malformed_proof"


class InvalidVerificationKey(ZKError):
    code = "invalid_verification_key"


class InvalidPublicKey(ZKError):
    code = "invalid_public_key"


class MalformedSignature(ZKError):
    code = "malformed_signature"


class InvalidClaim(ZKError):
    code = "invalid_claim"


class InvalidPresentationRequest(ZKError):
    code = "invalid_presentation_request"


class ArtifactsUnavailable(ZKError):
    code = "zk_artifacts_unavailable"


class ProverError(ZKError):
    code = "prover_error"


class ProverUnavailable(ProverError):
    code = "zk_unavailable"


class ProverBusy(ProverError):
    code = "prover_busy"


class ProverTimeout(ProverError):
    code = "prover_timeout"


class ProverCrashed(ProverError):
    code = "prover_crashed"


class WitnessRejected(ProverError):
    code = "witness_rejected"


class ProofMismatch(ProverError):
    code = "proof_mismatch"
