"""Warming the engine at start-up (the lifespan, before /health is ready) must not change what it
answers afterwards."""

from __future__ import annotations

from liveness import LivenessEngine, load_default_engine
from tests.conftest import MODELS_DIR, read_image


def test_a_warmed_engine_answers_as_a_cold_one(engine: LivenessEngine) -> None:
    warmed = load_default_engine(MODELS_DIR)
    warmed.warm_up()
    id_photo, selfie = read_image("deepface_identities/img4.jpg"), read_image("deepface_identities/img2.jpg")
    assert warmed.images.verify(id_photo, selfie) == engine.images.verify(id_photo, selfie)
