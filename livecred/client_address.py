"""The client's address: the one answer rate limits, the lockout and OpenID4VCI all use.

By default it is the TCP peer and ``X-Forwarded-For`` is ignored: anyone can write that header,
so believing it would let a client pick its own address (and dodge every per-address limit).
Only when the peer is one of ``LIVECRED_TRUSTED_PROXIES`` is the header read, from the right
(each proxy appends the address it saw), hop by hop while the hop it reached us through is
trusted; the first untrusted hop is the client. Everything left of it was written by the client
and is never read.

This only works when the server hands us the real peer: ``livecred serve`` starts uvicorn with
``proxy_headers=False``; running uvicorn directly needs ``--no-proxy-headers`` (uvicorn otherwise
rewrites the peer from ``X-Forwarded-For`` when it comes from loopback).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import HTTPConnection

__all__ = ["TrustedProxies", "client_address", "parse_address", "resolve_client"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` is believed; empty trusts nobody."""

    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> TrustedProxies:
        """``"10.0.0.7, 10.1.0.0/16, fd00::/8"``; raises ``ValueError`` naming a bad entry."""
        networks = []
        for entry in (e.strip() for e in spec.split(",")):
            if not entry:
                continue
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR: {entry!r}") from exc
            networks.append(network)
        return cls(tuple(networks))

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return any(address.version == n.version and address in n for n in self.networks)


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``), or
    ``None``. IPv4-mapped IPv6 addresses become IPv4, so that one client has one form."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def resolve_client(peer: str | None, forwarded_for: Sequence[str], trusted: TrustedProxies) -> str | None:
    """The client's address given the TCP ``peer``, the ``X-Forwarded-For`` header values (in the
    order received) and the trusted proxies. A peer that is not an IP (a Unix socket, a test
    client) is returned as it is, never trusted."""
    if peer is None:
        return None
    current = parse_address(peer)
    if current is None:
        return peer
    if current not in trusted:
        return str(current)
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        if current not in trusted:
            break
        parsed = parse_address(hop)
        if parsed is None:
            break  # a trusted proxy wrote something unreadable: the last readable hop stands
        current = parsed
    return str(current)


def client_address(connection: HTTPConnection) -> str | None:
    """The client address of a request, with the app's ``LIVECRED_TRUSTED_PROXIES``."""
    trusted = getattr(connection.app.state, "trusted_proxies", None) or TrustedProxies()
    peer = connection.client.host if connection.client else None
    return resolve_client(peer, connection.headers.getlist("x-forwarded-for"), trusted)
