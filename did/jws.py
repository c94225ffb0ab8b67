"""Compact JWS signed with a DID's Ed25519 key: how a holder proves control of its DID.

The token's header names the key as a DID URL (``kid``, e.g. ``did:key:z6Mk…#z6Mk…``); the key
is resolved through a :class:`DIDResolver` and must be authorised for the asked proof purpose
(``authentication`` by default). Parsing and the EdDSA signature check are PyJWT's; this module
adds the DID side and the freshness and claim checks every caller needs.

A token that fails to verify is a verdict (:class:`JWSVerification` with ``reasons``), not an
exception, so that the caller decides what a failure costs (the API counts it towards a lockout).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey as _CryptoPublicKey

from did._exceptions import DIDError
from did.keys import Ed25519KeyPair
from did.resolver import DIDResolver, is_did

__all__ = ["JWSVerification", "sign_jws", "verify_did_jws"]

MAX_TOKEN_CHARS = 8192
# A JWT NumericDate (RFC 7519 section 2) we accept: finite seconds since 1970, before the year
# 10000. JSON parsers (Python's, so PyJWT's) read NaN and Infinity literals, and NaN compares
# false with everything, so without this check ``"iat": NaN`` would pass every freshness test.
_LATEST_NUMERIC_DATE = 253_402_300_799
_FRAGMENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%/?")


@dataclass(frozen=True, slots=True)
class JWSVerification:
    """``valid`` when the signature, key, type, audience, nonce and age all check out."""

    valid: bool
    reasons: tuple[str, ...] = ()
    did: str | None = None
    kid: str | None = None
    header: Mapping[str, Any] = field(default_factory=dict)
    claims: Mapping[str, Any] = field(default_factory=dict)


def sign_jws(claims: Mapping[str, Any], key: Ed25519KeyPair, *, kid: str, typ: str) -> str:
    """A compact EdDSA JWS over ``claims`` (what a wallet sends; used by tests and the CLI)."""
    private = key._private
    return jwt.encode(dict(claims), private, algorithm="EdDSA", headers={"typ": typ, "kid": kid})


def _fail(reason: str, **known: Any) -> JWSVerification:
    return JWSVerification(False, (reason,), **known)


def _numeric_date(value: object) -> float | None:
    """``value`` as a JWT NumericDate, or ``None`` if it is not a finite number in range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) and 0 <= number <= _LATEST_NUMERIC_DATE else None


def _split_kid(kid: object) -> tuple[str, str] | None:
    """A ``kid`` naming a key as ``<DID>#<fragment>``: the DID whole (no path or query) and the
    fragment; ``None`` for anything else."""
    if not isinstance(kid, str):
        return None
    did, sep, fragment = kid.partition("#")
    if not sep or not is_did(did) or not fragment or not _FRAGMENT_CHARS.issuperset(fragment):
        return None
    return did, fragment


def verify_did_jws(
    token: object,
    resolver: DIDResolver,
    *,
    typ: str,
    audience: str,
    nonce: str | None = None,
    expected_did: str | None = None,
    purpose: str = "authentication",
    max_age_seconds: float = 300.0,
    clock_skew_seconds: float = 60.0,
    now: float | None = None,
) -> JWSVerification:
    """Check a holder's proof JWT.

    It must be a compact JWS with ``alg`` EdDSA, the given ``typ``, a ``kid`` DID URL (of
    ``expected_did`` when given) whose key is authorised for ``purpose``, ``aud`` = ``audience``,
    ``nonce`` = ``nonce`` when given, and an ``iat`` no older than ``max_age_seconds`` (``exp`` and
    ``nbf``, when present, are honoured too). Every date must be a finite NumericDate.
    """
    now = time.time() if now is None else now
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS or token.count(".") != 2:
        return _fail("not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return _fail("the JWS header is not valid base64url JSON")
    if header.get("alg") != "EdDSA":
        return _fail("alg must be EdDSA", header=header)
    if header.get("typ") != typ:
        return _fail(f"typ must be {typ}", header=header)
    kid = header.get("kid")
    parts = _split_kid(kid)
    if parts is None:
        return _fail("kid must be a DID URL naming the signing key (<DID>#<fragment>)", header=header)
    did = parts[0]
    kid = f"{did}#{parts[1]}"
    known: dict[str, Any] = {"did": did, "kid": kid, "header": header}
    if expected_did is not None and did != expected_did:
        return _fail("the proof is signed by another DID than the session's holder", **known)
    try:
        method = resolver.verification_method(kid, purpose)
        public = method.ed25519_public_key()
    except DIDError as exc:
        return _fail(f"the signing key could not be used: {exc.message}", **known)
    try:
        claims = jwt.decode(
            token,
            _CryptoPublicKey.from_public_bytes(public.raw),
            algorithms=["EdDSA"],
            audience=audience,
            options={"require": ["aud", "iat"], "verify_iat": False, "verify_exp": False, "verify_nbf": False},
        )
    except jwt.InvalidSignatureError:
        return _fail("the signature does not verify with the holder's key", **known)
    except jwt.InvalidAudienceError:
        return _fail(f"aud must be {audience}", **known)
    except jwt.MissingRequiredClaimError as exc:
        return _fail(f"the claim '{exc.claim}' is missing", **known)
    except jwt.PyJWTError:
        return _fail("the JWS is malformed", **known)
    known["claims"] = claims
    iat = _numeric_date(claims.get("iat"))
    if iat is None:
        return _fail("iat must be a finite number (seconds since 1970)", **known)
    if iat > now + clock_skew_seconds:
        return _fail("iat is in the future", **known)
    if iat < now - max_age_seconds - clock_skew_seconds:
        return _fail("the proof is too old (iat)", **known)
    for name in ("exp", "nbf"):
        if name in claims and _numeric_date(claims[name]) is None:
            return _fail(f"{name} must be a finite number (seconds since 1970)", **known)
    exp, nbf = _numeric_date(claims.get("exp")), _numeric_date(claims.get("nbf"))
    if exp is not None and exp < now - clock_skew_seconds:
        return _fail("the proof has expired (exp)", **known)
    if nbf is not None and nbf > now + clock_skew_seconds:
        return _fail("the proof is not valid yet (nbf)", **known)
    if nonce is not None and claims.get("nonce") != nonce:
        return _fail("nonce does not match", **known)
    return JWSVerification(True, (), did, kid, header, claims)
