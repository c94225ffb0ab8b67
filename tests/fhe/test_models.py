"""Model descriptions, thresholds per metric, and the plaintext reference distance (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fhe import (
    CipherFace,
    InvalidEmbedding,
    InvalidParameters,
    Metric,
    ModelBackendUnavailable,
    ModelSpec,
    UnsupportedModel,
    plaintext_distance,
)
from fhe.plaintext import normalise, pad
from livecred.fhe_engine import engine_model_spec
from liveness import EngineConfig


def test_engine_thresholds_follow_its_match_rule() -> None:
    spec = engine_model_spec(EngineConfig())
    # The engine matches at the ``default`` point, confidence 0.6667 = FAR 1e-4, i.e. cosine
    # 0.4128 (liveness/embed.py; was 0.6 = cosine 0.46 on the old hand-placed scale).
    assert spec.name == "MobileFaceNet" and spec.dimension == 128
    assert spec.max_cosine_distance == pytest.approx(1 - 0.4128)
    assert spec.max_euclidean_distance == pytest.approx(math.sqrt(2 - 2 * 0.4128))
    # confidence 0.5 is the `lenient` knot, cosine 0.3472
    assert engine_model_spec(EngineConfig(min_match_confidence=0.5)).max_cosine_distance == pytest.approx(1 - 0.3472)


@pytest.mark.parametrize("cosine", [-0.3, 0.0, 0.3, 0.4599, 0.46, 0.4601, 0.9])
def test_every_metric_takes_the_plaintext_decision(cosine: float) -> None:
    spec = ModelSpec.from_cosine_similarity("m", 2, 0.46)
    a = np.array([1.0, 0.0])
    b = np.array([cosine, math.sqrt(1 - cosine**2)])
    plain = cosine >= 0.46
    for metric in Metric:
        assert (plaintext_distance(a, b, metric) <= spec.threshold(metric) + 1e-12) is plain


def test_distances_of_unit_vectors() -> None:
    a, b = np.array([3.0, 4.0]), np.array([-4.0, 3.0])  # orthogonal, any length
    assert plaintext_distance(a, b, Metric.COSINE) == pytest.approx(1.0)
    assert plaintext_distance(a, b, Metric.EUCLIDEAN) == pytest.approx(math.sqrt(2))
    assert plaintext_distance(a, -a, Metric.EUCLIDEAN) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "vector", [np.zeros(4), np.array([1.0, np.nan, 0, 0]), np.ones(3), np.ones((2, 2)), ["a", "b", "c", "d"]]
)
def test_unusable_embeddings_are_refused(vector: object) -> None:
    with pytest.raises(InvalidEmbedding):
        normalise(vector, 4)  # type: ignore[arg-type]


def test_padding_keeps_distances_and_reaches_a_power_of_two() -> None:
    spec = ModelSpec.from_cosine_similarity("m", 100, 0.5)
    assert spec.padded_dimension == 128
    assert ModelSpec.from_cosine_similarity("m", 128, 0.5).padded_dimension == 128
    v = normalise(np.arange(1.0, 101.0), 100)
    assert pad(v, 128).shape == (128,) and float(np.linalg.norm(pad(v, 128))) == pytest.approx(1.0)


def test_deepface_models_are_known_but_need_their_backend() -> None:
    for name in ("VGG-Face", "Facenet", "Facenet512"):
        with pytest.raises(ModelBackendUnavailable, match="DeepFace backend"):
            CipherFace(name)
    with pytest.raises(UnsupportedModel, match="unknown recognition model"):
        CipherFace("ArcFaceXL")


def test_spec_validation() -> None:
    with pytest.raises(InvalidParameters, match="dimension"):
        ModelSpec("m", 0, 0.5, 1.0)
    with pytest.raises(InvalidParameters, match="lies in"):
        ModelSpec.from_cosine_similarity("m", 8, 1.5)
    assert ModelSpec.from_dict(engine_model_spec().as_dict()) == engine_model_spec()
