"""Running the service under uvicorn the way it is meant to face the internet (``livecred serve``).

Two things uvicorn does not do by default, and the service needs:

* **Slow headers are cut off.** uvicorn times out idle keep-alive connections but not a request
  whose headers never finish: a thousand half-sent requests stay open for as long as their
  clients like. The protocol here closes a connection whose request headers have not arrived
  within ``client_header_timeout_seconds`` (bodies are the ASGI middleware's job, see
  ``livecred/middleware.py``, which works under any server).
* **Proxy headers are not trusted blindly.** uvicorn's default trusts ``X-Forwarded-For`` from
  127.0.0.1, so a local reverse proxy lets every client pick its own address. The service decides
  whom to trust itself (``LIVECRED_TRUSTED_PROXIES``); uvicorn's rewriting is switched off.
  Running ``uvicorn livecred.main:app`` by hand: pass ``--no-proxy-headers``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from livecred.settings import Settings


class _HeaderDeadline:
    """Mixin for uvicorn's HTTP protocols: close a connection whose request headers are late.

    Armed when a connection opens and after each response (the next request's headers are due),
    cancelled when a request's headers are complete.
    """

    header_timeout: float = 10.0
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _header_timer: asyncio.TimerHandle | None = None

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm_header_deadline()


def http_protocol(header_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's fastest installed HTTP protocol with the header deadline added."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        class HttpTools(_HeaderDeadline, HttpToolsProtocol):
            def on_headers_complete(self) -> None:
                self._cancel_header_deadline()
                super().on_headers_complete()

        protocol: type[asyncio.Protocol] = HttpTools
    except ImportError:  # httptools is optional in uvicorn; h11 always ships
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class H11(_HeaderDeadline, H11Protocol):
            def handle_events(self) -> None:
                super().handle_events()
                if self.cycle is not None and not self.cycle.response_complete:
                    self._cancel_header_deadline()  # a request is in progress: its headers are in

        protocol = H11
    protocol.header_timeout = header_timeout  # type: ignore[attr-defined]
    return protocol


def uvicorn_options(settings: Settings, *, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    return {
        "host": host or settings.host,
        "port": port or settings.port,
        "http": http_protocol(settings.client_header_timeout_seconds),
        "proxy_headers": False,
        "server_header": False,
    }


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from livecred.app import create_app

    options = uvicorn_options(settings, host=host, port=port)
    # The port is known here, before the app starts: with no public URL configured, credentials
    # name http://localhost:<this port> (livecred/public_url.py).
    uvicorn.run(create_app(settings.model_copy(update={"port": options["port"]})), **options)
