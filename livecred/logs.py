"""Request ids and, as an option, JSON logs: one object per line, ready for a log pipeline.

Every HTTP request and WebSocket gets a request id (:class:`RequestIdMiddleware`): the client's
``X-Request-ID`` when it is a short safe token (``[A-Za-z0-9._:-]``, at most 64 characters, so
that it can be copied into logs as it is), a fresh random one otherwise. It is echoed in the
response's ``X-Request-ID`` header and carried by every log line written while the request is
served, on the event loop or on a pool thread (anyio copies the context into its threads).

``LIVECRED_LOG_FORMAT=json`` switches the service's loggers, uvicorn's included, to
:class:`JSONFormatter` (``time``, ``level``, ``logger``, ``message``, ``request_id``, and
``exception`` when there is one) and adds one ``livecred.access`` line per request with the
route *template*, the method, the status and the duration. A request body is never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecred.metrics import route_template

__all__ = ["JSONFormatter", "RequestIdMiddleware", "configure_logging", "current_request_id"]

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_request_id: ContextVar[str | None] = ContextVar("livecred_request_id", default=None)
access_logger = logging.getLogger("livecred.access")


def current_request_id() -> str | None:
    return _request_id.get()


def accepted_request_id(value: str | None) -> str:
    """The client's id when it is a short safe token, else a new random one."""
    if value is not None and _SAFE_ID.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: Callable[[], bool] = lambda: False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = accepted_request_id(incoming)
        token = _request_id.set(request_id)
        start = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            if scope["type"] == "http" and self.access_log():
                access_logger.info(
                    "%s %s %d %.1f ms",
                    scope.get("method", "GET"),
                    route_template(scope),
                    status,
                    (time.perf_counter() - start) * 1000,
                )
            _request_id.reset(token)


class JSONFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# uvicorn's own loggers: in JSON mode their lines are JSON too, so the stream parses line by line.
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(fmt: Literal["text", "json"], stream: IO[str] | None = None) -> None:
    """Give the livecred loggers a handler when the host (uvicorn, a test) configured none; in
    JSON mode, a JSON handler whatever was there. Done at start-up, never at import."""
    root = logging.getLogger("livecred")
    for handler in [h for h in root.handlers if isinstance(h.formatter, JSONFormatter)]:
        root.removeHandler(handler)  # an earlier app in this process (tests) configured JSON
    if fmt == "json":
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JSONFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        for name in _UVICORN:
            for existing in logging.getLogger(name).handlers:
                existing.setFormatter(JSONFormatter())
        return
    if not root.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
