"""Attacks on a real server process (`livecred serve`, uvicorn, the zk worker): the process survives.

In-process tests cannot show a crash of the server (a SIGSEGV would take pytest down with it, and
TestClient is not uvicorn), so these start the service as an operator would, on loopback, and
attack it over sockets: a 100,000-deep JSON body on every JSON route, a request whose headers
never finish, a body that drips in.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from tests.conftest import MODELS_DIR, REPO_ROOT

DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"":' * 100_000 + b"1" + b"}" * 100_000  # 500 KB: over some routes' body limit
START_GUARD_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    tmp = tmp_path_factory.mktemp("served")
    port = _free_port()
    env = {
        **os.environ,
        "LIVECRED_MODELS_DIR": str(MODELS_DIR),
        "LIVECRED_STATE_DIR": str(tmp / "state"),
        "LIVECRED_CLIENT_HEADER_TIMEOUT_SECONDS": "1",
        "LIVECRED_CLIENT_BODY_TIMEOUT_SECONDS": "1",
        "LIVECRED_CLIENT_MIN_BODY_RATE": "4096",
        "LIVECRED_RATE_LIMITS_ENABLED": "false",
    }
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "livecred.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_GUARD_S
        while True:
            assert process.poll() is None, (tmp / "server.log").read_text()[-2000:]
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.3)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _json_routes() -> list[str]:
    """Every route that takes a body, from the app itself (path parameters filled in)."""
    schema = create_app(Settings(models_dir=MODELS_DIR)).openapi()
    routes = []
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in ("post", "put", "patch"):
                routes.append(path.replace("{session_id}", "lcs_x").replace("{list_id}", "x"))
    return sorted(set(routes))


def test_every_route_that_takes_a_body_is_covered() -> None:
    routes = _json_routes()
    assert {"/credentials/verify", "/sessions", "/detect", "/token", "/credential", "/fhe/distance"} <= set(routes)


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_a_100000_deep_body_is_refused_on_every_route_and_the_server_lives(
    server: tuple[str, subprocess.Popen[bytes]], body: bytes
) -> None:
    base, process = server
    with httpx.Client(base_url=base, timeout=60) as client:
        for route in _json_routes():
            # Also as text/plain: a route that parses its body itself, whatever the content type says.
            for content_type in ("application/json", "text/plain"):
                response = client.post(route, content=body, headers={"content-type": content_type})
                refusal = (response.status_code, response.json()["code"])
                assert refusal in {(400, "json_too_deep"), (413, "request_too_large")}, route
        assert process.poll() is None
        assert client.get("/health").status_code == 200
        assert client.get("/zk/status").status_code == 200  # the prover worker survived too


def test_headers_that_never_finish_are_cut_off(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=START_GUARD_S) as sock:
        sock.sendall(b"POST /detect HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
        # The server closes the connection (recv gives b""); the socket timeout is a hang guard.
        assert sock.recv(1024) == b""


def test_a_body_that_drips_in_is_refused_with_408(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, process = server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=START_GUARD_S) as sock:
        sock.sendall(
            b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
            sock.sendall(b" ")  # one byte at a time: far under the minimum rate
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert process.poll() is None


def test_importing_the_service_keeps_the_recursion_limit() -> None:
    """py_ecc raises the process's recursion limit on import; the service puts it back."""
    code = (
        "import sys; before = sys.getrecursionlimit(); import livecred.main, zk, issuer; "
        "print(before, sys.getrecursionlimit())"
    )
    env = {**os.environ, "LIVECRED_MODELS_DIR": str(MODELS_DIR)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, check=True)
    before, after = out.stdout.split()
    assert before == after


def test_in_process_every_json_route_refuses_deep_bodies(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        limits: dict[str, int] = client.app.state.body_limits  # type: ignore[attr-defined]
        for route in _json_routes():
            # Routes capped below DEEP_ARRAY's 200 KB get a body deep enough to overflow a naive
            # parser's recursion (6,000 levels) that fits their cap: depth, not size, is refused.
            small = any(route.startswith(prefix) and cap < len(DEEP_ARRAY) for prefix, cap in limits.items())
            deep = b"[" * 6_000 + b"]" * 6_000 if small else DEEP_ARRAY
            response = client.post(route, content=deep, headers={"content-type": "application/json"})
            body: Any = response.json()
            assert (response.status_code, body["code"]) == (400, "json_too_deep"), route
        shallow = json.dumps({"verifiableCredential": {"a": [[[1]]]}})
        ok = client.post("/credentials/verify", content=shallow, headers={"content-type": "application/json"})
        assert ok.status_code == 400 and ok.json()["verified"] is False  # VC-API: a failed verification
