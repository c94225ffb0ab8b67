"""Where outbound fetches may connect, and connections that keep to one total deadline.

The private half of ``did.fetch``. An ``httpx.Client`` connects wherever a host name resolves and
applies its timeouts to each socket operation, so a URL a client names can reach internal
addresses and a host that sends a byte every few seconds can hold a fetch for ever. Here:

- ``Destinations`` decides from the URL alone what may be tried: port 443 only, no numeric host
  spellings other than canonical IP literals (``2130706433``, ``0x7f.0.0.1``), no ``localhost``,
  unless the host:port is allowlisted (development and tests);
- ``is_public_address`` is the address check: loopback, private, link-local, ULA, site-local,
  multicast, unspecified, reserved, shared (100.64/10), documentation ranges and IPv6 addresses
  embedding such an IPv4 address (mapped, 6to4, Teredo) are refused;
- ``GuardedBackend`` is an ``httpcore`` network backend that resolves the name itself (bounded by
  the deadline), refuses unless every address is public, and connects to the vetted address, so
  nothing re-resolves the name between the check and the connect (DNS rebinding). httpcore still
  hands the host name to ``start_tls``: SNI and the certificate check are against the name;
- its streams wait at most until the deadline of the fetch in progress (``deadline_after``, a
  context variable, because one pooled connection serves fetches with different deadlines).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

DEFAULT_PORT = 443

Resolver = Callable[[str, int, float], Sequence[str]]
"""``(host, port, timeout) -> IP addresses``, in the order to try them; raises ``OSError``."""

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_deadline: ContextVar[float | None] = ContextVar("livecred_fetch_deadline", default=None)


class AddressRefused(httpcore.ConnectError):
    """The destination is not one an outbound fetch may reach (logged, never shown to a client)."""


@contextmanager
def deadline_after(seconds: float) -> Iterator[float]:
    """Every guarded stream operation inside the block ends by ``now + seconds``."""
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """``min(timeout, deadline - now)``; raises ``expired`` once the deadline has passed."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the fetch deadline passed")
    return left if timeout is None else min(timeout, left)


# addresses -------------------------------------------------------------------------------------
def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public_address(address: str) -> bool:
    """Whether ``address`` (an IP literal) is globally routable and of no special purpose."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if ip.is_site_local or (embedded is not None and not is_public_address(str(embedded))):
            return False
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
    return ip.is_global and not (special or ip.is_reserved or ip.is_unspecified)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_entry(entry: str) -> tuple[str, int]:
    """``host`` or ``host:port`` (IPv6 in brackets) -> (host as httpcore spells it, port)."""
    try:
        url = httpx.URL(f"https://{entry.strip()}/")
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a host or host:port: {entry!r}") from exc
    if not url.raw_host or url.userinfo or url.raw_path != b"/" or url.fragment:
        raise ValueError(f"not a host or host:port: {entry!r}")
    return url.raw_host.decode("ascii").lower(), url.port or DEFAULT_PORT


@dataclass(frozen=True, slots=True)
class Destinations:
    """Which host:port pairs may be tried. ``allowed`` pairs skip every check (development)."""

    allowed: frozenset[tuple[str, int]] = frozenset()

    def allowlisted(self, host: str, port: int) -> bool:
        return (host.lower(), port) in self.allowed

    def refusal(self, host: str, port: int) -> str | None:
        """Why (host, port) may not be fetched, decided before any lookup; ``None`` if it may."""
        if self.allowlisted(host, port):
            return None
        if port != DEFAULT_PORT:
            return f"port {port} is not {DEFAULT_PORT}"
        if _is_ip_literal(host):
            return None if is_public_address(host) else f"{host} is not a public address"
        name = host.lower().rstrip(".")
        if not name or _NUMERIC_LABEL.match(name.rsplit(".", 1)[-1]):
            return "a numeric host that is not an IP address"
        if name == "localhost" or name.endswith(".localhost"):
            return "localhost"
        return None


# name lookup ----------------------------------------------------------------------------------
class SystemResolver:
    """``getaddrinfo`` in a small thread pool: a lookup that hangs costs its caller no more than
    the deadline, and at most ``max_workers`` lookups run (or hang) at once."""

    def __init__(self, max_workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="livecred-dns")

    def __call__(self, host: str, port: int, timeout: float) -> list[str]:
        future = self._pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        try:
            infos = future.result(timeout=timeout)
        except FutureTimeout as exc:
            future.cancel()
            raise TimeoutError("name lookup timed out") from exc
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# connections ----------------------------------------------------------------------------------
class DeadlineStream(httpcore.NetworkStream):
    """A stream whose reads, writes and TLS handshake end by the current fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        try:
            left = time_left(timeout, httpcore.ConnectTimeout)
        except httpcore.ConnectTimeout:
            self._stream.close()
            raise
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, vet every address, connect to a vetted one; streams keep to the deadline."""

    def __init__(
        self, destinations: Destinations, resolver: Resolver, inner: httpcore.NetworkBackend | None = None
    ) -> None:
        self._destinations = destinations
        self._resolve = resolver
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        refusal = self._destinations.refusal(host, port)
        if refusal is not None:
            raise AddressRefused(refusal)
        allowlisted = self._destinations.allowlisted(host, port)
        lookup_timeout = time_left(timeout, httpcore.ConnectTimeout)
        try:
            addresses = list(self._resolve(host, port, 30.0 if lookup_timeout is None else lookup_timeout))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout("name lookup timed out") from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"name lookup failed ({type(exc).__name__})") from exc
        if not addresses:
            raise httpcore.ConnectError("the name has no addresses")
        refused = [a for a in addresses if not is_public_address(a)]
        if refused and not allowlisted:
            raise AddressRefused(f"the name resolves to {refused[0]}, not a public address")
        failure: Exception = httpcore.ConnectError("no address could be connected")
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=time_left(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            self._check_peer(stream, allowlisted)
            return DeadlineStream(stream)
        raise failure

    @staticmethod
    def _check_peer(stream: httpcore.NetworkStream, allowlisted: bool) -> None:
        """The address actually connected must be public too (it is the vetted one; belt and braces)."""
        peer = stream.get_extra_info("server_addr")
        if allowlisted or not isinstance(peer, tuple) or is_public_address(str(peer[0])):
            return
        stream.close()
        raise AddressRefused(f"connected to {peer[0]}, not a public address")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
