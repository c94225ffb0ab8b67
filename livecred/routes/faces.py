"""Face endpoints of the original liveness service: detect, liveness, antispoof, face-match, verify.

Each handler decodes and runs inference in a worker thread (``run_timed``): images exist only
inside that call and are never written or logged. ``processing_time_ms`` covers decoding and
inference, not network transfer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from livecred.deps import get_engine, get_limits, run_timed
from livecred.schemas import (
    AntispoofResponse,
    Box,
    DetectedFace,
    DetectResponse,
    FaceMatchRequest,
    FaceMatchResponse,
    ImageRequest,
    LivenessRequest,
    LivenessResponse,
    VerifyRequest,
    VerifyResponse,
)
from liveness import ImageLimits, LivenessEngine, SpoofResult, decode_base64_image

router = APIRouter(tags=["faces"])

Engine = Annotated[LivenessEngine, Depends(get_engine)]
Limits = Annotated[ImageLimits, Depends(get_limits)]

_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "Invalid base64, invalid JSON or empty body"},
    413: {"description": "Image or request over the byte or pixel limit"},
    422: {"description": "Not an image, corrupt image, no face, a face unusable for matching, or invalid fields"},
    503: {"description": "Models missing or corrupt (see /health)"},
}


def _spoof_check(engine: LivenessEngine, limits: ImageLimits, body: LivenessRequest) -> tuple[SpoofResult, int]:
    """Anti-spoofing of the largest face, and how many faces the image held."""
    image = decode_base64_image(body.image, limits, field="image")
    subject = engine.images.subject(image, field="image")
    spoof = engine.images.check_spoof(image, body.antispoofThreshold, face=subject.face)
    return spoof, len(subject.detection.faces)


@router.post("/detect", response_model=DetectResponse, responses=_ERRORS)
async def detect(body: ImageRequest, request: Request, engine: Engine, limits: Limits) -> DetectResponse:
    """All faces in the image, largest first."""

    def work() -> DetectResponse:
        result = engine.images.detect(decode_base64_image(body.image, limits, field="image"))
        faces = [DetectedFace(**f.box.as_int_dict(), confidence=round(f.score, 4)) for f in result.faces]
        return DetectResponse(face_count=len(faces), faces=faces)

    return await run_timed(request, work)


@router.post("/antispoof", response_model=AntispoofResponse, responses=_ERRORS)
async def antispoof(body: LivenessRequest, request: Request, engine: Engine, limits: Limits) -> AntispoofResponse:
    """Passive anti-spoofing (MiniFASNet V2 + V1SE) of the largest face, with each model's score."""

    def work() -> AntispoofResponse:
        spoof, face_count = _spoof_check(engine, limits, body)
        return AntispoofResponse(
            is_real=spoof.is_real,
            antispoof_score=round(spoof.score, 6),
            threshold=spoof.threshold,
            bounding_box=Box.of(spoof.face.box),
            face_count=face_count,
            model_scores={name: round(score, 6) for name, score in spoof.model_scores},
        )

    return await run_timed(request, work)


@router.post("/liveness", response_model=LivenessResponse, responses=_ERRORS)
async def liveness(body: LivenessRequest, request: Request, engine: Engine, limits: Limits) -> LivenessResponse:
    """Is the largest face in a single frame a live person (passive check)?"""

    def work() -> LivenessResponse:
        spoof, face_count = _spoof_check(engine, limits, body)
        return LivenessResponse(
            is_live=spoof.is_real,
            is_real=spoof.is_real,
            antispoof_score=round(spoof.score, 6),
            threshold=spoof.threshold,
            bounding_box=Box.of(spoof.face.box),
            face_count=face_count,
        )

    return await run_timed(request, work)


@router.post("/face-match", response_model=FaceMatchResponse, responses=_ERRORS)
async def face_match(body: FaceMatchRequest, request: Request, engine: Engine, limits: Limits) -> FaceMatchResponse:
    """Does the selfie show the person on the ID document?"""

    def work() -> FaceMatchResponse:
        id_image = decode_base64_image(body.idImage, limits, field="idImage")
        selfie = decode_base64_image(body.selfieImage, limits, field="selfieImage")
        match = engine.images.match(id_image, selfie, body.minConfidence)
        return FaceMatchResponse(
            matched=match.matched,
            confidence=round(match.confidence, 4),
            similarity=round(match.similarity, 4),
            min_confidence=match.min_confidence,
            id_face_extracted=True,
            id_bounding_box=Box.of(match.face_a.box),
            selfie_bounding_box=Box.of(match.face_b.box),
        )

    return await run_timed(request, work)


@router.post("/verify", response_model=VerifyResponse, responses=_ERRORS)
async def verify(body: VerifyRequest, request: Request, engine: Engine, limits: Limits) -> VerifyResponse:
    """The selfie is live and matches the ID photo."""

    def work() -> VerifyResponse:
        id_image = decode_base64_image(body.idImage, limits, field="idImage")
        selfie = decode_base64_image(body.selfieImage, limits, field="selfieImage")
        settings = request.app.state.settings
        result = engine.images.verify(
            id_image,
            selfie,
            antispoof_threshold=body.antispoofThreshold,
            min_match_confidence=(
                settings.verify_min_face_match_confidence
                if body.minFaceMatchConfidence is None
                else body.minFaceMatchConfidence
            ),
        )
        reasons = []
        if not result.spoof.is_real:
            reasons.append("selfie_not_live")
        if not result.match.matched:
            reasons.append("faces_do_not_match")
        return VerifyResponse(
            verified=result.verified,
            is_live=result.spoof.is_real,
            antispoof_score=round(result.spoof.score, 6),
            antispoof_threshold=result.spoof.threshold,
            faces_match=result.match.matched,
            face_match_confidence=round(result.match.confidence, 4),
            face_match_similarity=round(result.match.similarity, 4),
            min_face_match_confidence=result.match.min_confidence,
            id_face_extracted=True,
            reasons=reasons,
        )

    return await run_timed(request, work)
