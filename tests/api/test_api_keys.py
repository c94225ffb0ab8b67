"""LIVECRED_API_KEYS: the face routes answer only callers with a key; the wallet path never asks."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from livecred import Settings, create_app
from tests.api.wallet_client import Holder, open_session
from tests.conftest import MODELS_DIR, read_b64

KEYS = "first-key-0123456789, second-key-abcdef"


def test_face_routes_need_a_key_and_the_wallet_path_does_not(tmp_path: Path) -> None:
    settings = Settings(
        models_dir=MODELS_DIR, state_dir=tmp_path, public_url="http://testserver", api_keys=SecretStr(KEYS)
    )
    image = {"image": read_b64("deepface_identities/img12.jpg")}
    with TestClient(create_app(settings)) as client:
        missing = client.post("/antispoof", json=image)
        assert missing.status_code == 401 and missing.json()["code"] == "api_key_required"
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = client.post("/face-match", json={}, headers={"Authorization": "Bearer first-key-01234567890"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_api_key"
        assert "first-key" not in wrong.text
        assert (
            client.post("/detect", json=image, headers={"Authorization": "Bearer first-key-0123456789"}).status_code
            == 200
        )
        assert client.post("/liveness", json=image, headers={"X-API-Key": "second-key-abcdef"}).status_code == 200
        # Unprotected: the wallet path, health, credentials.
        assert open_session(client, Holder()).status_code == 201
        assert client.get("/health").status_code == 200


def test_without_keys_the_face_routes_are_open(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.post("/detect", json={"image": read_b64("deepface_identities/img12.jpg")}).status_code == 200
