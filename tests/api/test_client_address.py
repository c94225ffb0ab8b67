"""The client address: X-Forwarded-For believed only from trusted proxies, read from the right."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from livecred import Settings
from livecred.cli import app as cli
from livecred.client_address import TrustedProxies, parse_address, resolve_client

PROXIES = TrustedProxies.parse("10.0.0.1, 10.1.0.0/16, fd00::/8")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert resolve_client("203.0.113.7", ["198.51.100.1"], TrustedProxies()) == "203.0.113.7"
    assert resolve_client("127.0.0.1", ["198.51.100.1"], TrustedProxies()) == "127.0.0.1"


def test_an_untrusted_peer_cannot_pick_its_address() -> None:
    assert resolve_client("203.0.113.7", ["198.51.100.1, 10.0.0.1"], PROXIES) == "203.0.113.7"


def test_the_header_is_walked_from_the_right_to_the_first_untrusted_hop() -> None:
    # The client wrote "1.1.1.1" itself; the proxies appended what they saw.
    assert resolve_client("10.0.0.1", ["1.1.1.1, 198.51.100.9, 10.1.2.3"], PROXIES) == "198.51.100.9"
    # Several header lines are one list, in the order received.
    assert resolve_client("10.0.0.1", ["1.1.1.1", "198.51.100.9", "10.1.2.3"], PROXIES) == "198.51.100.9"
    # Every hop trusted: the leftmost is the client.
    assert resolve_client("10.0.0.1", ["10.1.0.5"], PROXIES) == "10.1.0.5"
    # No header: the proxy itself.
    assert resolve_client("10.0.0.1", [], PROXIES) == "10.0.0.1"


def test_unreadable_hops_ports_and_mapped_addresses() -> None:
    assert resolve_client("10.0.0.1", ["garbage"], PROXIES) == "10.0.0.1"
    assert resolve_client("10.0.0.1", ["garbage, 198.51.100.9"], PROXIES) == "198.51.100.9"
    assert resolve_client("10.0.0.1", ["198.51.100.9:4711"], PROXIES) == "198.51.100.9"
    assert resolve_client("10.0.0.1", ["[2001:db8::1]:443"], PROXIES) == "2001:db8::1"
    assert resolve_client("::ffff:10.0.0.1", ["2001:db8::1"], PROXIES) == "2001:db8::1"
    assert parse_address("::ffff:198.51.100.9") == parse_address("198.51.100.9")
    # A peer that is no IP (a Unix socket, the test client) is never trusted.
    assert resolve_client("testclient", ["198.51.100.9"], PROXIES) == "testclient"
    assert resolve_client(None, ["198.51.100.9"], PROXIES) is None


def test_trusted_proxies_are_validated() -> None:
    assert Settings(trusted_proxies="10.0.0.1, 10.1.0.0/16").trusted_proxies
    with pytest.raises(ValidationError, match="not an IP address or CIDR"):
        Settings(trusted_proxies="10.0.0.1, proxy.internal")


def test_livecred_serve_leaves_the_forwarded_headers_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(cli, ["serve", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["proxy_headers"] is False
