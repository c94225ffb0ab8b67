"""Hostile and malformed input: each case is a 4xx with a stable code, never a 500, never an echo."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from livecred import Settings, create_app
from liveness.models import DEFAULT_ENGINE_MODELS
from tests.conftest import MODELS_DIR, read_b64
from tests.liveness.test_images import png_bomb

SELFIE = "silentface_real_spoof/image_T1.jpg"
ENDPOINTS = {
    "/detect": ["image"],
    "/liveness": ["image"],
    "/antispoof": ["image"],
    "/face-match": ["idImage", "selfieImage"],
    "/verify": ["idImage", "selfieImage"],
    "/smile-check": ["image"],
    "/challenge/validate": ["baselineImage", "challengeImage"],
}
CASES = [(path, field) for path, fields in ENDPOINTS.items() for field in fields]
MARKER = "U0VDUkVULU1BUktFUi"  # base64 of "SECRET-MARKER-": must never come back


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _png(width: int, height: int, value: int = 128) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg_bytes() -> bytes:
    return base64.b64decode(read_b64(SELFIE))


BAD_IMAGES = {
    "invalid_base64": ("%%%not-base64%%%" + MARKER, 400),
    "empty_image": ("", 400),
    "not_an_image": (_b64(b"SECRET-MARKER-" * 40), 422),
    "corrupt_image": (_b64(_jpeg_bytes()[:3000]), 422),
    "image_too_many_pixels": (_b64(png_bomb(30_000, 30_000)), 413),
    "image_too_small": (_b64(_png(8, 8)), 422),
    "unsupported_image_format": ("data:application/pdf;base64," + _b64(b"%PDF-1.4"), 422),
}


def _body(path: str, field: str, value: str) -> dict[str, str]:
    body = {f: read_b64(SELFIE) for f in ENDPOINTS[path]}
    body[field] = value
    return body


def _assert_error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]
    assert MARKER not in response.text  # type: ignore[attr-defined]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(("path", "field"), CASES)
@pytest.mark.parametrize("code", list(BAD_IMAGES))
def test_bad_image_is_a_4xx_naming_the_field(client: TestClient, path: str, field: str, code: str) -> None:
    value, status = BAD_IMAGES[code]
    body = _assert_error(client.post(path, json=_body(path, field, value)), status, code)
    assert body["field"] == field


@pytest.mark.parametrize(("path", "field"), CASES)
def test_zero_faces_is_422_except_for_detect(client: TestClient, path: str, field: str) -> None:
    response = client.post(path, json=_body(path, field, _b64(_png(320, 240))))
    if path == "/detect":
        assert response.status_code == 200 and response.json()["face_count"] == 0
    else:
        assert _assert_error(response, 422, "no_face")["field"] == field


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_empty_body_and_invalid_json(client: TestClient, path: str) -> None:
    _assert_error(client.post(path, content=b"", headers={"content-type": "application/json"}), 400, "empty_body")
    _assert_error(
        client.post(path, content=b'{"image": "abc', headers={"content-type": "application/json"}), 400, "invalid_json"
    )


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_missing_or_mistyped_fields(client: TestClient, path: str) -> None:
    body = _assert_error(client.post(path, json={}), 422, "invalid_request")
    assert {e["field"] for e in body["errors"]} == set(ENDPOINTS[path])  # type: ignore[union-attr]
    _assert_error(client.post(path, json={f: 12345 for f in ENDPOINTS[path]}), 422, "invalid_request")
    _assert_error(client.post(path, json=[1, 2, 3]), 422, "invalid_request")


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/liveness", {"antispoofThreshold": 1.5}),
        ("/face-match", {"minConfidence": -0.1}),
        ("/verify", {"minFaceMatchConfidence": 2}),
    ],
)
def test_thresholds_out_of_range(client: TestClient, path: str, extra: dict[str, float]) -> None:
    body = {f: read_b64(SELFIE) for f in ENDPOINTS[path]} | extra
    _assert_error(client.post(path, json=body), 422, "invalid_request")


def test_validation_errors_do_not_echo_input(client: TestClient) -> None:
    response = client.post("/face-match", json={"idImage": MARKER * 10, "selfieImage": None})
    assert response.status_code in (400, 422) and MARKER not in response.text


def test_unknown_route_and_method(client: TestClient) -> None:
    _assert_error(client.get("/no-such-thing"), 404, "not_found")
    _assert_error(client.get("/detect"), 405, "method_not_allowed")


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("state"),
        max_image_bytes=50_000,
        max_request_bytes=200_000,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_image_over_the_byte_limit(small_client: TestClient) -> None:
    big = _b64(np.random.default_rng(0).integers(0, 255, 60_000, dtype=np.uint8).tobytes())
    body = _assert_error(small_client.post("/detect", json={"image": big}), 413, "image_too_large")
    assert body["field"] == "image"


def test_request_over_the_body_limit(small_client: TestClient) -> None:
    _assert_error(small_client.post("/detect", json={"image": "A" * 300_000}), 413, "request_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"image": "'
        for _ in range(30):
            yield b"A" * 10_000
        yield b'"}'

    response = small_client.post("/detect", content=chunks(), headers={"content-type": "application/json"})
    _assert_error(response, 413, "request_too_large")


def test_not_ready_when_models_are_missing(tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path / "empty", state_dir=tmp_path / "state")
    with TestClient(create_app(settings)) as test_client:
        health = test_client.get("/health")
        assert health.status_code == 503
        body = health.json()
        assert body["ready"] is False and body["status"] == "not_ready"
        assert set(body["missing_models"]) == set(DEFAULT_ENGINE_MODELS)
        assert "livecred models fetch" in body["hint"]
        response = test_client.post("/detect", json={"image": read_b64(SELFIE)})
        error = _assert_error(response, 503, "models_unavailable")
        assert "livecred models fetch" in error["message"]  # type: ignore[operator]
        assert len(error["missing_models"]) == len(DEFAULT_ENGINE_MODELS)  # type: ignore[arg-type]


def test_body_limit_takes_the_longest_matching_route_prefix() -> None:
    from types import SimpleNamespace

    from livecred.app import body_limit

    state = SimpleNamespace(
        settings=SimpleNamespace(max_request_bytes=1000), body_limits={"/fhe/": 5000, "/fhe/distance": 9000}
    )
    assert body_limit(state, "/verify") == 1000
    assert body_limit(state, "/fhe/keys") == 5000
    assert body_limit(state, "/fhe/distance") == 9000
