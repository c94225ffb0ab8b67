"""The JSON shape guard, on raw bytes: depth and counts measured outside strings, before parsing."""

from __future__ import annotations

import base64
import json

import pytest

from livecred.json_guard import JSONShapeError, JSONShapeLimits, check_json_shape


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_real_bodies_pass() -> None:
    image = base64.b64encode(bytes(range(256)) * 4000).decode()
    check_json_shape(json.dumps({"baseline": [image] * 5, "challenges": [[image]] * 3}).encode())
    check_json_shape(json.dumps({"verifiableCredential": {"a": [{"b": {"c": [1, 2, {"d": "x"}]}}]}}).encode())
    check_json_shape(b"")


@pytest.mark.parametrize("depth", [64])
def test_depth_at_the_limit_passes(depth: int) -> None:
    check_json_shape(nested(depth))
    check_json_shape(b"[" * depth + b"]" * depth)


@pytest.mark.parametrize("body", [nested(65), b"[" * 65 + b"]" * 65, b"[" * 100_000, b'{"a":' * 100_000])
def test_too_deep_is_refused(body: bytes) -> None:
    with pytest.raises(JSONShapeError) as info:
        check_json_shape(body)
    assert info.value.code == "json_too_deep"


def test_brackets_inside_strings_do_not_count() -> None:
    inside = json.dumps({"note": "[" * 100_000, "other": "{{{" * 1000}).encode()
    check_json_shape(inside)
    # Escaped quotes and backslashes do not end a string early.
    tricky = json.dumps({"a": 'x\\"' + "[" * 500 + '\\\\"', "b": ["\\", "\\\\"]}).encode()
    check_json_shape(tricky)


def test_an_escaped_quote_does_not_hide_real_nesting() -> None:
    body = b'{"a": "\\\\", "b": ' + b"[" * 70 + b"]" * 70 + b"}"
    assert json.loads(body)  # valid JSON: the string is one backslash, the arrays are real
    with pytest.raises(JSONShapeError, match="deeper"):
        check_json_shape(body)


@pytest.mark.parametrize(
    "body",
    [
        b"[" + b"[]," * 20_000 + b"[]]",  # many containers, shallow
        b"[" + b"1," * 200_000 + b"1]",  # many values
        b"[" + b'"a",' * 300_000 + b'"a"]',  # many strings
    ],
)
def test_too_many_values_are_refused(body: bytes) -> None:
    with pytest.raises(JSONShapeError) as info:
        check_json_shape(body)
    assert info.value.code == "json_too_complex"


def test_limits_are_configurable() -> None:
    with pytest.raises(JSONShapeError):
        check_json_shape(nested(5), JSONShapeLimits(max_depth=4))
    check_json_shape(nested(5), JSONShapeLimits(max_depth=5))
