"""CORS for wallet pages served from another origin (``LIVECRED_CORS_ORIGINS``).

Exact origins only, no wildcard, and no credentials mode: the wallet path authenticates with
bearer tokens it sends itself (``Authorization``), never with cookies, so a browser needs no
``Access-Control-Allow-Credentials``. Allowed request headers are those the wallet path sends;
``X-Request-ID`` and ``Retry-After`` are readable by the page. With no origins configured the
middleware is not there at all: no CORS header is ever sent.

Starlette's ``CORSMiddleware`` takes its origins when built, but settings are resolved in the
lifespan (``create_app()`` without settings reads the environment at start-up), so it is built
on the first request.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ALLOWED_HEADERS", "WalletCORSMiddleware"]

ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID")
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After", "WWW-Authenticate")
ALLOWED_METHODS = ("GET", "POST")


class WalletCORSMiddleware:
    def __init__(self, app: ASGIApp, origins: Callable[[], list[str]]) -> None:
        self.app = app
        self.origins = origins
        self._inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._inner is None:
            origins = self.origins()
            self._inner = (
                CORSMiddleware(
                    self.app,
                    allow_origins=origins,
                    allow_methods=ALLOWED_METHODS,
                    allow_headers=ALLOWED_HEADERS,
                    expose_headers=EXPOSED_HEADERS,
                    allow_credentials=False,
                    max_age=600,
                )
                if origins
                else self.app
            )
        await self._inner(scope, receive, send)
