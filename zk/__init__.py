"""Groth16 face-match proof: "the private face-match score is at least the public threshold".

The statement (``circuits/facematch.circom``): private ``score`` and ``salt``; public
``threshold``, ``commitment = Poseidon(score, salt)`` and ``nonce``; ``score`` and ``threshold``
in [0, 10000] (confidence x 10000) and ``score >= threshold``, so no proof exists for a failed
match. The proof format is snarkjs's, so snarkjs, the exported Solidity verifier and
:func:`verify_face_match_proof` (pure Python) all check the same proofs.

Typical use::

    key = load_verification_key()
    proof = FaceMatchProof.from_json(evidence)
    result = verify_face_match_proof(
        proof, key, expected_threshold=scale_threshold(0.6), expected_nonce=nonce_to_field(challenge)
    )
    if not result.verified: ...  # result.reasons says why

Proving needs Node.js and the npm packages (``livecred zk install``): :class:`FaceMatchProver`
over a :class:`NodeWorker` (supervised local process) or a :class:`RemoteWorker` (HTTP).

Holder presentations (``docs/zk-presentations.md``): the issuer signs a :class:`LivenessClaim`
with a :class:`BabyJubJubKey` (EdDSA-Poseidon, :class:`SignedClaim`); the holder proves a
verifier's :class:`PresentationRequest` with the presentation circuit
(:func:`presentation_inputs`, :class:`PresentationProver`), and the verifier checks the
:class:`PresentationProof` with :func:`verify_presentation_proof` against its trusted issuer keys.
This package never imports the liveness engine, the issuer or the API.
"""

from zk._exceptions import (
    ArtifactsUnavailable,
    InvalidClaim,
    InvalidNonce,
    InvalidPresentationRequest,
    InvalidPublicKey,
    InvalidStatement,
    InvalidVerificationKey,
    MalformedProof,
    MalformedSignature,
    ProofMismatch,
    ProverBusy,
    ProverCrashed,
    ProverError,
    ProverTimeout,
    ProverUnavailable,
    WitnessRejected,
    ZKError,
)
from zk._field import (
    MAX_SCORE,
    SCALAR_FIELD_ORDER,
    SCORE_SCALE,
    nonce_to_field,
    random_field_element,
    scale_score,
    scale_threshold,
)
from zk._poseidon import poseidon
from zk._remote import RemoteWorker
from zk._worker import NodeWorker, NodeWorkerConfig, WorkerProof
from zk.calldata import groth16_call_arguments, groth16_calldata, solidity_call_arguments, solidity_calldata
from zk.claim import (
    CHECK_BITS,
    CLAIM_TAG,
    LivenessClaim,
    SignedClaim,
    checks_mask,
    credential_id_hash,
    holder_commitment,
)
from zk.eddsa import BabyJubJubKey, BabyJubJubPublicKey, EdDSASignature, verify_eddsa_poseidon
from zk.keys import CIRCUITS, Artifacts, Circuit, VerificationKey, load_verification_key
from zk.presentation import (
    PRESENTATION_REASONS,
    PRESENTATION_SIGNALS,
    PresentationProof,
    PresentationRequest,
    domain_hash,
    load_presentation_key,
    presentation_inputs,
    verify_presentation_proof,
)
from zk.presentation_prover import PresentationBackend, PresentationProver, ProvedPresentation
from zk.proof import PUBLIC_SIGNALS, FaceMatchProof, G1Point, G2Point, Groth16Proof
from zk.prover import FaceMatchProver, ProofBackend, ProvedStatement
from zk.verifier import REASONS, VerificationResult, verify_face_match_proof

__all__ = [
    "CHECK_BITS",
    "CIRCUITS",
    "CLAIM_TAG",
    "MAX_SCORE",
    "PRESENTATION_REASONS",
    "PRESENTATION_SIGNALS",
    "PUBLIC_SIGNALS",
    "REASONS",
    "SCALAR_FIELD_ORDER",
    "SCORE_SCALE",
    "Artifacts",
    "ArtifactsUnavailable",
    "BabyJubJubKey",
    "BabyJubJubPublicKey",
    "Circuit",
    "EdDSASignature",
    "FaceMatchProof",
    "FaceMatchProver",
    "G1Point",
    "G2Point",
    "Groth16Proof",
    "InvalidClaim",
    "InvalidNonce",
    "InvalidPresentationRequest",
    "InvalidPublicKey",
    "InvalidStatement",
    "InvalidVerificationKey",
    "LivenessClaim",
    "MalformedProof",
    "MalformedSignature",
    "NodeWorker",
    "NodeWorkerConfig",
    "PresentationBackend",
    "PresentationProof",
    "PresentationProver",
    "PresentationRequest",
    "ProofBackend",
    "ProofMismatch",
    "ProvedPresentation",
    "ProvedStatement",
    "ProverBusy",
    "ProverCrashed",
    "ProverError",
    "ProverTimeout",
    "ProverUnavailable",
    "RemoteWorker",
    "SignedClaim",
    "VerificationKey",
    "VerificationResult",
    "WitnessRejected",
    "WorkerProof",
    "ZKError",
    "checks_mask",
    "credential_id_hash",
    "domain_hash",
    "groth16_call_arguments",
    "groth16_calldata",
    "holder_commitment",
    "load_presentation_key",
    "load_verification_key",
    "nonce_to_field",
    "poseidon",
    "presentation_inputs",
    "random_field_element",
    "scale_score",
    "scale_threshold",
    "solidity_call_arguments",
    "solidity_calldata",
    "verify_eddsa_poseidon",
    "verify_face_match_proof",
    "verify_presentation_proof",
]
