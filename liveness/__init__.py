"""livecred's face-liveness engine: numpy images in, frozen result dataclasses out.

No web framework and no environment reads here: the caller passes the models directory and the
thresholds. ``import liveness`` is cheap; onnxruntime sessions are built by
:func:`load_default_engine`.
"""

from liveness._exceptions import (
    CorruptImage,
    EmptyImage,
    FaceNotFound,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageTooSmall,
    InvalidBase64,
    InvalidImage,
    LivenessError,
    ModelUnavailable,
    NotAnImage,
    UnsupportedImageFormat,
)
from liveness.embed import ConfidenceMapping
from liveness.images import ImageLimits, decode_base64_image, decode_image_bytes
from liveness.pipeline import EngineConfig, LivenessEngine, load_default_engine
from liveness.types import BoundingBox, DetectionResult, Face, MatchResult, SpoofResult, VerifyResult

__all__ = [
    "BoundingBox",
    "ConfidenceMapping",
    "CorruptImage",
    "DetectionResult",
    "EmptyImage",
    "EngineConfig",
    "Face",
    "FaceNotFound",
    "ImageLimits",
    "ImageTooLarge",
    "ImageTooManyPixels",
    "ImageTooSmall",
    "InvalidBase64",
    "InvalidImage",
    "LivenessEngine",
    "LivenessError",
    "MatchResult",
    "ModelUnavailable",
    "NotAnImage",
    "SpoofResult",
    "UnsupportedImageFormat",
    "VerifyResult",
    "decode_base64_image",
    "decode_image_bytes",
    "load_default_engine",
]
