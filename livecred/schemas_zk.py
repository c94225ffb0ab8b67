"""Bodies of the zk routes. Field names follow the original service: the proof fields are
camelCase (``publicSignals``, ``proofThreshold``), the face-match fields snake_case as in
``/face-match``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from livecred.schemas import Box, FaceMatchRequest, TimedResponse


class FaceMatchProofRequest(FaceMatchRequest):
    nonce: str | None = Field(
        None,
        min_length=1,
        max_length=256,
        description=(
            "The verifier's challenge, bound into the proof. A decimal or 0x-hex number below the BN254 scalar "
            "field order is used as is; any other string is hashed to the field (docs/zk.md). Default: random."
        ),
    )


class FaceMatchProofResponse(TimedResponse):
    matched: bool = Field(description="Scaled confidence >= scaled minConfidence; a proof exists exactly then.")
    confidence: float
    similarity: float
    min_confidence: float
    id_bounding_box: Box
    selfie_bounding_box: Box
    proof: dict[str, Any] | None = Field(description="snarkjs Groth16 proof JSON; null when not matched.")
    publicSignals: list[str] | None = Field(description="[threshold, commitment, nonce] as decimal strings.")
    proofIsMatch: bool = Field(description="A proof was made and verified against the published key.")
    proofThreshold: int = Field(description="The threshold in the proof: minConfidence x 10000, rounded.")
    proofGenerationTimeMs: float | None = Field(description="Time to prove, as seen by the service.")
    solidityCalldata: str | None = Field(description="Arguments for FaceMatchVerifier.verifyProof, as snarkjs prints.")
    commitment: str | None = Field(description="Poseidon(score, salt); the salt is never returned.")
    nonce: str = Field(description="The nonce as the field element bound in the proof (decimal).")
    reasons: list[str] = Field(description="Why there is no proof (`faces_do_not_match`); empty with a proof.")
