"""Proxies that implement the engine's part protocols by calling into a :class:`BackendWorker`.

``LivenessEngine.from_parts`` takes them unchanged: an ``IsolatedEmbedder`` is a
:class:`~liveness.embed.FaceEmbedder` whose ``embed`` runs in the worker process. Results come
back as the same frozen dataclasses (and numpy arrays) the part returns in-process; a worker
that is down, busy, late or crashed raises a :class:`BackendUnavailable` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liveness.antispoof import AntiSpoofScores
from liveness.backends._exceptions import BackendFailed
from liveness.backends.process import BackendWorker
from liveness.challenges import FacePixels
from liveness.embed import ConfidenceMapping
from liveness.mesh import FaceMeasures
from liveness.types import DetectionResult, Face

__all__ = ["IsolatedAntiSpoof", "IsolatedDetector", "IsolatedEmbedder", "IsolatedSmile"]


class _Isolated:
    part = ""

    def __init__(self, worker: BackendWorker, name: str) -> None:
        self.worker = worker
        self.name = name  # e.g. "deepface:Facenet512", for /health and logs

    def _call(self, method: str, *args: Any) -> Any:
        return self.worker.call(self.part, method, *args)

    def _checked(self, value: Any, kind: type[Any] | tuple[type[Any], ...]) -> Any:
        if not isinstance(value, kind):
            raise BackendFailed(f"the {self.name} backend returned {type(value).__name__}, not the expected result")
        return value

    def _info(self, key: str) -> Any:
        return self.worker.info.get(self.part, {}).get(key)


class IsolatedDetector(_Isolated):
    part = "detector"

    def detect(self, image: np.ndarray) -> DetectionResult:
        result: DetectionResult = self._checked(self._call("detect", image), DetectionResult)
        return result


class IsolatedEmbedder(_Isolated):
    part = "recognition"

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        vector: np.ndarray = self._checked(self._call("embed", image, face), np.ndarray)
        return vector

    @property
    def mapping(self) -> ConfidenceMapping | None:
        """The model's own cosine -> confidence scale, when the backend publishes one."""
        value = self._info("mapping")
        return value if isinstance(value, ConfidenceMapping) else None

    @property
    def template_mapping(self) -> ConfidenceMapping | None:
        value = self._info("template_mapping")
        return value if isinstance(value, ConfidenceMapping) else None


class IsolatedAntiSpoof(_Isolated):
    part = "antispoof"

    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores:
        scores: AntiSpoofScores = self._checked(self._call("score", image, face), AntiSpoofScores)
        return scores


class IsolatedSmile(_Isolated):
    part = "smile"

    @property
    def method(self) -> str:
        value = self._info("method")
        return value if isinstance(value, str) else self.name

    def score(self, measures: FaceMeasures, pixels: FacePixels | None = None) -> float:
        return float(self._checked(self._call("score", measures, pixels), (float, int, np.floating)))
