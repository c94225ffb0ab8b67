"""The liveness engine's exceptions: one tree, raised only for bad input or broken infrastructure.

A spoof, a non-match or a failed check is a *verdict* and comes back as a result object. These
exceptions mean the engine could not reach a verdict at all::

    LivenessError
    ├── InvalidImage                 the bytes are not a usable image
    │   ├── InvalidBase64            not decodable base64 / data URL
    │   ├── EmptyImage               nothing to decode
    │   ├── ImageTooLarge            over the byte limit                  (client should shrink it)
    │   ├── ImageTooManyPixels       over the pixel limit (decompression bombs)
    │   ├── ImageTooSmall            under the minimum side length
    │   ├── UnsupportedImageFormat   an image, but not one we accept
    │   ├── NotAnImage               no known image signature
    │   └── CorruptImage             truncated or undecodable image data
    ├── FaceNotFound                 no face where one is required
    ├── FaceQualityTooLow            a face, but unusable for matching (too small, blurred, turned)
    ├── InvalidFrameCount            a burst of frames with too few or too many frames
    │   ├── TooFewFrames
    │   └── TooManyFrames
    ├── ModelUnavailable             a model file is missing or fails its sha256 check
    ├── UnknownBackend               a backend setting names no known backend    (liveness.backends)
    └── BackendError                 an isolated backend's worker could not answer (liveness.backends)

Every class carries a stable machine ``code``; the HTTP layer maps classes to status codes in one
table (``livecred/errors.py``). Messages never contain image bytes or embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence


class LivenessError(Exception):
    """Base class of every error the engine raises."""

    code = "liveness_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidImage(LivenessError):
    code = "invalid_image"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidBase64(InvalidImage):
    code = "invalid_base64"


class EmptyImage(InvalidImage):
    code = "empty_image"


class ImageTooLarge(InvalidImage):
    code = "image_too_large"


class ImageTooManyPixels(InvalidImage):
    code = "image_too_many_pixels"


class ImageTooSmall(InvalidImage):
    code = "image_too_small"


class UnsupportedImageFormat(InvalidImage):
    code = "unsupported_image_format"


class NotAnImage(InvalidImage):
    code = "not_an_image"


class CorruptImage(InvalidImage):
    code = "corrupt_image"


class FaceNotFound(LivenessError):
    code = "no_face"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FaceQualityTooLow(LivenessError):
    """The face fails the quality gate (``liveness.quality``); ``reasons`` says why.

    Raised by the match paths instead of returning a low-confidence guess: the caller should
    ask for a better photo, not read the failure as "a different person".
    """

    code = "face_quality_too_low"

    def __init__(self, message: str, *, field: str | None = None, reasons: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.reasons = list(reasons)


class InvalidFrameCount(LivenessError):
    code = "invalid_frame_count"

    def __init__(self, message: str, *, field: str | None = "frames") -> None:
        super().__init__(message)
        self.field = field


class TooFewFrames(InvalidFrameCount):
    code = "too_few_frames"


class TooManyFrames(InvalidFrameCount):
    code = "too_many_frames"


class ModelUnavailable(LivenessError):
    """Raised when model files are missing or corrupt; ``missing`` names them."""

    code = "models_unavailable"

    def __init__(self, message: str, *, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)
