"""CORS for wallet pages on another origin: exact origins only, the wallet path's headers, no credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app

WALLET = "https://wallet.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, x-request-id",
}


def _client(tmp: Path, **extra: Any) -> TestClient:
    settings = Settings(models_dir=tmp / "no-models", state_dir=tmp, rate_limits_enabled=False, **extra)
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path, cors_origins=f"{WALLET}, http://localhost:8080") as test_client:
        yield test_client


def test_a_listed_origin_may_call_the_wallet_path(client: TestClient) -> None:
    response = client.options("/sessions", headers={"Origin": WALLET, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WALLET
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "x-request-id"} <= allowed
    assert "access-control-allow-credentials" not in response.headers
    simple = client.get("/health", headers={"Origin": WALLET})
    assert simple.headers["access-control-allow-origin"] == WALLET
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


def test_another_origin_is_refused(client: TestClient) -> None:
    response = client.options("/sessions", headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert (
        "access-control-allow-origin" not in client.get("/health", headers={"Origin": "https://evil.example"}).headers
    )


def test_a_header_outside_the_list_is_refused(client: TestClient) -> None:
    headers = {"Origin": WALLET, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-other"}
    assert client.options("/sessions", headers=headers).status_code == 400


def test_no_origin_is_allowed_by_default(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        response = client.options("/sessions", headers={"Origin": WALLET, **PREFLIGHT})
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-origin" not in client.get("/health", headers={"Origin": WALLET}).headers


@pytest.mark.parametrize("bad", ["*", "https://wallet.example/path", "wallet.example", "https://*.example"])
def test_only_exact_origins_are_accepted(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="LIVECRED_CORS_ORIGINS"):
        Settings(state_dir=tmp_path, cors_origins=bad)
