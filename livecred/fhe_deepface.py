"""CipherFace's model names (``Facenet``, ``Facenet512``, ``VGG-Face``) through the DeepFace backend.

fhe finds this module through the ``livecred.fhe_embedders`` entry point (pyproject.toml,
``fhe/models.py``), so ``CipherFace("Facenet512")`` works as in CipherFace while fhe imports no
engine. The embedder finds faces with DeepFace's YuNet and embeds each with DeepFace's model from the
models directory (``LIVECRED_MODELS_DIR``); its thresholds are DeepFace's own for that model
(``ModelSpec.from_cosine_similarity`` of 1 - DeepFace's cosine-distance threshold), the same cosine
at which the DeepFace embedder's confidence reaches livecred's default match confidence.

Cheap to make: the weight files are checked at once (a missing one is
``ModelBackendUnavailable`` naming the fetch command), TensorFlow loads at the first embedding,
so ``livecred fhe keygen --model Facenet512`` needs no TensorFlow.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fhe import ModelBackendUnavailable, ModelSpec
from liveness import LivenessError

__all__ = ["DeepFaceCipherEmbedder", "deepface_embedder"]


class DeepFaceCipherEmbedder:
    """``fhe.Embedder`` over the DeepFace backend; thread-safe, the model built on first use."""

    def __init__(self, model: str, models_dir: Path, *, detector: str = "yunet") -> None:
        from liveness.backends.deepface import WeightFiles
        from liveness.backends.deepface.recognition import RECOGNITION_MODELS

        recognition = RECOGNITION_MODELS[model]
        self._spec = ModelSpec.from_cosine_similarity(model, recognition.dimension, recognition.min_cosine)
        self._model, self._models_dir, self._detector_name = model, models_dir, detector
        try:
            WeightFiles(models_dir).require([model, detector])
        except LivenessError as exc:
            raise ModelBackendUnavailable(f"the DeepFace backend cannot embed with {model}: {exc.message}") from None
        self._lock = threading.Lock()
        self._built: tuple[Any, Any] | None = None

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    def _parts(self) -> tuple[Any, Any]:
        with self._lock:
            if self._built is None:
                from liveness.backends.deepface import build_detector, build_embedder

                # DeepFace's Keras 2 models, as DeepFace itself arranges before TensorFlow loads.
                os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
                # TenSEAL must be loaded before TensorFlow: both carry protobuf's C++ runtime, and
                # TenSEAL loaded second crashes on serialising (measured: segfault).
                importlib.import_module("tenseal")
                try:
                    self._built = (
                        build_detector(self._detector_name, self._models_dir),
                        build_embedder(self._model, self._models_dir),
                    )
                except LivenessError as exc:
                    raise ModelBackendUnavailable(
                        f"the DeepFace backend cannot embed with {self._model}: {exc.message}"
                    ) from None
            return self._built

    def embed_faces(self, image: np.ndarray) -> Sequence[np.ndarray]:
        detector, embedder = self._parts()
        return [embedder.embed(image, face) for face in detector.detect(image).faces]


def deepface_embedder(model: str) -> DeepFaceCipherEmbedder:
    """The entry point: ``model`` through the DeepFace backend, weights from the configured models dir."""
    if importlib.util.find_spec("deepface") is None:
        raise ModelBackendUnavailable(
            f"the recognition model {model!r} needs the DeepFace backend, which is not installed "
            "(pip install 'livecred[deepface]')"
        )
    from livecred.settings import Settings

    return DeepFaceCipherEmbedder(model, Settings().models_dir)
