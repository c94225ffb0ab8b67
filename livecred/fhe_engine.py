"""The liveness engine as fhe's :class:`fhe.Embedder`: where the two packages meet.

fhe never imports the engine (architecture rule), so this adapter lives in the composition root.
It embeds every face the engine's detector finds (YuNet alignment + MobileFaceNet), largest first,
and describes the model with thresholds taken from the engine's own match rule: the engine calls
two faces the same person when ``confidence(cosine) >= min_match_confidence``; the confidence
map is monotone, so that is ``cosine >= cosine_for(min_match_confidence)`` (0.413 by default, FAR 1e-4),
which ``ModelSpec.from_cosine_similarity`` turns into a cosine-distance and a euclidean-distance
threshold that take the same decision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fhe import ModelSpec
from liveness import EngineConfig, LivenessEngine

__all__ = ["ENGINE_MODEL", "EngineEmbedder", "engine_model_spec"]

ENGINE_MODEL = "MobileFaceNet"
ENGINE_DIMENSION = 128


def engine_model_spec(config: EngineConfig | None = None) -> ModelSpec:
    """The engine's model with the thresholds of its plaintext match decision."""
    config = config or EngineConfig()
    min_cosine = config.match_mapping.cosine_for(config.min_match_confidence)
    return ModelSpec.from_cosine_similarity(ENGINE_MODEL, ENGINE_DIMENSION, min_cosine)


class EngineEmbedder:
    """``fhe.Embedder`` over a :class:`liveness.LivenessEngine`; thread-safe as the engine is."""

    def __init__(self, engine: LivenessEngine) -> None:
        self._engine = engine
        self._spec = engine_model_spec(engine.config)

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    def embed_faces(self, image: np.ndarray) -> Sequence[np.ndarray]:
        detection = self._engine.images.detect(image)
        return [self._engine.images.embedder.embed(image, face) for face in detection.faces]
