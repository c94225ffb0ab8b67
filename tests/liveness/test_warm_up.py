"""Warming the engine at start-up (the lifespan, before /health is ready) must not change what it
answers afterwards."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from liveness import LivenessEngine, load_default_engine
from tests.conftest import MODELS_DIR, read_image


def test_a_warmed_engine_answers_as_a_cold_one(engine: LivenessEngine) -> None:
    warmed = load_default_engine(MODELS_DIR)
    warmed.warm_up()
    id_photo, selfie = read_image("deepface_identities/img4.jpg"), read_image("deepface_identities/img2.jpg")
    assert warmed.images.verify(id_photo, selfie) == engine.images.verify(id_photo, selfie)


def test_the_service_warms_the_engine_before_it_answers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="livecred.api")
    with TestClient(create_app(Settings(models_dir=MODELS_DIR, state_dir=tmp_path, warm_up=True))) as client:
        assert client.get("/health").json()["ready"] is True
    assert any("warmed up" in r.getMessage() for r in caplog.records)
