"""Decode and validate untrusted image input.

Everything a client sends passes through :func:`decode_image` before any model sees it. The order
of checks is chosen so that the cheap ones run first and nothing large is allocated before the
limits are known: encoded length, base64, byte length, format signature, header dimensions (so a
decompression bomb is refused before its pixels exist), then the full decode, which catches
truncated data. EXIF orientation is applied, so a phone photo taken sideways is upright.

Errors name the request field (``field``) but never echo the input.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from liveness._exceptions import (
    CorruptImage,
    EmptyImage,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageTooSmall,
    InvalidBase64,
    NotAnImage,
    TooFewFrames,
    TooManyFrames,
    UnsupportedImageFormat,
)

__all__ = [
    "MIN_FRAMES",
    "FrameLimits",
    "ImageLimits",
    "check_frame_count",
    "decode_base64_image",
    "decode_frame_bytes",
    "decode_frames",
    "decode_image_bytes",
]

# What browsers and phones produce; anything else (TIFF, PSD, EPS, ...) is refused: fewer decoders
# exposed to hostile bytes.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP"})

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w.+-]+=[\w.+-]+)*)(?P<b64>;base64)?,")
_WHITESPACE_CHARS = ("\n", "\r", " ", "\t")


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """Limits applied to every decoded image. Defaults suit phone selfies and ID scans."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 32

    @property
    def max_base64_chars(self) -> int:
        # 4 characters per 3 bytes, plus slack for a data-URL prefix and line breaks.
        return (self.max_bytes + 2) // 3 * 4 + 1024


# A blink needs open, closed, open; motion needs at least two steps.
MIN_FRAMES = 3


@dataclass(frozen=True, slots=True)
class FrameLimits:
    """Limits on a burst of camera frames: how many, and each frame's own size."""

    max_frames: int = 20
    image: ImageLimits = ImageLimits(max_bytes=1024 * 1024, max_pixels=4_000_000)
    min_frames: int = MIN_FRAMES


def check_frame_count(count: int, limits: FrameLimits, *, field: str = "frames") -> None:
    """Refuse a burst with fewer than ``min_frames`` or more than ``max_frames`` frames."""
    if count < limits.min_frames:
        raise TooFewFrames(f"'{field}' has {count} frames; at least {limits.min_frames} are needed", field=field)
    if count > limits.max_frames:
        raise TooManyFrames(f"'{field}' has {count} frames; at most {limits.max_frames} are accepted", field=field)


def decode_frames(frames: Sequence[str], limits: FrameLimits, *, field: str = "frames") -> list[np.ndarray]:
    """Decode a burst of base64 frames; the count is checked first, and a bad frame is named
    ``frames[i]`` in the error."""
    check_frame_count(len(frames), limits, field=field)
    return [decode_base64_image(frame, limits.image, field=f"{field}[{i}]") for i, frame in enumerate(frames)]


def decode_base64_image(data: str, limits: ImageLimits, *, field: str = "image") -> np.ndarray:
    """Decode a base64 string or a ``data:image/...;base64,`` URL into a BGR uint8 array."""
    if len(data) > limits.max_base64_chars:
        raise ImageTooLarge(f"'{field}' exceeds the limit of {limits.max_bytes} bytes", field=field)
    text = data.strip()
    if not text:
        raise EmptyImage(f"'{field}' is empty", field=field)
    match = _DATA_URL.match(text)
    if match:
        if not match.group("b64"):
            raise InvalidBase64(f"'{field}' is a data URL without ';base64'", field=field)
        mime = match.group("mime")
        if mime and not mime.lower().startswith("image/"):
            raise UnsupportedImageFormat(f"'{field}' is a data URL of type {mime!r}, not an image", field=field)
        text = text[match.end() :]
    if not text:
        raise EmptyImage(f"'{field}' is empty", field=field)
    return decode_image_bytes(_strict_b64decode(text, field), limits, field=field)


def _strict_b64decode(text: str, field: str) -> bytes:
    """Standard base64; line breaks and missing padding are tolerated, anything else is refused."""
    candidates = [text]
    if any(ws in text for ws in _WHITESPACE_CHARS):  # MIME-wrapped: only then pay for stripping
        candidates.append("".join(text.split()))
    for candidate in candidates:
        try:
            # Clients often drop the padding; restore it rather than fail.
            return base64.b64decode(candidate + "=" * (-len(candidate) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
    raise InvalidBase64(f"'{field}' is not valid base64", field=field)


def decode_image_bytes(raw: bytes, limits: ImageLimits, *, field: str = "image") -> np.ndarray:
    """Decode encoded image bytes (JPEG, PNG, WebP, BMP) into a BGR uint8 array, upright."""
    with warnings.catch_warnings():
        # Pillow warns (then raises) on huge images; our own pixel check is the policy.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with _open_checked(raw, limits, field) as img:
            try:
                img.load()
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise CorruptImage(f"'{field}' is truncated or its image data is corrupt", field=field) from exc
            upright = _apply_exif_orientation(img)
            rgb = upright if upright.mode == "RGB" else upright.convert("RGB")  # no copy when already RGB
    # RGB -> BGR, contiguous, as every OpenCV-style consumer expects (cvtColor: 5x a numpy flip).
    return cv2.cvtColor(np.asarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2BGR)


def decode_frame_bytes(raw: bytes, limits: ImageLimits, *, field: str = "frame") -> np.ndarray:
    """:func:`decode_image_bytes` for a live camera frame, about twice as cheap: the header is
    checked the same way (format, pixel count, size, before any pixel is decoded), then OpenCV
    decodes it straight to BGR (upright per EXIF, as OpenCV reads it). A frame that does not decode
    whole is :class:`CorruptImage`."""
    with _open_checked(raw, limits, field) as img:
        width, height = img.size
    decoded = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None or decoded.shape[0] * decoded.shape[1] != width * height:
        raise CorruptImage(f"'{field}' is truncated or its image data is corrupt", field=field)
    return decoded


def _open_checked(raw: bytes, limits: ImageLimits, field: str) -> Image.Image:
    """Open ``raw`` lazily (the header only) and refuse it before any pixel is decoded: empty, over
    the byte limit, not an image, a format we do not take, too many pixels, too small."""
    if not raw:
        raise EmptyImage(f"'{field}' is empty", field=field)
    if len(raw) > limits.max_bytes:
        raise ImageTooLarge(f"'{field}' is {len(raw)} bytes; the limit is {limits.max_bytes}", field=field)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(raw))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooManyPixels(f"'{field}' exceeds the limit of {limits.max_pixels} pixels", field=field) from exc
        except UnidentifiedImageError as exc:
            raise NotAnImage(f"'{field}' is not a recognised image", field=field) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptImage(f"'{field}' has a corrupt image header", field=field) from exc
    try:
        if img.format not in ACCEPTED_FORMATS:
            raise UnsupportedImageFormat(
                f"'{field}' is {img.format}; accepted formats are " + ", ".join(sorted(ACCEPTED_FORMATS)),
                field=field,
            )
        width, height = img.size
        if width * height > limits.max_pixels:
            raise ImageTooManyPixels(
                f"'{field}' is {width}x{height} pixels; the limit is {limits.max_pixels} pixels", field=field
            )
        if min(width, height) < limits.min_side:
            raise ImageTooSmall(
                f"'{field}' is {width}x{height}; each side must be at least {limits.min_side} px", field=field
            )
    except BaseException:
        img.close()
        raise
    return img


def _apply_exif_orientation(img: Image.Image) -> Image.Image:
    """Rotate/flip per the EXIF orientation tag; untouched (no copy) when there is none."""
    try:
        if img.getexif().get(0x0112, 1) in (None, 1):
            return img
        return ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - hostile EXIF must not fail an otherwise good image
        return img
