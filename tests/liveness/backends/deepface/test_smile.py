"""DeepFace's emotion model as a smile score, end to end on a weight file built with its own
architecture (random, seeded): the score's scale and determinism, not its accuracy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from liveness import ModelUnavailable
from liveness.backends.deepface import build_smile
from liveness.backends.deepface.smile import EMOTION_LABELS, happy_score
from liveness.challenges import FacePixels
from liveness.mesh import measure_face
from tests.conftest import read_image


def test_happy_score_is_the_happy_share_in_percent() -> None:
    p = np.array([0.1, 0.0, 0.0, 0.6, 0.1, 0.1, 0.1])
    assert happy_score(p) == pytest.approx(60.0)
    assert happy_score(p * 3) == pytest.approx(60.0)  # normalised, as DeepFace's analyze does
    assert happy_score(np.zeros(7)) == 0.0
    assert EMOTION_LABELS[3] == "happy"
    with pytest.raises(ValueError):
        happy_score(np.ones(5))


def test_the_emotion_model_scores_a_real_face(deepface_models: Callable[..., Path], engine) -> None:  # type: ignore[no-untyped-def]
    smile = build_smile(deepface_models("Emotion"))
    assert smile.method == "deepface-emotion"
    image = read_image("faceonnx_identities/brad_1.jpg")
    face = engine.images.detect(image).largest
    probabilities = smile.probabilities(image, face)
    assert probabilities.shape == (7,) and float(probabilities.sum()) == pytest.approx(1.0, abs=1e-4)
    score = smile.score_face(image, face)
    assert 0.0 <= score <= 100.0
    assert score == smile.score_face(image.copy(), face)
    other = read_image("faceonnx_identities/sarah_1.jpg")
    assert smile.score_face(other, engine.images.detect(other).largest) != score


def test_missing_emotion_weights_name_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="--backend deepface"):
        build_smile(tmp_path)


def test_the_emotion_model_is_a_smile_scorer_of_the_pixels(deepface_models: Callable[..., Path], engine) -> None:  # type: ignore[no-untyped-def]
    smile = build_smile(deepface_models("Emotion"))
    image = read_image("faceonnx_identities/brad_1.jpg")
    face = engine.images.detect(image).largest
    measures = measure_face(engine.interactive.landmarks(image, face))
    assert smile.score(measures, FacePixels(image, face)) == smile.score_face(image, face)
    with pytest.raises(ValueError, match="pixels"):
        smile.score(measures)
