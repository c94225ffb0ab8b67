"""Outbound HTTPS fetches of documents a client names: did:web documents, status lists.

Those URLs come from whoever sends a DID or a credential, so every fetch is both an SSRF and a
denial-of-service vector. ``Fetcher.get`` is the one way livecred reaches the network for them:

- https only, port 443 only, no user info, no redirects, a size cap, no compressed bodies; the
  connection goes only to public addresses, checked on the address actually connected
  (``did._netguard``); ``FetchPolicy.allow_hosts`` names hosts exempt from that (development);
- one total deadline per fetch, covering name lookup, connect, TLS, headers and body;
- at most ``max_concurrency`` fetches at once: a caller waits ``slot_wait_seconds`` for a slot,
  then gets ``FetchBusy`` (the API's 503) instead of queuing behind slow hosts;
- a bounded LRU of recent failures: a host that failed at the network level, or a URL that
  answered other than 200, is not tried again for ``failure_ttl_seconds``;
- every failure is the same ``FetchError`` with the same message, so that the errors cannot map a
  network (closed, silent, TLS-only ports and refused addresses read alike); the reason goes to
  the debug log, without the URL's query.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpcore
import httpx

from did._exceptions import FetchBusy, FetchError
from did._netguard import (
    DEFAULT_PORT,
    Destinations,
    GuardedBackend,
    Resolver,
    SystemResolver,
    deadline_after,
    host_entry,
)

logger = logging.getLogger("livecred.did.fetch")

# Anything a transport, a TLS handshake or a socket can raise while fetching.
_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ConnectionNotAvailable,
    OSError,
    UnicodeError,
)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    deadline_seconds: float = 5.0
    max_concurrency: int = 8
    slot_wait_seconds: float = 0.5
    # "host" or "host:port" fetched even at private addresses, and on that port (development, tests).
    allow_hosts: tuple[str, ...] = ()
    ca_file: Path | None = None  # a PEM bundle trusted besides certifi's (a development CA)
    failure_ttl_seconds: float = 60.0  # 0: failures are not remembered
    max_failures: int = 1024

    def __post_init__(self) -> None:
        if self.deadline_seconds <= 0 or self.max_concurrency < 1 or self.slot_wait_seconds < 0:
            raise ValueError("a fetch needs a positive deadline and at least one slot")
        for entry in self.allow_hosts:
            host_entry(entry)  # raises ValueError naming a malformed entry

    @property
    def allowed(self) -> frozenset[tuple[str, int]]:
        return frozenset(host_entry(entry) for entry in self.allow_hosts)


def outbound_ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """certifi's roots (httpx's default, environment not consulted), plus ``ca_file``."""
    context = httpx.create_ssl_context(trust_env=False)
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


class _Failed(Exception):
    """A fetch failure and what it is remembered by: the host (network) or the URL (answer)."""

    def __init__(self, scope: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.scope, self.reason, self.status = scope, reason, status


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_stream()

    def close(self) -> None:
        self._response.close()


class _PoolTransport(httpx.BaseTransport):
    """httpx over an ``httpcore.ConnectionPool`` with our network backend (``HTTPTransport``
    builds its pool itself and takes no backend)."""

    def __init__(self, pool: httpcore.ConnectionPool) -> None:
        self._pool = pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CoreStream(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class Fetcher:
    """Bounded, guarded GETs. Thread-safe; build one per service and ``close`` it.

    ``resolver`` and ``network`` replace name lookup and the TCP connect (tests); ``transport``
    replaces the whole connection layer (an ``httpx.MockTransport``), keeping every URL rule, the
    deadline, the size cap, the concurrency bound and the failure cache.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        network: httpcore.NetworkBackend | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy = policy or FetchPolicy()
        self._destinations = Destinations(policy.allowed)
        self._system_resolver: SystemResolver | None = None
        if transport is None:
            if resolver is None:
                resolver = self._system_resolver = SystemResolver(policy.max_concurrency)
            pool = httpcore.ConnectionPool(
                ssl_context=outbound_ssl_context(policy.ca_file),
                max_connections=policy.max_concurrency,
                keepalive_expiry=15.0,
                network_backend=GuardedBackend(self._destinations, resolver, network),
            )
            transport = _PoolTransport(pool)
        self._client = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
        self._slots = threading.BoundedSemaphore(policy.max_concurrency)
        self._clock = clock
        self._failures: OrderedDict[str, tuple[float, str, int | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str, *, accept: str, max_bytes: int) -> bytes:
        """The body of a 200 answer to GET ``url``; ``FetchError`` for anything else."""
        started = time.monotonic()
        try:
            target = httpx.URL(url).copy_with(fragment=None)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise self._failure(None, f"not a URL ({type(exc).__name__})") from exc
        host = target.raw_host.decode("ascii").lower()
        port = target.port or DEFAULT_PORT
        if target.scheme != "https" or target.userinfo or not host:
            raise self._failure(target, "not an https URL without user info")
        refusal = self._destinations.refusal(host, port)
        if refusal is not None:
            raise self._failure(target, f"refused: {refusal}")
        keys = {"host": f"{host}:{port}", "url": str(target)}
        self._raise_if_failed_recently(target, keys.values())
        # Waiting may use half the deadline at most: what is left must still be enough to fetch.
        wait = min(self.policy.slot_wait_seconds, self.policy.deadline_seconds / 2)
        if not self._slots.acquire(timeout=wait):
            logger.debug("outbound fetch %s not started: every slot is taken", _loggable(target))
            raise FetchBusy()
        try:
            left = self.policy.deadline_seconds - (time.monotonic() - started)
            with deadline_after(left) as deadline:
                return self._get(target, accept=accept, max_bytes=max_bytes, deadline=deadline)
        except _Failed as exc:
            self._remember(keys[exc.scope], exc.reason, exc.status)
            raise self._failure(target, exc.reason, exc.status) from exc
        except _TRANSPORT_ERRORS as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:160]}"
            self._remember(keys["host"], reason, None)
            raise self._failure(target, reason) from exc
        finally:
            self._slots.release()

    def _get(self, target: httpx.URL, *, accept: str, max_bytes: int, deadline: float) -> bytes:
        headers = {"Accept": accept, "Accept-Encoding": "identity"}
        with self._client.stream("GET", target, headers=headers, timeout=self.policy.deadline_seconds) as response:
            if response.status_code != 200:
                raise _Failed("url", f"answered HTTP {response.status_code}", response.status_code)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding != "identity":
                raise _Failed("url", f"compressed body ({encoding[:20]})")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _Failed("url", f"declares {declared} bytes, more than {max_bytes}")
            body = bytearray()
            for chunk in response.iter_bytes():  # identity encoding: the bytes as sent
                body += chunk
                if len(body) > max_bytes:
                    raise _Failed("url", f"more than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise _Failed("host", "the fetch deadline passed")
            return bytes(body)

    # failures --------------------------------------------------------------------------------
    def _failure(self, target: httpx.URL | None, reason: str, status: int | None = None) -> FetchError:
        logger.debug("outbound fetch %s failed: %s", _loggable(target), reason)
        return FetchError(reason, status=status)

    def _raise_if_failed_recently(self, target: httpx.URL, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                hit = self._failures.get(key)
                if hit is None:
                    continue
                if hit[0] <= now:
                    del self._failures[key]
                    continue
                self._failures.move_to_end(key)
                raise self._failure(target, f"failed recently, not retried ({hit[1]})", hit[2])

    def _remember(self, key: str, reason: str, status: int | None) -> None:
        if self.policy.failure_ttl_seconds <= 0:
            return
        with self._lock:
            self._failures[key] = (self._clock() + self.policy.failure_ttl_seconds, reason, status)
            self._failures.move_to_end(key)
            while len(self._failures) > self.policy.max_failures:
                self._failures.popitem(last=False)

    def close(self) -> None:
        self._client.close()
        if self._system_resolver is not None:
            self._system_resolver.close()


def _loggable(target: httpx.URL | None) -> str:
    """The URL without its query (which may carry tokens) for the log."""
    if target is None:
        return "(not a URL)"
    return str(target.copy_with(query=None, fragment=None))
