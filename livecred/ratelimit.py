"""Rate limits per client address and per holder DID, with the ``limits`` library.

Each family of routes has one setting in ``limits`` notation (``LIVECRED_RATE_LIMIT_SESSIONS=
"10/minute;100/hour"``; empty = unlimited) and one budget per client: the face routes share the
``faces`` budget, ``/token`` has ``tokens``, and so on (``ROUTE_FAMILIES``). Opening a session also
counts against the holder DID (``sessions_per_did``), whatever address it comes from.

The strategy is ``limits``' fixed window; the counters live where ``LIVECRED_RATE_LIMIT_STORAGE``
says: ``database`` (the issuer database, so replicas share them; ``livecred.ratelimit_storage``),
``memory`` (this process only) or a ``redis://`` URL. Subjects are stored as HMACs under a secret
derived from the issuer key (as the lockout's are), never as raw addresses or DIDs; an IPv6
client is counted by its /64, which is what one subscriber gets.

The per-address check is ASGI middleware, so a refused client's body (up to tens of megabytes on
the face routes) is never read. A refusal is 429 with ``Retry-After`` and ``code`` ``rate_limited``
(``error`` on the OAuth routes, in their error shape) and a message naming the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio
from fastapi import HTTPException, Request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from issuer import Issuer
from livecred.capacity import BoundedPool, ServerBusy
from livecred.client_address import client_address
from livecred.ratelimit_storage import SQLStorage
from livecred.settings import Settings

__all__ = [
    "FACE_ROUTES",
    "FAMILIES",
    "RATE_LIMITED",
    "ROUTE_FAMILIES",
    "RateLimitMiddleware",
    "RateLimitRefusal",
    "RateLimitUnavailable",
    "RateLimits",
    "address_subject",
    "build_rate_limits",
    "limit_holder_did",
]

logger = logging.getLogger("livecred.livecred.ratelimit")

RATE_LIMITED = "rate_limited"
CHECK_TIMEOUT_S = 2.0

# Family -> what its counter counts, for the 429 message. The setting is LIVECRED_RATE_LIMIT_<FAMILY>.
FAMILIES: Mapping[str, str] = {
    "sessions": "sessions opened from this client address",
    "sessions_per_did": "sessions opened for this holder DID",
    "nonces": "nonce requests from this client address",
    "tokens": "token requests from this client address",
    "credentials": "credential requests from this client address",
    "verifications": "credential verifications from this client address",
    "presentation_requests": "OpenID4VP requests created from this client address",
    "presentation_results": "OpenID4VP result polls from this client address",
    "faces": "face checks from this client address",
}

# The routes that run face inference (route templates): one rate-limit budget here, and the
# inference pool's admission in livecred/app.py.
FACE_ROUTES = (
    "/detect",
    "/liveness",
    "/antispoof",
    "/face-match",
    "/verify",
    "/face-match-proof",
    "/challenge/validate",
    "/smile-check",
    "/blink-check",
    "/passive-monitor",
    "/fhe/distance",
)

# (method, route path) -> (family, answers in the OAuth error shape).
ROUTE_FAMILIES: Mapping[tuple[str, str], tuple[str, bool]] = {
    ("POST", "/sessions"): ("sessions", False),
    ("POST", "/nonce"): ("nonces", True),
    ("POST", "/token"): ("tokens", True),
    ("POST", "/credential"): ("credentials", True),
    ("POST", "/sessions/{session_id}/credential"): ("credentials", False),
    ("POST", "/credentials/verify"): ("verifications", False),
    ("POST", "/presentations/verify"): ("verifications", False),
    ("POST", "/challenges"): ("verifications", False),
    ("POST", "/oid4vp/requests"): ("presentation_requests", False),
    ("GET", "/oid4vp/requests/{transaction_id}"): ("presentation_results", False),
    ("POST", "/oid4vp/response"): ("verifications", True),
    **{("POST", path): ("faces", False) for path in FACE_ROUTES},
}

# At most one "failing open" warning per this many seconds: a database outage under load would
# otherwise log once per request.
_WARN_EVERY_S = 60.0


class RateLimitUnavailable(RuntimeError):
    """The configured counter storage cannot be used (stops start-up, naming the fix)."""


@dataclass(frozen=True, slots=True)
class RateLimitRefusal:
    family: str
    limit: str
    retry_after: int

    @property
    def message(self) -> str:
        setting = f"LIVECRED_RATE_LIMIT_{self.family.upper()}"
        return f"too many {FAMILIES[self.family]}: at most {self.limit} ({setting}); retry in {self.retry_after} s"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True, slots=True)
class _LimitedRoute:
    method: str
    pattern: re.Pattern[str]
    family: str
    oauth: bool


def _limited_routes() -> tuple[_LimitedRoute, ...]:
    return tuple(
        _LimitedRoute(method, compile_path(path)[0], family, oauth)
        for (method, path), (family, oauth) in ROUTE_FAMILIES.items()
    )


def address_subject(address: str | None) -> str:
    """What a client is counted as: its address, or its /64 for IPv6."""
    if address is None:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class RateLimits:
    """The limits of every family over one ``limits`` storage, and the routes they guard."""

    def __init__(
        self,
        limits: Mapping[str, Sequence[RateLimitItem]],
        storage: Storage,
        *,
        secret: bytes,
    ) -> None:
        unknown = set(limits) - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown rate limit families: {', '.join(sorted(unknown))}")
        self.limits = {family: tuple(items) for family, items in limits.items()}
        self.storage = storage
        self._limiter = FixedWindowRateLimiter(storage)
        self._secret = secret
        # The memory storage is a dict under a lock; anything else does I/O, off the event loop.
        self._blocking = not isinstance(storage, MemoryStorage)
        # Counting waits on the database (or Redis): on threads of its own, never the default
        # pool, and never longer than CHECK_TIMEOUT_S, so a hung store cannot slow any route.
        self._pool = BoundedPool("rate-limits", capacity=2, max_waiting=256)
        self._warned_at: float | None = None
        self.routes = _limited_routes()

    def route_for(self, scope: Scope) -> _LimitedRoute | None:
        """The limited route a request is for, matched as the router does (below ``root_path``)."""
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        method = scope.get("method", "")
        for limited in self.routes:
            if limited.method == method and limited.pattern.match(path):
                return limited
        return None

    def _key(self, subject: str) -> str:
        return hmac.new(self._secret, subject.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, family: str, subject: str) -> RateLimitRefusal | None:
        """Count one request of ``subject`` in ``family``; the refusal when a limit is exceeded.
        Blocking; raises ``limits.errors.StorageError`` when the storage fails."""
        key = self._key(subject)
        for item in self.limits.get(family, ()):
            if not self._limiter.hit(item, family, key):
                reset = self._limiter.get_window_stats(item, family, key).reset_time
                return RateLimitRefusal(family, str(item), max(1, math.ceil(reset - time.time())))
        return None

    async def check(self, family: str, subject: str) -> RateLimitRefusal | None:
        """``hit`` off the event loop, failing open when the storage fails.

        Fail open (with a warning), not closed: the limits guard capacity, not access. When the
        database is down, the session, nonce, token and credential routes fail on their own
        (503), and inference stays bounded by ``max_concurrency``; failing closed would add an
        outage of the stateless face and verification routes, and would let anyone who can slow
        the database down (by flooding it, say) take every route down with it.
        """
        if not self.limits.get(family):
            return None
        try:
            if not self._blocking:
                return self.hit(family, subject)
            with anyio.fail_after(CHECK_TIMEOUT_S):
                return await self._pool.run(lambda: self.hit(family, subject))
        except (StorageError, ServerBusy, TimeoutError) as exc:
            self._warn(exc)
            return None

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            cause = type(exc.storage_error if isinstance(exc, StorageError) else exc).__name__
            logger.warning("rate limits not enforced: the counter storage failed (%s); failing open", cause)


def parse_limits(value: str) -> list[RateLimitItem]:
    """A setting's limits (``"10/minute;100/hour"``); empty = none."""
    return parse_many(value) if value.strip() else []


def build_storage(spec: str, engine: Engine) -> Storage:
    """``database`` (``engine``), ``memory``, or a ``redis://`` URL."""
    if spec == "database":
        sql = SQLStorage(engine)
        sql.create_table()
        return sql
    try:
        storage = storage_from_string("memory://" if spec == "memory" else spec, wrap_exceptions=True)
    except ConfigurationError as exc:
        hint = " (pip install 'livecred[redis]')" if "redis" in str(exc) else ""
        raise RateLimitUnavailable(f"LIVECRED_RATE_LIMIT_STORAGE: {exc}{hint}") from exc
    assert isinstance(storage, Storage)
    return storage


def build_rate_limits(settings: Settings, issuer: Issuer) -> RateLimits | None:
    """The service's limits from its settings, counting in the issuer's database by default;
    ``None`` when they are switched off."""
    if not settings.rate_limits_enabled:
        return None
    limits = {family: parse_limits(getattr(settings, f"rate_limit_{family}")) for family in FAMILIES}
    storage = build_storage(settings.rate_limit_storage, issuer.store.engine)
    # An Ed25519 signature is deterministic: every replica sharing the key derives this secret.
    secret = hashlib.sha256(issuer.key.sign(b"livecred/rate-limit-subjects/v1")).digest()
    return RateLimits(limits, storage, secret=secret)


def _refusal_response(refusal: RateLimitRefusal, *, oauth: bool) -> JSONResponse:
    if oauth:
        # OAuth 2.0 defines no error for this; the status and Retry-After carry the meaning.
        body = {"error": RATE_LIMITED, "error_description": refusal.message}
        return JSONResponse(body, status_code=429, headers={**refusal.headers, "Cache-Control": "no-store"})
    return JSONResponse({"code": RATE_LIMITED, "message": refusal.message}, status_code=429, headers=refusal.headers)


class RateLimitMiddleware:
    """Counts each request to a limited route against its client address, before the body is
    read. The limits come from ``app.state.rate_limits`` (built at start-up; ``None`` = off)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits: RateLimits | None = getattr(scope["app"].state, "rate_limits", None) if "app" in scope else None
        limited = limits.route_for(scope) if limits is not None and scope["type"] == "http" else None
        if limits is not None and limited is not None:
            subject = address_subject(client_address(HTTPConnection(scope)))
            refusal = await limits.check(limited.family, subject)
            if refusal is not None:
                await _refusal_response(refusal, oauth=limited.oauth)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def limit_holder_did(request: Request, holder_did: str) -> None:
    """Count a session opened for ``holder_did``; 429 ``rate_limited`` over its limit."""
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    if limits is None:
        return
    refusal = await limits.check("sessions_per_did", holder_did)
    if refusal is not None:
        raise HTTPException(429, {"code": RATE_LIMITED, "message": refusal.message}, headers=refusal.headers)
