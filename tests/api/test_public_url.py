"""With no public URL, issuer domain or PORT configured, the service names the port it is served
on: ``uvicorn livecred.main:app --port X`` and ``livecred serve --port X`` both put
http://localhost:X into credentials and metadata (not the default 5003)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import MODELS_DIR, REPO_ROOT

TOKEN = "public-url-test-admin-token-0123456789"
HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
START_GUARD_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(command: list[str], tmp: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "LIVECRED_PORT", "LIVECRED_PUBLIC_URL")}
    env.pop("LIVECRED_ISSUER_DOMAIN", None)
    env |= {
        "LIVECRED_MODELS_DIR": str(MODELS_DIR),
        "LIVECRED_STATE_DIR": str(tmp / "state"),
        "LIVECRED_ADMIN_TOKEN": TOKEN,
        "LIVECRED_RATE_LIMITS_ENABLED": "false",
    }
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_GUARD_S
        base = command[-1]
        while True:
            assert process.poll() is None, (tmp / "server.log").read_text()[-2000:]
            try:
                httpx.get(f"http://127.0.0.1:{base}/health", timeout=2)
                break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield f"http://127.0.0.1:{base}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(params=["uvicorn", "livecred serve"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    if request.param == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "livecred.main:app", "--no-proxy-headers", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "livecred.cli", "serve", "--port", str(port)]
    for base in _serve(command, tmp_path):
        yield base, port


def test_credentials_and_metadata_name_the_bound_port(served: tuple[str, int]) -> None:
    base, port = served
    public = f"http://localhost:{port}"
    metadata = httpx.get(f"{base}/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == public
    assert metadata["credential_endpoint"] == f"{public}/credential"
    schema = httpx.get(f"{base}/schemas/LivenessCredential.json").json()
    assert schema["$metadata"]["uris"]["jsonLdContext"] == f"{public}/contexts/liveness/v1"

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", f"{public}/contexts/liveness/v1"],
        "type": ["VerifiableCredential", "LivenessCredential"],
        "credentialSubject": {"id": HOLDER, "deviceType": "desktop", "timestamp": now},
        "credentialSchema": {"id": f"{public}/schemas/LivenessCredential.json", "type": "JsonSchema"},
        "evidence": [{"type": ["LivenessCheckEvidence"], "checks": ["antispoof"]}],
    }
    issued = httpx.post(
        f"{base}/credentials/issue",
        json={"credential": credential},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert issued.status_code == 201, issued.text
    vc = issued.json()["verifiableCredential"]
    assert vc["credentialStatus"]["statusListCredential"].startswith(f"{public}/status/")
    verified = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": vc}, timeout=30).json()
    assert verified["verified"] is True, verified
