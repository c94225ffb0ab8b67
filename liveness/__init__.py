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
from liveness.config import EngineConfig
from liveness.embed import ConfidenceMapping
from liveness.image_engine import ImageEngine, Subject
from liveness.images import FrameLimits, ImageLimits, decode_base64_image, decode_frames, decode_image_bytes
from liveness.interactive import InteractiveEngine
from liveness.mesh import FaceMeasures
from liveness.passive import PassiveResult
from liveness.pipeline import LivenessEngine, load_default_engine
from liveness.quality import QualityConfig, QualityResult
from liveness.stream import FrameReport, LiveTake, StreamConfig, StreamEngine, TakeVerdict
from liveness.timing import INFERENCE_PARTS, InferenceObserver
from liveness.types import BoundingBox, DetectionResult, Face, MatchResult, SpoofResult, VerifyResult

__all__ = [
    "CHALLENGE_TYPES",
    "INFERENCE_PARTS",
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
    "FrameReport",
    "ImageEngine",
    "ImageLimits",
    "ImageTooLarge",
    "ImageTooManyPixels",
    "ImageTooSmall",
    "InferenceObserver",
    "InteractiveEngine",
    "InvalidBase64",
    "InvalidFrameCount",
    "InvalidImage",
    "LiveTake",
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
    "StreamConfig",
    "StreamEngine",
    "Subject",
    "TakeVerdict",
    "TooFewFrames",
    "TooManyFrames",
    "UnsupportedImageFormat",
    "VerifyResult",
    "decode_base64_image",
    "decode_frames",
    "decode_image_bytes",
    "load_default_engine",
]
