"""Outbound fetches (issue 13): SSRF refusals, one total deadline, the concurrency bound, failure
caching, and one error for every failure. Local servers only (``tests/did/local_servers.py``)."""

from __future__ import annotations

import gzip
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from did import (
    DIDDocument,
    DIDNotFound,
    DIDResolutionError,
    DIDResolver,
    Ed25519KeyPair,
    FetchBusy,
    Fetcher,
    FetchError,
    FetchPolicy,
    WebDIDResolver,
    single_key_document,
)
from did._netguard import is_public_address
from issuer import RemoteStatusSource
from tests.did.local_servers import (
    HANG,
    TestCA,
    answer,
    closed_port,
    did_web,
    document_for,
    documents,
    drip,
    outcome,
    serving,
    silent,
)

GENERIC = "the DID document could not be fetched"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("ca"))


class RecordingNetwork(httpcore.NetworkBackend):
    """A network where every connect fails, remembering where it was asked to go."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        raise httpcore.ConnectError("unreachable in tests")


def resolving(*answers: Sequence[str]) -> tuple[Callable[[str, int, float], Sequence[str]], list[str]]:
    """A fake DNS giving ``answers`` in turn (the last one repeats); records the names asked."""
    asked: list[str] = []

    def resolve(host: str, port: int, timeout: float) -> Sequence[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    return resolve, asked


def local_fetcher(ca: TestCA, *ports: int, deadline: float = 2.0, **policy: Any) -> Fetcher:
    allow = tuple(f"localhost:{port}" for port in ports)
    return Fetcher(FetchPolicy(deadline_seconds=deadline, allow_hosts=allow, ca_file=ca.pem, **policy))


def failure(exc: object) -> tuple[str, str, str]:
    assert isinstance(exc, DIDResolutionError), exc
    return type(exc).__name__, exc.code, exc.message


# the working path ------------------------------------------------------------------------------
def test_did_web_resolves_over_tls_from_an_allowlisted_local_host(ca: TestCA) -> None:
    routes: dict[str, bytes] = {}
    with serving(documents(routes), tls=ca.issue("localhost").server_context()) as server:
        did = did_web(server.port, "holders", "alice")
        routes["/holders/alice/did.json"] = document_for(did)
        fetcher = local_fetcher(ca, server.port)
        try:
            assert WebDIDResolver(fetcher).resolve(did).id == did
        finally:
            fetcher.close()


def test_the_certificate_must_be_for_the_host_name_and_from_a_trusted_ca(ca: TestCA, tmp_path: Path) -> None:
    rogue = TestCA(tmp_path, "rogue CA")
    cases = [ca.issue("other.example").server_context(), rogue.issue("localhost").server_context()]
    for tls in cases:
        with serving(answer(200, b"{}"), tls=tls) as server:
            fetcher = local_fetcher(ca, server.port)
            try:
                with pytest.raises(FetchError):
                    fetcher.get(f"https://localhost:{server.port}/x", accept="*/*", max_bytes=100)
            finally:
                fetcher.close()
            assert server.requests == 0


# SSRF ------------------------------------------------------------------------------------------
REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "api.localhost",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "169.254.169.254",
    "2130706433",
    "0x7f.0.0.1",
    "127.1",
    "10.0.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "[fd00::1]",
    "[fe80::1]",
    "[2002:7f00:1::]",
    "[::]",
    "public.example:8443",
    "public.example:80",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_internal_hosts_and_other_ports_are_refused_before_any_connect(host: str) -> None:
    network = RecordingNetwork()
    resolve, asked = resolving(["93.184.215.14"])
    fetcher = Fetcher(resolver=resolve, network=network)
    with pytest.raises(FetchError) as caught:
        fetcher.get(f"https://{host}/status/1?token=x", accept="*/*", max_bytes=100)
    assert caught.value.code == "fetch_failed" and caught.value.message == FetchError.MESSAGE
    assert network.connects == [] and asked == []
    assert RemoteStatusSource(fetcher)(f"https://{host}/status/1") is None


@pytest.mark.parametrize(
    "addresses",
    [["10.1.2.3"], ["127.0.0.1"], ["93.184.215.14", "10.0.0.1"], ["::1"], ["fd12::1"], ["169.254.169.254"]],
)
def test_names_resolving_to_internal_addresses_are_refused(addresses: list[str]) -> None:
    network = RecordingNetwork()
    resolve, asked = resolving(addresses)
    with pytest.raises(FetchError):
        Fetcher(resolver=resolve, network=network).get("https://internal.example/x", accept="*/*", max_bytes=100)
    assert asked == ["internal.example"] and network.connects == []


def test_dns_rebinding_cannot_move_the_connect_to_an_internal_address() -> None:
    """The name resolves public at check time and private afterwards: the connect goes to the
    address that was vetted, and the name is looked up once."""
    network = RecordingNetwork()
    resolve, asked = resolving(["93.184.215.14"], ["127.0.0.1"])
    fetcher = Fetcher(resolver=resolve, network=network)
    with pytest.raises(FetchError):
        fetcher.get("https://rebind.example/.well-known/did.json", accept="*/*", max_bytes=100)
    assert network.connects == [("93.184.215.14", 443)]
    assert asked == ["rebind.example"]


def test_the_connected_peer_is_checked_too() -> None:
    class Stream(httpcore.NetworkStream):
        closed = False

        def close(self) -> None:
            Stream.closed = True

        def get_extra_info(self, info: str) -> object:
            return ("10.0.0.7", 443) if info == "server_addr" else None

    class Network(httpcore.NetworkBackend):
        def connect_tcp(self, host: str, port: int, *args: object, **kwargs: object) -> httpcore.NetworkStream:
            return Stream()

    resolve, _ = resolving(["93.184.215.14"])
    with pytest.raises(FetchError):
        Fetcher(resolver=resolve, network=Network()).get("https://odd.example/x", accept="*/*", max_bytes=10)
    assert Stream.closed


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("::ffff:93.184.215.14", False),  # mapped addresses are never what getaddrinfo should give
        ("127.0.0.1", False),
        ("100.64.0.1", False),
        ("198.18.0.1", False),
        ("192.0.2.1", False),
        ("255.255.255.255", False),
        ("233.252.0.1", False),
        ("ff0e::1", False),
        ("fec0::1", False),
        ("2002:a00:1::", False),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),
        ("64:ff9b::a00:1", False),
        ("fe80::1%eth0", False),
        ("not-an-ip", False),
    ],
)
def test_address_classification(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    ["http://public.example/x", "https://user:pw@public.example/x", "ftp://public.example/x", "https:///x", "x"],
)
def test_only_plain_https_urls_are_fetched(url: str) -> None:
    network = RecordingNetwork()
    with pytest.raises(FetchError):
        Fetcher(resolver=resolving(["93.184.215.14"])[0], network=network).get(url, accept="*/*", max_bytes=10)
    assert network.connects == []


# one answer for every failure ------------------------------------------------------------------
def test_closed_silent_tls_and_refused_destinations_fail_alike(ca: TestCA, tmp_path: Path) -> None:
    rogue = TestCA(tmp_path, "rogue CA")
    closed = closed_port()
    with (
        serving(silent) as quiet,
        serving(answer(200, b"{}"), tls=rogue.issue("localhost").server_context()) as untrusted,
        serving(answer(200, b"{}")) as plain_http,
    ):
        ports = (closed, quiet.port, untrusted.port, plain_http.port)
        resolver = WebDIDResolver(local_fetcher(ca, *ports, deadline=1.5))
        dids = [did_web(port) for port in ports] + ["did:web:10.0.0.1", "did:web:2130706433", "did:web:localhost"]
        seen = {failure(outcome(partial(resolver.resolve, did))) for did in dids}
    assert seen == {("DIDResolutionError", "did_resolution_failed", GENERIC)}


def test_the_reason_is_logged_at_debug_without_the_query(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="livecred.did.fetch")
    with pytest.raises(FetchError) as caught:
        Fetcher(network=RecordingNetwork()).get("https://10.0.0.1/list?token=s3cret", accept="*/*", max_bytes=10)
    assert "not a public address" in caught.value.reason
    assert "not a public address" in caplog.text and "10.0.0.1/list" in caplog.text
    assert "s3cret" not in caplog.text and "s3cret" not in str(caught.value)


# the deadline ----------------------------------------------------------------------------------
SLOW_HOSTS = {
    "slow headers": (drip(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"), True),
    "slow body": (drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{", b" "), True),
    "slow TLS handshake": (drip(b"\x16\x03\x03\x40\x00", b"\x00", read_first=False), False),
}


@pytest.mark.parametrize("kind", SLOW_HOSTS)
def test_a_host_that_drips_bytes_cannot_hold_a_fetch_past_its_deadline(ca: TestCA, kind: str) -> None:
    handler, tls = SLOW_HOSTS[kind]
    context = ca.issue("localhost").server_context() if tls else None
    with serving(handler, tls=context) as server:
        fetcher = local_fetcher(ca, server.port, deadline=2.0)
        result = outcome(lambda: WebDIDResolver(fetcher).resolve(did_web(server.port)))
        fetcher.close()
    assert failure(result) == ("DIDResolutionError", "did_resolution_failed", GENERIC)


def test_a_name_lookup_that_hangs_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging_getaddrinfo(*args: object, **kwargs: object) -> list[object]:
        release.wait(HANG * 2)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_getaddrinfo)
    fetcher = Fetcher(FetchPolicy(deadline_seconds=1.0))
    try:
        result = outcome(lambda: fetcher.get("https://slow-dns.example/x", accept="*/*", max_bytes=10))
    finally:
        release.set()
        fetcher.close()
    assert isinstance(result, FetchError)


# the concurrency bound -------------------------------------------------------------------------
def test_when_every_slot_is_taken_a_fetch_fails_fast_with_busy(ca: TestCA) -> None:
    with serving(silent) as quiet, serving(answer(200, b"{}"), tls=ca.issue("localhost").server_context()) as ok:
        fetcher = local_fetcher(ca, quiet.port, ok.port, deadline=3.0, max_concurrency=1, slot_wait_seconds=0.1)
        held: list[object] = []
        holder = threading.Thread(
            target=lambda: held.append(outcome(lambda: _get(fetcher, f"https://localhost:{quiet.port}/x"))),
            daemon=True,
        )
        holder.start()
        _wait_for(lambda: quiet.connections == 1)
        with pytest.raises(FetchBusy) as caught:
            _get(fetcher, f"https://localhost:{ok.port}/x")
        assert not isinstance(caught.value, FetchError) and caught.value.code == "fetch_busy"
        assert ok.connections == 0
        holder.join(HANG)
        assert isinstance(held[0], FetchError)
        assert fetcher.get(f"https://localhost:{ok.port}/x", accept="*/*", max_bytes=10) == b"{}"
        fetcher.close()


def test_busy_is_not_remembered_as_a_failure_of_the_did() -> None:
    calls: list[str] = []

    class BusyThenFine:
        method = "web"

        def resolve(self, did: str) -> DIDDocument:
            calls.append(did)
            if len(calls) == 1:
                raise FetchBusy()
            return single_key_document(did, Ed25519KeyPair.generate().public_key)

    resolver = DIDResolver([BusyThenFine()])
    with pytest.raises(FetchBusy):
        resolver.resolve("did:web:example.com")
    assert resolver.resolve("did:web:example.com").id == "did:web:example.com"


# failures are remembered -----------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_url_that_failed_is_not_fetched_again_within_the_window(ca: TestCA) -> None:
    clock = Clock()
    with serving(answer(500), tls=ca.issue("localhost").server_context()) as server:
        policy = FetchPolicy(allow_hosts=(f"localhost:{server.port}",), ca_file=ca.pem, failure_ttl_seconds=30)
        fetcher = Fetcher(policy, clock=clock)
        url = f"https://localhost:{server.port}/status/1"
        for _ in range(3):
            with pytest.raises(FetchError) as caught:
                fetcher.get(url, accept="*/*", max_bytes=100)
            assert caught.value.status == 500
        assert server.requests == 1
        clock.now += 31
        with pytest.raises(FetchError):
            fetcher.get(url, accept="*/*", max_bytes=100)
        assert server.requests == 2
        fetcher.close()


def test_a_host_that_failed_is_not_contacted_again_within_the_window(ca: TestCA) -> None:
    with serving(silent) as quiet:
        fetcher = local_fetcher(ca, quiet.port, deadline=1.0)
        for path in ("/a/did.json", "/b/did.json"):
            url = f"https://localhost:{quiet.port}{path}"
            assert isinstance(outcome(partial(_get, fetcher, url)), FetchError)
        assert quiet.connections == 1
        fetcher.close()


def test_a_failing_did_is_not_resolved_again_within_the_window(ca: TestCA) -> None:
    """The resolver remembers the failure itself (the fetcher here remembers nothing)."""
    clock = Clock()
    with serving(documents({}), tls=ca.issue("localhost").server_context()) as server:
        fetcher = local_fetcher(ca, server.port, failure_ttl_seconds=0)
        resolver = DIDResolver([WebDIDResolver(fetcher)], failure_ttl_seconds=60, clock=clock)
        did = did_web(server.port, "gone")
        for _ in range(3):
            with pytest.raises(DIDNotFound):
                resolver.resolve(did)
        assert (server.connections, server.requests) == (1, 1)
        clock.now += 61
        with pytest.raises(DIDNotFound):
            resolver.resolve(did)
        assert server.requests == 2
        fetcher.close()


def test_the_failure_cache_is_bounded() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(503)

    fetcher = Fetcher(FetchPolicy(max_failures=2), transport=httpx.MockTransport(handler))
    for path in ("/a", "/b", "/c", "/a"):
        with pytest.raises(FetchError):
            fetcher.get(f"https://public.example{path}", accept="*/*", max_bytes=10)
    assert seen == ["/a", "/b", "/c", "/a"]  # /a was evicted by /c


# what a host may answer ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(302, headers={"Location": "https://127.0.0.1/"}),
        httpx.Response(200, content=b"x" * 101),
        httpx.Response(200, headers={"Content-Length": "5000"}, content=b"{}"),
        httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(b"{}")),
    ],
    ids=["redirect", "too large", "declares too much", "compressed"],
)
def test_redirects_oversized_and_compressed_answers_fail(response: httpx.Response) -> None:
    fetcher = Fetcher(transport=httpx.MockTransport(lambda request: response))
    with pytest.raises(FetchError):
        fetcher.get("https://public.example/x", accept="*/*", max_bytes=100)


def _get(fetcher: Fetcher, url: str) -> bytes:
    return fetcher.get(url, accept="*/*", max_bytes=100)


def _wait_for(condition: Callable[[], bool], timeout: float = HANG) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out waiting for the server"
        time.sleep(0.01)
