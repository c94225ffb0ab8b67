"""What every request body goes through before a route sees it, in one ASGI middleware.

FastAPI reads the whole body into memory and parses it before the handler runs, so the guards
have to sit below it. In order, each refusal a JSON ``{"code", "message"}``:

1. **Size** (413 ``request_too_large``): a declared ``Content-Length`` over the route's limit is
   refused at once; a body streamed without one is counted and refused when it crosses it.
2. **Admission** (503 ``server_busy`` + ``Retry-After``): when the pool that would run the
   route's work is full, the request is refused before its body is read, so a flood of large
   bodies is not held in memory waiting for a turn.
3. **Slow clients** (408 ``request_timeout``): after a grace period the body must keep arriving
   at a minimum average rate; a client dripping a byte every few seconds is cut off instead of
   holding a connection and a buffer for as long as it likes.
4. **JSON shape** (400 ``json_too_deep`` / ``json_too_complex``): JSON bodies are measured on
   the raw bytes (``livecred/json_guard.py``) before any parser sees them.

The body is then handed to the app as one message; later ``receive`` calls (disconnect
detection) go to the server as usual.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecred.capacity import BoundedPool
from livecred.json_guard import JSONShapeError, JSONShapeLimits, check_json_shape

_NO_BODY_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True, slots=True)
class BodyPolicy:
    """Per-request limits, looked up by path: bytes, and the pool whose fullness refuses early."""

    max_bytes: int
    pool: BoundedPool | None = None


@dataclass(frozen=True, slots=True)
class ClientTimeouts:
    grace_seconds: float = 10.0
    min_bytes_per_second: int = 16 * 1024  # 0 = no rate requirement


_FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


def _may_be_json(scope: Scope) -> bool:
    """Every body except a form may reach a JSON parser (FastAPI's, or a route's own ``json.loads``
    whatever the content type claims), so every other body is measured."""
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() not in _FORM_TYPES
    return True


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class RequestGuardMiddleware:
    """``policy(path)`` gives the limits for a request path; a callable, so that they can come
    from settings resolved at start-up (the app's lifespan) rather than at construction."""

    def __init__(
        self,
        app: ASGIApp,
        policy: Callable[[str], BodyPolicy],
        timeouts: Callable[[], ClientTimeouts] = ClientTimeouts,
        json_limits: JSONShapeLimits = JSONShapeLimits(),
    ) -> None:
        self.app = app
        self.policy = policy
        self.timeouts = timeouts
        self.json_limits = json_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET") in _NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        try:
            policy = self.policy(scope.get("path", ""))
            body = await self._read_body(scope, receive, policy)
            if body is None:
                return  # the client went away while sending
            if body and _may_be_json(scope):
                try:
                    check_json_shape(body, self.json_limits)
                except JSONShapeError as exc:
                    raise _Refused(400, exc.code, exc.message) from None
        except _Refused as refusal:
            await _send_error(send, refusal)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, scope: Scope, receive: Receive, policy: BodyPolicy) -> bytes | None:
        limit = policy.max_bytes
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _Refused(413, "request_too_large", f"request body exceeds {limit} bytes")
        if policy.pool is not None and policy.pool.full:
            busy = policy.pool.busy()
            raise _Refused(503, busy.code, busy.message, {"Retry-After": str(busy.retry_after)})
        timeouts = self.timeouts()
        start = time.monotonic()
        chunks: list[bytes] = []
        seen = 0
        while True:
            if timeouts.min_bytes_per_second > 0:
                deadline = start + timeouts.grace_seconds + seen / timeouts.min_bytes_per_second
                message = None
                with anyio.move_on_after(max(0.0, deadline - time.monotonic())):
                    message = await receive()
                if message is None:
                    raise _Refused(
                        408,
                        "request_timeout",
                        "the request body arrived too slowly",
                        {"Connection": "close"},
                    )
            else:
                message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            if chunk:
                seen += len(chunk)
                if seen > limit:
                    raise _Refused(413, "request_too_large", f"request body exceeds {limit} bytes")
                chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _send_error(send: Send, refusal: _Refused) -> None:
    body = json.dumps({"code": refusal.code, "message": refusal.message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in refusal.headers.items()]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
