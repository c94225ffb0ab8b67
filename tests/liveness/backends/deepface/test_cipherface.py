"""CipherFace's own model names through the DeepFace backend (weights built with DeepFace's
architectures): the encrypted distance equals the plaintext distance of the same embeddings."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fhe import CipherFace, Metric, ModelBackendUnavailable
from tests.conftest import read_image

CKKS_TOLERANCE = 1e-3
IMAGES = ("deepface_identities/img5.jpg", "deepface_identities/img12.jpg")


def _check_round_trip(model: str, dimension: int, min_cosine: float, metric: Metric) -> None:
    cipher = CipherFace(model, metric=metric)
    assert cipher.model.name == model and cipher.model.dimension == dimension
    expected = 1.0 - min_cosine if metric is Metric.COSINE else math.sqrt(2.0 - 2.0 * min_cosine)
    assert cipher.threshold == pytest.approx(expected)
    a, b = (read_image(name) for name in IMAGES)
    (plain_a,), (plain_b,) = cipher.represent(a), cipher.represent(b)
    assert plain_a.shape == (dimension,) and float(np.linalg.norm(plain_a)) == pytest.approx(1.0, abs=1e-5)
    (enc_a,), (enc_b,) = cipher.securely_embed(a), cipher.securely_embed(b)
    # The cloud holds the public context only.
    cloud = CipherFace.from_bytes(cipher.public_context(), public_only=True)
    distance = cipher.restore(cloud.calculate_encrypted_distance(enc_a, enc_b))
    if metric is Metric.COSINE:
        plain = 1.0 - float(np.dot(plain_a, plain_b))
    else:
        plain = float(np.linalg.norm(plain_a - plain_b))
    assert distance == pytest.approx(plain, abs=CKKS_TOLERANCE)
    assert cipher.verify(distance) == (plain <= cipher.threshold)


@pytest.mark.parametrize("metric", [Metric.EUCLIDEAN, Metric.COSINE])
def test_facenet512_encrypted_distance_is_the_plaintext_distance(
    deepface_models: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, metric: Metric
) -> None:
    monkeypatch.setenv("LIVECRED_MODELS_DIR", str(deepface_models("Facenet512")))
    _check_round_trip("Facenet512", 512, 0.70, metric)


def test_facenet_128(deepface_models: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_MODELS_DIR", str(deepface_models("Facenet")))
    _check_round_trip("Facenet", 128, 0.60, Metric.EUCLIDEAN)


def test_vgg_face_4096(deepface_models: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """VGG-Face's 4096 values fill the default parameters' 4096 slots (a 580 MB weight file)."""
    monkeypatch.setenv("LIVECRED_MODELS_DIR", str(deepface_models("VGG-Face")))
    _check_round_trip("VGG-Face", 4096, 0.32, Metric.EUCLIDEAN)


def test_without_weights_the_name_says_what_to_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelBackendUnavailable, match="livecred models fetch --backend deepface"):
        CipherFace("Facenet512")
