"""Zero-knowledge face match: POST /face-match-proof, and the published key, contract and ceremony.

``/face-match-proof`` runs the same match as ``/face-match``, then proves "score >= threshold"
in Groth16 with the score kept private. The decision is made on the circuit's fixed-point
values (confidence truncated to 4 decimals, threshold rounded to 4), so a proof exists exactly
when ``matched`` is true. Matching runs on the inference threads; proving waits on the prover
worker outside them. Each fresh proof is checked against the published verification key before
it is returned, which catches a remote prover holding another key.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from livecred.deps import get_engine, get_limits, require_prover_slot, run_blocking, run_prover
from livecred.schemas import Box
from livecred.schemas_zk import FaceMatchProofRequest, FaceMatchProofResponse
from livecred.zk_state import ZKState, get_zk
from liveness import ImageLimits, LivenessEngine, MatchResult, decode_base64_image
from zk import (
    ProofMismatch,
    nonce_to_field,
    random_field_element,
    scale_score,
    scale_threshold,
    solidity_calldata,
)

router = APIRouter(tags=["zk"])

Engine = Annotated[LivenessEngine, Depends(get_engine)]
Limits = Annotated[ImageLimits, Depends(get_limits)]
ZK = Annotated[ZKState, Depends(get_zk)]

_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "Invalid base64, invalid JSON or empty body"},
    413: {"description": "Image or request over the byte or pixel limit"},
    422: {"description": "Not an image, no face, a face unusable for matching, invalid nonce or invalid fields"},
    503: {"description": "Models or the zk prover unavailable, prover busy or timed out"},
}


@router.post("/face-match-proof", response_model=FaceMatchProofResponse, responses=_ERRORS)
async def face_match_proof(
    body: FaceMatchProofRequest, request: Request, engine: Engine, limits: Limits, zk: ZK
) -> FaceMatchProofResponse:
    """Face match plus a Groth16 proof that the match confidence is at least minConfidence."""
    prover = require_prover_slot(request, zk)  # 503 before any inference when proving cannot happen
    start = time.perf_counter()
    nonce = nonce_to_field(body.nonce) if body.nonce is not None else random_field_element()
    min_confidence = engine.config.min_match_confidence if body.minConfidence is None else body.minConfidence
    threshold = scale_threshold(min_confidence)

    def match() -> MatchResult:
        id_image = decode_base64_image(body.idImage, limits, field="idImage")
        selfie = decode_base64_image(body.selfieImage, limits, field="selfieImage")
        return engine.images.match(id_image, selfie, min_confidence)

    result = await run_blocking(request, match)
    score = scale_score(result.confidence)
    fields: dict[str, Any] = {
        "confidence": round(result.confidence, 4),
        "similarity": round(result.similarity, 4),
        "min_confidence": result.min_confidence,
        "id_bounding_box": Box.of(result.face_a.box),
        "selfie_bounding_box": Box.of(result.face_b.box),
        "proofThreshold": threshold,
        "nonce": str(nonce),
    }
    if score < threshold:
        return FaceMatchProofResponse(
            matched=False,
            proof=None,
            publicSignals=None,
            proofIsMatch=False,
            proofGenerationTimeMs=None,
            solidityCalldata=None,
            commitment=None,
            reasons=["faces_do_not_match"],
            processing_time_ms=round((time.perf_counter() - start) * 1000, 2),
            **fields,
        )

    proved = await run_prover(request, lambda: prover.prove(score=score, threshold=threshold, nonce=nonce))
    proof = proved.proof
    check = await run_prover(
        request,
        lambda: prover.verify(
            proof, expected_threshold=threshold, expected_nonce=nonce, expected_commitment=proof.commitment
        ),
    )
    if not check.verified:
        raise ProofMismatch(
            f"the prover's proof does not verify against the published key ({', '.join(check.reasons)})"
        )
    return FaceMatchProofResponse(
        matched=True,
        proof=proof.proof.to_snarkjs(),
        publicSignals=[str(s) for s in proof.public_signals],
        proofIsMatch=True,
        proofGenerationTimeMs=round(proved.elapsed_ms, 2),
        solidityCalldata=solidity_calldata(proof),
        commitment=str(proof.commitment),
        reasons=[],
        processing_time_ms=round((time.perf_counter() - start) * 1000, 2),
        **fields,
    )


@router.get("/zk/status", responses={503: {"description": "The prover is not ready; `message` names the fix"}})
async def status(request: Request, zk: ZK) -> JSONResponse:
    """Whether proofs can be made now, and the backend's kind (and restarts of a local worker)."""
    ready, details = await run_prover(request, zk.status)
    return JSONResponse(details, status_code=200 if ready else 503)


@router.get("/zk/verification-key")
async def verification_key(zk: ZK) -> dict[str, Any]:
    """The Groth16 verification key (snarkjs JSON) that every face-match proof verifies against."""
    return zk.require_key().to_json()


@router.get("/zk/verifier.sol", response_class=PlainTextResponse)
async def verifier_sol(zk: ZK) -> PlainTextResponse:
    """The Solidity verifier contract for the same key (``FaceMatchVerifier.verifyProof``)."""
    zk.require_key()
    assert zk.verifier_sol is not None
    return PlainTextResponse(zk.verifier_sol, media_type="text/plain; charset=utf-8")


@router.get("/zk/ceremony")
async def ceremony(zk: ZK) -> dict[str, Any]:
    """The set-up transcript: tool versions, circuit size, contribution hashes, beacons, file hashes."""
    zk.require_key()
    return zk.artifacts.ceremony_record()
