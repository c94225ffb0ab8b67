"""Interactive liveness: challenges, single-frame smile, blinks and the passive multi-frame monitor.

All decisions are made here on the server from the frames themselves; the client only says which
challenge it asked for. Images live only inside the worker-thread call that decodes them.
Frame bursts (``frames``) are bounded in count and per-frame size; a bad frame is named in the
error (``frames[3]``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from livecred.deps import get_engine, get_frame_limits, get_limits, run_timed
from livecred.schemas import Box
from livecred.schemas_interactive import (
    BlinkCheckResponse,
    BlinkEventOut,
    ChallengeRequest,
    ChallengeResponse,
    FaceMeasuresOut,
    FramesRequest,
    MotionOut,
    PassiveMonitorRequest,
    PassiveMonitorResponse,
    SmileCheckRequest,
    SmileCheckResponse,
)
from liveness import ChallengeResult, FrameLimits, ImageLimits, LivenessEngine, decode_base64_image, decode_frames

router = APIRouter(tags=["interactive liveness"])

Engine = Annotated[LivenessEngine, Depends(get_engine)]
Limits = Annotated[ImageLimits, Depends(get_limits)]

_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "Invalid base64, invalid JSON or empty body"},
    413: {"description": "An image, a frame or the request over its byte or pixel limit"},
    422: {"description": "Not an image, no face (the field or frames[i] is named), too few or too many frames"},
    503: {"description": "Models missing or corrupt (see /health)"},
}

_ASK = {
    "smile": "No smile was seen: please smile.",
    "blink": "Your eyes did not close: please close your eyes.",
    "turn_left": "Your head did not turn far enough: please turn your head to your left.",
    "turn_right": "Your head did not turn far enough: please turn your head to your right.",
    "look_up": "Your head did not tilt up far enough: please look up.",
    "open_mouth": "Your mouth did not open far enough: please open your mouth.",
}


Frames = Annotated[FrameLimits, Depends(get_frame_limits)]


def _message(result: ChallengeResult) -> str:
    if result.passed:
        return "Challenge passed."
    if "baseline_not_live" in result.reasons or "challenge_not_live" in result.reasons:
        return "The camera frames do not look live."
    if "faces_do_not_match" in result.reasons:
        return "The two frames do not show the same person."
    return _ASK[result.challenge_type]


@router.post("/challenge/validate", response_model=ChallengeResponse, responses=_ERRORS)
async def validate_challenge(
    body: ChallengeRequest, request: Request, engine: Engine, limits: Limits
) -> ChallengeResponse:
    """Did the person do what they were asked between the baseline and the challenge frame?

    Passes only when both frames are live (anti-spoofing), show the same person (embedding
    match), and the measured change reaches the challenge type's threshold.
    """

    def work() -> ChallengeResponse:
        baseline = decode_base64_image(body.baselineImage, limits, field="baselineImage")
        challenge = decode_base64_image(body.challengeImage, limits, field="challengeImage")
        result = engine.interactive.validate_challenge(
            baseline,
            challenge,
            body.challengeType,
            min_change=body.minEmotionChange if body.challengeType == "smile" else None,
            smile_threshold=body.smileThreshold,
            antispoof_threshold=body.antispoofThreshold,
            min_match_confidence=body.minFaceMatchConfidence,
        )
        m = result.measurement
        return ChallengeResponse(
            passed=result.passed,
            challenge_type=result.challenge_type,
            message=_message(result),
            reasons=list(result.reasons),
            measure=m.quantity,
            baseline_value=round(m.baseline, 4),
            challenge_value=round(m.challenge, 4),
            change=round(m.change, 4),
            threshold=m.threshold,
            is_live=result.baseline_spoof.is_real and result.challenge_spoof.is_real,
            baseline_antispoof_score=round(result.baseline_spoof.score, 6),
            challenge_antispoof_score=round(result.challenge_spoof.score, 6),
            antispoof_threshold=result.baseline_spoof.threshold,
            same_person=result.match.matched,
            face_match_confidence=round(result.match.confidence, 4),
            min_face_match_confidence=result.match.min_confidence,
            baseline=FaceMeasuresOut.of(result.baseline, result.smile_scores[0]),
            challenge=FaceMeasuresOut.of(result.challenge, result.smile_scores[1]),
        )

    return await run_timed(request, work)


@router.post("/smile-check", response_model=SmileCheckResponse, responses=_ERRORS)
async def smile_check(body: SmileCheckRequest, request: Request, engine: Engine, limits: Limits) -> SmileCheckResponse:
    """Single-frame smile score of the largest face, by the configured scorer (``method``: the
    geometric one on the face mesh's relative measures, or DeepFace's emotion model)."""

    def work() -> SmileCheckResponse:
        result = engine.interactive.smile_check(decode_base64_image(body.image, limits, field="image"), body.threshold)
        mouth = result.measures.mouth
        return SmileCheckResponse(
            is_smiling=result.smile.is_smiling,
            smile_score=round(result.smile.score, 2),
            threshold=result.smile.threshold,
            method=result.smile.method,
            mouth_width=round(mouth.width, 4),
            mouth_opening=round(mouth.opening, 4),
            lip_corner_elevation=round(mouth.corner_elevation, 4),
            face_count=result.face_count,
            bounding_box=Box.of(result.face.box),
        )

    return await run_timed(request, work)


@router.post("/blink-check", response_model=BlinkCheckResponse, responses=_ERRORS)
async def blink_check(body: FramesRequest, request: Request, engine: Engine, frames: Frames) -> BlinkCheckResponse:
    """Eye aspect ratio per frame and the blinks in the burst: a dip below the person's own
    open-eye level and back."""

    def work() -> BlinkCheckResponse:
        result = engine.interactive.blink_check(decode_frames(body.frames, frames))
        return BlinkCheckResponse(
            blink_detected=result.blink_detected,
            blink_count=len(result.blinks),
            frame_count=len(result.ear),
            ear=[round(v, 4) for v in result.ear],
            ear_right=[round(v, 4) for v in result.ear_right],
            ear_left=[round(v, 4) for v in result.ear_left],
            open_eye_level=round(result.open_eye_level, 4),
            closed_below=round(result.closed_below, 4),
            blinks=[
                BlinkEventOut(start_frame=b.start, end_frame=b.end, depth=round(b.depth, 3)) for b in result.blinks
            ],
        )

    return await run_timed(request, work)


@router.post("/passive-monitor", response_model=PassiveMonitorResponse, responses=_ERRORS)
async def passive_monitor(
    body: PassiveMonitorRequest, request: Request, engine: Engine, frames: Frames
) -> PassiveMonitorResponse:
    """Is a burst of frames one live person? Anti-spoofing per frame, identity across frames,
    natural micro-motion, and blinks."""

    def work() -> PassiveMonitorResponse:
        result = engine.interactive.passive_monitor(
            decode_frames(body.frames, frames),
            antispoof_threshold=body.antispoofThreshold,
            min_match_confidence=body.minFaceMatchConfidence,
            require_blink=body.requireBlink,
        )
        cfg = engine.config.passive
        return PassiveMonitorResponse(
            is_live=result.is_live,
            reasons=list(result.reasons),
            frame_count=len(result.spoof_scores),
            antispoof_scores=[round(s, 6) for s in result.spoof_scores],
            antispoof_score=round(result.spoof_score, 6),
            antispoof_threshold=result.spoof_threshold,
            identity_consistent=result.identity_consistent,
            face_match_confidences=[round(c, 4) for c in result.match_confidences],
            min_face_match_confidence=result.min_match_confidence,
            motion=MotionOut(
                state=result.motion.state,
                landmark_motion=round(result.motion.motion, 5),
                deformation=round(result.motion.deformation, 5),
                still_below=cfg.still_motion,
                chaotic_above=cfg.chaotic_motion,
                chaotic_deformation_above=cfg.chaotic_deformation,
            ),
            blink_detected=result.blink_detected,
            blink_count=len(result.blinks),
            blink_required=result.blink_required,
            ear=[round(v, 4) for v in result.ear],
            best_frame_index=result.best_frame,
        )

    return await run_timed(request, work)
