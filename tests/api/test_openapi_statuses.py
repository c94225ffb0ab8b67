"""Every status an operation answers is listed in its OpenAPI entry.

Hostile and plain requests go to every operation of the published document; each answer's
status must be one the operation documents. A client generated from the document (or a gateway
validating against it) then never meets an undocumented answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from livecred.openapi import BODY_STATUSES
from livecred.ratelimit import ROUTE_FAMILIES
from tests.conftest import MODELS_DIR

BODIES: list[bytes | None] = [None, b"", b"{", b"[" * 100 + b"]" * 100, b"{}", json.dumps({"a": 1}).encode(), b"\xff"]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, str, set[str]]]:
    for path, operations in schema["paths"].items():
        url = path.replace("{session_id}", "lcs_nonexistent").replace("{list_id}", "nope")
        for method, operation in operations.items():
            yield method.upper(), path, url, set(operation["responses"])


def _send_all(client: TestClient, method: str, url: str) -> set[int]:
    seen = set()
    for body in BODIES:
        headers = {} if body is None else {"content-type": "application/json"}
        seen.add(client.request(method, url, content=body, headers=headers).status_code)
    return seen


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(models_dir=MODELS_DIR, state_dir=tmp_path_factory.mktemp("openapi"), rate_limits_enabled=False)


def test_every_answer_to_hostile_requests_is_documented(app_settings: Settings) -> None:
    undocumented = []
    with TestClient(create_app(app_settings)) as client:
        schema = client.get("/openapi.json").json()
        for method, path, url, documented in _operations(schema):
            for status in _send_all(client, method, url):
                if str(status) not in documented:
                    undocumented.append(f"{method} {path} -> {status}")
    assert not undocumented


def test_rate_limited_answers_are_documented(tmp_path: Path) -> None:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path,
        rate_limit_storage="memory",
        rate_limit_sessions="1/hour",
        rate_limit_nonces="1/hour",
        rate_limit_tokens="1/hour",
        rate_limit_credentials="1/hour",
        rate_limit_verifications="1/hour",
        rate_limit_presentation_requests="1/hour",
        rate_limit_presentation_results="1/hour",
        rate_limit_faces="1/hour",
    )
    with TestClient(create_app(settings)) as client:
        schema = client.get("/openapi.json").json()
        for method, path, url, documented in _operations(schema):
            if (method, path) not in ROUTE_FAMILIES:
                continue
            statuses = {client.request(method, url, json={}).status_code for _ in range(3)}
            assert 429 in statuses, f"{method} {path}"
            assert {str(s) for s in statuses} <= documented, f"{method} {path}: {statuses}"


def test_statuses_from_below_the_routes_are_documented_everywhere(app_settings: Settings) -> None:
    schema = create_app(app_settings).openapi()
    for method, path, _, documented in _operations(schema):
        if method in ("POST", "PUT", "PATCH"):
            assert set(BODY_STATUSES) <= documented, f"{method} {path}"
        if (method, path) in ROUTE_FAMILIES:
            assert "429" in documented, f"{method} {path}"
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message"]
