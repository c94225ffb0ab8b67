"""Request and response bodies of the interactive-liveness endpoints.

Requests keep the original service's camelCase names (``baselineImage``, ``challengeType``,
``minEmotionChange``, ``frames``); responses are snake_case like the face endpoints. Every
length-like measure is a fraction of the inter-ocular distance; angles are degrees.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from livecred.schemas import Box, TimedResponse
from liveness import ChallengeType, FaceMeasures

_IMAGE = "Base64 image (JPEG, PNG, WebP or BMP), optionally as a data URL."
_FRAMES = (
    "Camera frames in time order, each a base64 image; count and per-frame size are limited (docs/interactive.md)."
)


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ChallengeRequest(_Request):
    baselineImage: str = Field(description="The neutral frame, taken before the prompt. " + _IMAGE)
    challengeImage: str = Field(description="The frame taken after the prompt. " + _IMAGE)
    challengeType: ChallengeType = Field("smile", description="What the person was asked to do.")
    minEmotionChange: float | None = Field(
        None,
        ge=0.0,
        le=100.0,
        description="smile only: the rise of the smile score (0-100) needed; default 20. "
        "Other types use the service's thresholds (returned in `threshold`).",
    )
    smileThreshold: float | None = Field(
        None, ge=0.0, le=100.0, description="smile only: the score the challenge frame must reach; default 50."
    )
    antispoofThreshold: float | None = Field(None, ge=0.0, le=1.0, description="Override of ANTISPOOF_THRESHOLD.")
    minFaceMatchConfidence: float | None = Field(
        None, ge=0.0, le=1.0, description="Same-person confidence both frames need; default 0.6667 (FAR 1e-4)."
    )


class SmileCheckRequest(_Request):
    image: str = Field(description=_IMAGE)
    threshold: float | None = Field(None, ge=0.0, le=100.0, description="Smile score that counts as smiling; 50.")


class FramesRequest(_Request):
    frames: list[str] = Field(description=_FRAMES)


class PassiveMonitorRequest(FramesRequest):
    antispoofThreshold: float | None = Field(None, ge=0.0, le=1.0, description="Override of ANTISPOOF_THRESHOLD.")
    minFaceMatchConfidence: float | None = Field(
        None, ge=0.0, le=1.0, description="Confidence every frame needs against the first; default 0.6667 (FAR 1e-4)."
    )
    requireBlink: bool = Field(False, description="Refuse a burst with no blink in it.")


class FaceMeasuresOut(BaseModel):
    eye_aspect_ratio: float | None = Field(
        description="Mean of both eyes, from the iris model's eyelid contours; measured for blink challenges only."
    )
    eye_aspect_ratio_right: float | None = Field(description="The subject's right eye (image left).")
    eye_aspect_ratio_left: float | None
    mouth_width: float
    mouth_opening: float
    lip_corner_elevation: float = Field(description="Positive: corners above the lip midline.")
    smile_score: float = Field(description="0-100.")
    yaw: float = Field(description="Degrees; positive = turned to the person's own left.")
    pitch: float = Field(description="Degrees; positive = looking up.")
    roll: float = Field(description="Degrees; positive = eye line turned clockwise in the image.")

    @classmethod
    def of(cls, m: FaceMeasures, smile_score: float) -> FaceMeasuresOut:
        eyes = m.eyes_refined
        return cls(
            eye_aspect_ratio=round(m.ear, 4) if eyes else None,
            eye_aspect_ratio_right=round(m.ear_right, 4) if eyes else None,
            eye_aspect_ratio_left=round(m.ear_left, 4) if eyes else None,
            mouth_width=round(m.mouth.width, 4),
            mouth_opening=round(m.mouth.opening, 4),
            lip_corner_elevation=round(m.mouth.corner_elevation, 4),
            smile_score=round(smile_score, 2),
            yaw=round(m.pose.yaw, 2),
            pitch=round(m.pose.pitch, 2),
            roll=round(m.pose.roll, 2),
        )


class ChallengeResponse(TimedResponse):
    passed: bool
    challenge_type: str
    message: str = Field(description="A sentence for the person.")
    reasons: list[str] = Field(description="What failed; empty when passed.")
    measure: str = Field(description="The quantity compared (smile_score, eye_aspect_ratio, yaw_degrees, ...).")
    baseline_value: float
    challenge_value: float
    change: float = Field(description="In the measure's units; for blink the relative eye closure.")
    threshold: float = Field(description="The change needed.")
    is_live: bool = Field(description="Both frames pass anti-spoofing.")
    baseline_antispoof_score: float
    challenge_antispoof_score: float
    antispoof_threshold: float
    same_person: bool
    face_match_confidence: float
    min_face_match_confidence: float
    baseline: FaceMeasuresOut
    challenge: FaceMeasuresOut


class SmileCheckResponse(TimedResponse):
    is_smiling: bool
    smile_score: float = Field(description="0-100.")
    threshold: float
    method: str = Field(description="geometric: relative mouth width and lip-corner elevation (docs/interactive.md).")
    mouth_width: float
    mouth_opening: float
    lip_corner_elevation: float
    face_count: int
    bounding_box: Box


class BlinkEventOut(BaseModel):
    start_frame: int
    end_frame: int
    depth: float = Field(description="Lowest eye aspect ratio of the blink over the open-eye level.")


class BlinkCheckResponse(TimedResponse):
    blink_detected: bool
    blink_count: int
    frame_count: int
    ear: list[float] = Field(description="Per frame, mean of both eyes.")
    ear_right: list[float]
    ear_left: list[float]
    open_eye_level: float = Field(description="The person's own open-eye EAR in this burst.")
    closed_below: float = Field(description="EAR under which a frame counts as closed.")
    blinks: list[BlinkEventOut]


class MotionOut(BaseModel):
    state: str = Field(description="still, natural or chaotic.")
    landmark_motion: float = Field(description="Median landmark displacement per frame step.")
    deformation: float = Field(description="Median non-rigid part of it.")
    still_below: float
    chaotic_above: float
    chaotic_deformation_above: float


class PassiveMonitorResponse(TimedResponse):
    is_live: bool
    reasons: list[str] = Field(
        description="spoof_detected, identity_inconsistent, no_motion, chaotic_motion, no_blink."
    )
    frame_count: int
    antispoof_scores: list[float]
    antispoof_score: float = Field(description="Mean over the frames.")
    antispoof_threshold: float
    identity_consistent: bool
    face_match_confidences: list[float] = Field(description="Frames 1.. against frame 0.")
    min_face_match_confidence: float
    motion: MotionOut
    blink_detected: bool
    blink_count: int
    blink_required: bool
    ear: list[float]
    best_frame_index: int = Field(description="The frame with the highest anti-spoofing score.")
