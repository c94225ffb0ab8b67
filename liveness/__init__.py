"""livecred's face-liveness engine: numpy images in, frozen result dataclasses out.

No web framework and no environment reads here: the caller passes the models directory and the
thresholds. ``import liveness`` is cheap; onnxruntime sessions are built by
:func:`load_default_engine`.
"""

from liveness._exceptions import (
    CorruptImage,
    EmptyImage,
    FaceNotFound,
    FaceQualityTooLow,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageTooSmall,
    InvalidBase64,
    InvalidFrameCount,
    InvalidImage,
    LivenessError,
    ModelUnavailable,
    NotAnImage,
    TooFewFrames,
    TooManyFrames,
    UnsupportedImageFormat,
)
from liveness.challenges import (
    CHALLENGE_TYPES,
    BlinkResult,
    ChallengeMeasurement,
    ChallengeResult,
    ChallengeThresholds,
    ChallengeType,
    SmileResult,
)
from liveness.embed import ConfidenceMapping
from liveness.images import FrameLimits, ImageLimits, decode_base64_image, decode_frames, decode_image_bytes
from liveness.mesh import FaceMeasures
from liveness.passive import PassiveResult
from liveness.pipeline import EngineConfig, LivenessEngine, load_default_engine
from liveness.quality import QualityConfig, QualityResult
from liveness.types import BoundingBox, DetectionResult, Face, MatchResult, SpoofResult, VerifyResult

__all__ = [
    "CHALLENGE_TYPES",
    "BlinkResult",
    "BoundingBox",
    "ChallengeMeasurement",
    "ChallengeResult",
    "ChallengeThresholds",
    "ChallengeType",
    "ConfidenceMapping",
    "CorruptImage",
    "DetectionResult",
    "EmptyImage",
    "EngineConfig",
    "Face",
    "FaceMeasures",
    "FaceNotFound",
    "FaceQualityTooLow",
    "FrameLimits",
    "ImageLimits",
    "ImageTooLarge",
    "ImageTooManyPixels",
    "ImageTooSmall",
    "InvalidBase64",
    "InvalidFrameCount",
    "InvalidImage",
    "LivenessEngine",
    "LivenessError",
    "MatchResult",
    "ModelUnavailable",
    "NotAnImage",
    "PassiveResult",
    "QualityConfig",
    "QualityResult",
    "SmileResult",
    "SpoofResult",
    "TooFewFrames",
    "TooManyFrames",
    "UnsupportedImageFormat",
    "VerifyResult",
    "decode_base64_image",
    "decode_frames",
    "decode_image_bytes",
    "load_default_engine",
]
