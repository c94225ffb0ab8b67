"""The shape of a JSON body, measured on the raw bytes before any parser sees them.

Why: a body nested 100,000 levels deep (200 KB, under every size limit) overflows the C stack
of the JSON decoder once anything raises the interpreter's recursion limit (py_ecc does, on
import), and a body of a million empty arrays costs a gigabyte of Python objects to parse. Both
are refused here, from counts that cost a few bytes-level passes over the body:

* ``json_too_deep``: more than ``max_depth`` arrays/objects nested in one another;
* ``json_too_complex``: more than ``max_containers`` arrays/objects, or ``max_items`` values.

The fast path needs no parsing at all: a body with at most ``max_depth`` brackets and
``max_items`` commas anywhere (images as base64 have neither) cannot break either bound. Only
otherwise are strings masked out (escapes first, then everything between quotes) and the
brackets outside them walked. Every step is a C-level ``bytes`` operation except the final walk,
which visits at most ``2 * max_containers`` brackets. Invalid JSON may be measured loosely: it is
refused by the parser right after, so either answer is a 400.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["JSONShapeError", "JSONShapeLimits", "check_json_shape"]

_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)


class JSONShapeError(ValueError):
    """The body is refused before parsing; ``code`` is ``json_too_deep`` or ``json_too_complex``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class JSONShapeLimits:
    max_depth: int = 64
    max_containers: int = 10_000
    max_items: int = 100_000  # values in arrays and members of objects, all together

    @property
    def max_strings(self) -> int:
        # Every string is a value or a key; a body cannot hold more of them than this.
        return 2 * self.max_items + 2


def _outside_strings(body: bytes, limits: JSONShapeLimits) -> bytes:
    """The body with every string literal removed (escapes paired up from the left, as JSON does)."""
    if b"\\" in body:
        # A backslash pair is one escape; what remains of a backslash then escapes a quote.
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    quotes = body.count(b'"')
    if quotes > 2 * limits.max_strings:
        raise JSONShapeError("json_too_complex", f"the JSON body holds more than {limits.max_strings} strings")
    return b"".join(body.split(b'"')[0::2])


def check_json_shape(body: bytes, limits: JSONShapeLimits = JSONShapeLimits()) -> None:
    """Raise :class:`JSONShapeError` when ``body`` nests too deep or holds too many values."""
    opens = body.count(b"[") + body.count(b"{")
    if opens <= limits.max_depth and body.count(b",") <= limits.max_items:
        return
    structure = _outside_strings(body, limits)
    brackets = structure.translate(None, _NOT_BRACKETS)
    depth = 0
    # Nesting is judged first (a deep body is "too deep", however many brackets it has), on at
    # most as many brackets as the container limit allows; past that, the count refuses anyway.
    for byte in brackets[: 2 * limits.max_containers + 2]:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limits.max_depth:
                raise JSONShapeError("json_too_deep", f"the JSON body is nested deeper than {limits.max_depth} levels")
        else:
            depth -= 1
    opens = brackets.count(b"[") + brackets.count(b"{")
    if opens > limits.max_containers:
        raise JSONShapeError(
            "json_too_complex", f"the JSON body holds more than {limits.max_containers} arrays and objects"
        )
    if structure.count(b",") > limits.max_items:
        raise JSONShapeError("json_too_complex", f"the JSON body holds more than {limits.max_items} values")
