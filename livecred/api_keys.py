"""API keys for the face routes (``LIVECRED_API_KEYS``): the single-image scoring routes
(``/detect`` ... ``/face-match-proof``, ``/fhe/distance``) return scores, so an operator can keep
them for known callers. The wallet path never needs a key: its verdicts carry no score.

A key comes as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Keys are compared as
SHA-256 digests in constant time; a refusal is 401 ``api_key_required`` or ``invalid_api_key``
(with ``WWW-Authenticate``) and never names or echoes a key. Checked before the body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from livecred.ratelimit import FACE_ROUTES

__all__ = ["ApiKeyMiddleware", "ApiKeys"]

_PROTECTED: tuple[re.Pattern[str], ...] = tuple(compile_path(path)[0] for path in FACE_ROUTES)


class ApiKeys:
    def __init__(self, keys: str) -> None:
        self._digests = [hashlib.sha256(k.strip().encode()).digest() for k in keys.split(",") if k.strip()]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def accepts(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode()).digest()
        found = False
        for known in self._digests:  # no early exit: every key is compared
            found |= hmac.compare_digest(digest, known)
        return found


def _presented(headers: Headers) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key") or None


class ApiKeyMiddleware:
    """Refuses a face route without a valid key when ``app.state.api_keys`` holds any."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keys: ApiKeys | None = getattr(scope["app"].state, "api_keys", None) if "app" in scope else None
        if keys and scope["type"] == "http" and any(p.match(scope["path"]) for p in _PROTECTED):
            key = _presented(Headers(scope=scope))
            if key is None or not keys.accepts(key):
                code = "api_key_required" if key is None else "invalid_api_key"
                message = (
                    "this route needs an API key (Authorization: Bearer <key> or X-API-Key)"
                    if key is None
                    else "the API key is not valid"
                )
                response = JSONResponse(
                    {"code": code, "message": message},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="livecred"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
