"""Untrusted image decoding: every hostile input is refused with its own error, nothing crashes."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from liveness import (
    CorruptImage,
    EmptyImage,
    ImageLimits,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageTooSmall,
    InvalidBase64,
    NotAnImage,
    UnsupportedImageFormat,
    decode_base64_image,
    decode_image_bytes,
)
from liveness.images import decode_frame_bytes

LIMITS = ImageLimits()


def _encode(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def _gradient(width: int = 64, height: int = 48) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)[None, :].repeat(height, 0)
    return Image.fromarray(np.stack([x, x[::-1], np.full_like(x, 30)], axis=2), "RGB")


def png_bomb(width: int, height: int) -> bytes:
    """A few hundred bytes declaring ``width x height`` pixels: a decompression bomb header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_jpeg_decodes_to_bgr_with_the_right_channel_order() -> None:
    img = Image.new("RGB", (40, 40), (255, 0, 0))  # pure red
    out = decode_image_bytes(_encode(img, "PNG"), LIMITS)
    assert out.shape == (40, 40, 3) and out.dtype == np.uint8
    assert tuple(out[0, 0]) == (0, 0, 255)  # BGR


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP"])
def test_accepted_formats(fmt: str) -> None:
    out = decode_image_bytes(_encode(_gradient(), fmt), LIMITS)
    assert out.shape == (48, 64, 3)


def test_grey_and_alpha_images_become_three_channels() -> None:
    assert decode_image_bytes(_encode(_gradient().convert("L"), "PNG"), LIMITS).shape == (48, 64, 3)
    assert decode_image_bytes(_encode(_gradient().convert("RGBA"), "PNG"), LIMITS).shape == (48, 64, 3)


def test_data_url_prefix_and_missing_padding_are_accepted() -> None:
    raw = _encode(_gradient(), "PNG")
    b64 = base64.b64encode(raw).decode()
    plain = decode_base64_image(b64, LIMITS)
    assert np.array_equal(decode_base64_image("data:image/png;base64," + b64, LIMITS), plain)
    assert np.array_equal(decode_base64_image(b64.rstrip("="), LIMITS), plain)
    wrapped = "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    assert np.array_equal(decode_base64_image(wrapped, LIMITS), plain)


def test_exif_orientation_is_applied() -> None:
    img = _gradient(80, 40)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = decode_image_bytes(_encode(img, "JPEG", exif=exif), LIMITS)
    assert out.shape[:2] == (80, 40)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ("", EmptyImage),
        ("   ", EmptyImage),
        ("data:image/png;base64,", EmptyImage),
        ("not base64 at all!!", InvalidBase64),
        ("data:image/png,abcd", InvalidBase64),
        ("data:text/plain;base64," + base64.b64encode(b"hello").decode(), UnsupportedImageFormat),
        (base64.b64encode(b"hello, I am not an image").decode(), NotAnImage),
    ],
)
def test_bad_base64_inputs(payload: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_base64_image(payload, LIMITS)


def test_truncated_jpeg_is_corrupt() -> None:
    raw = _encode(_gradient(400, 300), "JPEG", quality=95)
    with pytest.raises(CorruptImage):
        decode_image_bytes(raw[: len(raw) // 2], LIMITS)


def test_byte_limit() -> None:
    raw = _encode(_gradient(), "PNG")
    with pytest.raises(ImageTooLarge):
        decode_image_bytes(raw, ImageLimits(max_bytes=len(raw) - 1))
    with pytest.raises(ImageTooLarge):
        decode_base64_image(base64.b64encode(b"\0" * 5000).decode(), ImageLimits(max_bytes=1000))


@pytest.mark.parametrize("side", [20_000, 100_000])
def test_decompression_bomb_is_refused_before_decoding(side: int) -> None:
    bomb = png_bomb(side, side)
    assert len(bomb) < 2000
    with pytest.raises(ImageTooManyPixels):
        decode_image_bytes(bomb, LIMITS)


def test_too_small_and_unsupported_formats() -> None:
    with pytest.raises(ImageTooSmall):
        decode_image_bytes(_encode(_gradient(10, 10), "PNG"), LIMITS)
    with pytest.raises(UnsupportedImageFormat):
        decode_image_bytes(_encode(_gradient(), "TIFF"), LIMITS)
    with pytest.raises(UnsupportedImageFormat):
        decode_image_bytes(_encode(_gradient(), "GIF"), LIMITS)


def test_error_messages_do_not_echo_the_input() -> None:
    payload = base64.b64encode(b"SECRET-PAYLOAD-" * 20).decode()
    with pytest.raises(NotAnImage) as info:
        decode_base64_image(payload, LIMITS, field="selfieImage")
    assert payload[:16] not in str(info.value) and "SECRET" not in str(info.value)
    assert info.value.field == "selfieImage"


def test_camera_frames_decode_as_images_do_and_refuse_the_same_inputs() -> None:
    """decode_frame_bytes (the live take's decoder) checks the header like decode_image_bytes and
    decodes with OpenCV; the pictures agree and every hostile input is refused the same way."""
    raw = _encode(_gradient(320, 240), "PNG")
    assert np.array_equal(decode_frame_bytes(raw, LIMITS), decode_image_bytes(raw, LIMITS))
    jpeg = _encode(_gradient(320, 240), "JPEG", quality=90)
    assert (
        np.abs(decode_frame_bytes(jpeg, LIMITS).astype(int) - decode_image_bytes(jpeg, LIMITS).astype(int)).max() <= 2
    )
    cases: list[tuple[bytes, ImageLimits, type[Exception]]] = [
        (b"", LIMITS, EmptyImage),
        (b"not an image at all", LIMITS, NotAnImage),
        (raw, ImageLimits(max_bytes=len(raw) - 1), ImageTooLarge),
        (png_bomb(20_000, 20_000), LIMITS, ImageTooManyPixels),
        (_encode(_gradient(10, 10), "PNG"), LIMITS, ImageTooSmall),
        (_encode(_gradient(), "GIF"), LIMITS, UnsupportedImageFormat),
        (jpeg[: len(jpeg) // 2], LIMITS, CorruptImage),
    ]
    for data, limits, error in cases:
        with pytest.raises(error):
            decode_frame_bytes(data, limits)
