"""Request ids on every response and, with LIVECRED_LOG_FORMAT=json, one JSON object per log line."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from livecred.logs import JSONFormatter

MARKER = "BODY-MARKER-never-logged"


def _app_settings(tmp: Path, **extra: Any) -> Settings:
    # No models: the engine is not ready, which is all these tests need (and start-up is fast).
    return Settings(models_dir=tmp / "no-models", state_dir=tmp, rate_limits_enabled=False, **extra)


@pytest.fixture
def json_client(tmp_path: Path) -> Iterator[tuple[TestClient, io.StringIO]]:
    with TestClient(create_app(_app_settings(tmp_path, log_format="json"))) as client:
        buffer = io.StringIO()
        handlers = [h for h in logging.getLogger("livecred").handlers if isinstance(h.formatter, JSONFormatter)]
        assert len(handlers) == 1
        assert isinstance(handlers[0], logging.StreamHandler)
        handlers[0].setStream(buffer)
        yield client, buffer
    for handler in handlers:
        logging.getLogger("livecred").removeHandler(handler)


@pytest.fixture
def text_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_app_settings(tmp_path))) as client:
        yield client


def test_a_safe_request_id_is_echoed(text_client: TestClient) -> None:
    response = text_client.get("/health", headers={"X-Request-ID": "wallet-7f3a.2:1"})
    assert response.headers["x-request-id"] == "wallet-7f3a.2:1"


@pytest.mark.parametrize("unsafe", ["x" * 65, "has space", 'quote"d', "<script>", ""])
def test_an_unsafe_request_id_is_replaced(text_client: TestClient, unsafe: str) -> None:
    response = text_client.get("/health", headers={"X-Request-ID": unsafe})
    given = response.headers["x-request-id"]
    assert given != unsafe and len(given) == 32 and given.isalnum()


def test_every_response_gets_a_fresh_id(text_client: TestClient) -> None:
    first = text_client.get("/health").headers["x-request-id"]
    second = text_client.post("/detect", json={"image": "x"}).headers["x-request-id"]  # refused, still an id
    assert first != second and len(first) == len(second) == 32


def test_json_logs_are_one_object_per_line_with_the_request_id(
    json_client: tuple[TestClient, io.StringIO],
) -> None:
    client, buffer = json_client
    response = client.post("/detect", json={"image": MARKER}, headers={"X-Request-ID": "req-0001"})
    assert response.status_code == 503  # no models here
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert lines, "nothing was logged"
    for entry in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(entry)
        assert entry["time"].endswith("+00:00")
    access = [e for e in lines if e["logger"] == "livecred.access"]
    assert [e["request_id"] for e in access] == ["req-0001"]
    assert access[0]["message"].startswith("POST /detect 503 ")
    assert MARKER not in buffer.getvalue()


def test_the_access_line_names_the_route_template_not_the_path(json_client: tuple[TestClient, io.StringIO]) -> None:
    client, buffer = json_client
    client.get("/sessions/lcs_not-a-real-session-id")
    (entry,) = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert entry["message"].startswith("GET /sessions/{session_id} 404 ")
    assert "lcs_not-a-real-session-id" not in buffer.getvalue()


def test_the_json_formatter_keeps_the_exception() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("livecred.api", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    entry = json.loads(JSONFormatter().format(record))
    assert entry["message"] == "failed here" and entry["level"] == "ERROR" and entry["request_id"] is None
    assert "ValueError: broken" in entry["exception"]
