"""The public URL of a service told none: ``http://localhost:<the port its server bound>``.

With ``LIVECRED_PUBLIC_URL``, ``LIVECRED_ISSUER_DOMAIN`` and ``PORT`` all unset, the URL that goes
into credentials, the schema and the OpenID4VCI metadata must be the one the service answers at.
``livecred serve --port X`` knows X before the app starts and puts it into the settings. Under a
plain ``uvicorn livecred.main:app --port X`` the app cannot know it at start-up (uvicorn runs the
lifespan before it binds), so the first request tells it: ``scope["server"]`` is the address of
the socket that accepted it. Nothing is issued before that request is let through, and the
``Host`` header is never used (a client could name any host).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


def localhost_url(port: int) -> str:
    return f"http://localhost:{port}"


def follow_bound_port(state: Any, port: int) -> None:
    """Move the issuer and the wallet (its audience, OpenID4VCI and OpenID4VP URLs) to ``port``."""
    state.settings = state.settings.model_copy(update={"port": port})
    state.issuer.publish_at(localhost_url(port))
    state.wallet.follow_issuer_url()


class FollowBoundPortMiddleware:
    """Before the first request goes through, take the public URL's port from the socket it came on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            state = scope["app"].state
            server = scope.get("server")
            if getattr(state, "public_url_pending", False) and server and server[1]:
                # No await between the check and the move: concurrent first requests move it once.
                state.public_url_pending = False
                follow_bound_port(state, int(server[1]))
        await self.app(scope, receive, send)
