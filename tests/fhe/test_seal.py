"""SEAL object framing (``fhe/_seal.py``): inflation stops at the cap, and the result is uncompressed."""

from __future__ import annotations

import pytest

from fhe._seal import Reader, SEALFormatError, SEALTooLarge, read_object
from tests.fhe import seal_bombs as sb

MIB = 1024 * 1024


def _words(r: Reader) -> list[bytes]:
    """Members: the rest of the object, whatever it holds."""
    return [bytes(r.take(r.remaining))]


def _read(obj: bytes, cap: int) -> bytes:
    reader = Reader(obj, "the test object")
    out = read_object(reader, cap, "the test object", _words)
    reader.end()
    return out


@pytest.mark.parametrize("mode", [sb.NONE, sb.ZLIB, sb.ZSTD], ids=["none", "zlib", "zstd"])
def test_an_object_up_to_its_cap_is_read_back_uncompressed(mode: int) -> None:
    members = bytes(range(256)) * 16
    obj = sb.frame([members], mode)
    assert _read(obj, 16 + len(members)) == sb.frame([members], sb.NONE)
    with pytest.raises(SEALTooLarge, match="the 4111 bytes this object takes"):
        _read(obj, 16 + len(members) - 1)


@pytest.mark.parametrize("mode", [sb.ZLIB, sb.ZSTD], ids=["zlib", "zstd"])
def test_a_bomb_is_refused_at_the_cap(mode: int) -> None:
    bomb = sb.frame(sb.zeros(256 * MIB), mode, zlib_level=9)
    assert len(bomb) < 300_000
    with pytest.raises(SEALTooLarge, match="compressed data inflating beyond the 65536 bytes"):
        _read(bomb, 64 * 1024)


def test_a_zstd_frame_declaring_more_than_the_cap_is_refused_unread() -> None:
    frame = sb.zstd.compress(bytes(2 * MIB))[:30]  # a one-shot frame states its size; cut, it cannot be inflated
    obj = sb.HEADER.pack(0xA15E, 16, 4, 3, sb.ZSTD, 0, 16 + len(frame)) + frame
    with pytest.raises(SEALTooLarge):
        _read(obj, MIB)


def test_a_zstd_window_larger_than_the_cap_needs_is_refused() -> None:
    # The decoder would reserve the declared window (here 128 MiB) before writing a byte.
    options = {sb.zstd.CompressionParameter.window_log: 27}
    compressor = sb.zstd.ZstdCompressor(options=options)
    body = compressor.compress(b"x" * 1000) + compressor.flush()
    obj = sb.HEADER.pack(0xA15E, 16, 4, 3, sb.ZSTD, 0, 16 + len(body)) + body
    with pytest.raises(SEALFormatError, match="corrupted zstd stream"):
        _read(obj, 4096)


def test_nested_objects_come_back_uncompressed_at_every_level() -> None:
    inner = sb.frame([b"inner" * 100], sb.ZSTD)
    outer = sb.frame([b"head", inner], sb.ZLIB)

    def members(r: Reader) -> list[bytes]:
        return [bytes(r.take(4)), read_object(r, 16 + 500, "the inner object", _words)]

    out = read_object(Reader(outer, "outer"), 16 + 4 + 16 + 500, "the outer object", members)
    assert out == sb.frame([b"head", sb.frame([b"inner" * 100], sb.NONE)], sb.NONE)


@pytest.mark.parametrize(
    "obj",
    [
        b"",
        b"\x5e\xa1\x10",
        sb.HEADER.pack(0xA15E, 16, 4, 3, 0, 0, 15),  # states less than its own header
        sb.frame([b"x"], sb.ZLIB)[:-1] + b"\0",  # checksum broken
    ],
    ids=["empty", "short header", "size under the header", "bad zlib checksum"],
)
def test_malformed_objects_are_format_errors(obj: bytes) -> None:
    with pytest.raises(SEALFormatError) as caught:
        _read(obj, MIB)
    assert not isinstance(caught.value, SEALTooLarge)
