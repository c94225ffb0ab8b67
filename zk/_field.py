"""BN254 constants and the encodings the statement uses: fixed-point scores and nonces.

Decisions made here, in one place:

* **Scale.** Scores and thresholds are confidences in [0, 1] as integers x 10000 (4 decimals).
  The threshold is *rounded* to the nearest step (``minConfidence`` is a policy value given in
  decimals); the score is *truncated*, never rounded up, so a proof never claims more than the
  engine measured.
* **Nonce.** A verifier's challenge. Given as a canonical field element (decimal digits, or
  ``0x`` + hex, value < r) it is used as is; any other string of 1..256 characters (a UUID, a
  session nonce in base64url) is mapped to the field by
  ``int.from_bytes(sha512(b"livecred/zk/nonce/v1\\x00" + utf8(s)), "big") mod r``. A string that
  looks like a field element but is >= r is refused rather than hashed, so the two forms never
  collide silently.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets

from zk._exceptions import InvalidNonce, InvalidStatement

__all__ = [
    "BASE_FIELD_MODULUS",
    "MAX_SCORE",
    "NONCE_DOMAIN",
    "SCALAR_FIELD_ORDER",
    "SCORE_SCALE",
    "nonce_to_field",
    "random_field_element",
    "scale_score",
    "scale_threshold",
]

# r: the order of the BN254 groups; public signals, scores, salts and nonces live in Z_r.
SCALAR_FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617
# q: the base field of BN254; curve-point coordinates live in F_q.
BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583

SCORE_SCALE = 10_000
MAX_SCORE = 10_000

NONCE_DOMAIN = b"livecred/zk/nonce/v1\x00"
MAX_NONCE_CHARS = 256
_DECIMAL = re.compile(r"[0-9]{1,78}")
_HEX = re.compile(r"0x[0-9a-fA-F]{1,64}")


def scale_threshold(min_confidence: float) -> int:
    """``minConfidence`` in [0, 1] -> the circuit's threshold in [0, 10000] (rounded)."""
    if not (isinstance(min_confidence, int | float) and 0.0 <= min_confidence <= 1.0):
        raise InvalidStatement("the threshold must be a number in [0, 1]", field="minConfidence")
    return round(min_confidence * SCORE_SCALE)


def scale_score(confidence: float) -> int:
    """A match confidence in [0, 1] -> the circuit's score in [0, 10000] (truncated).

    The product is first rounded to 6 decimals so that binary floating point noise
    (0.29 * 10000 == 2899.9999999999995) does not cost a step.
    """
    if not (isinstance(confidence, int | float) and math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
        raise InvalidStatement("the score must be a confidence in [0, 1]")
    return min(MAX_SCORE, math.floor(round(confidence * SCORE_SCALE, 6)))


def nonce_to_field(nonce: str) -> int:
    """The nonce as the field element the circuit binds (see the module docstring)."""
    if not isinstance(nonce, str) or not nonce:
        raise InvalidNonce("the nonce must be a non-empty string", field="nonce")
    if len(nonce) > MAX_NONCE_CHARS:
        raise InvalidNonce(f"the nonce is longer than {MAX_NONCE_CHARS} characters", field="nonce")
    if _DECIMAL.fullmatch(nonce) or _HEX.fullmatch(nonce):
        value = int(nonce, 0 if nonce.startswith("0x") else 10)
        if value >= SCALAR_FIELD_ORDER:
            raise InvalidNonce("the nonce is a number but not below the BN254 scalar field order", field="nonce")
        return value
    digest = hashlib.sha512(NONCE_DOMAIN + nonce.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest, "big") % SCALAR_FIELD_ORDER


def random_field_element() -> int:
    """A uniformly random non-zero element of Z_r from the OS CSPRNG."""
    return 1 + secrets.randbelow(SCALAR_FIELD_ORDER - 1)
