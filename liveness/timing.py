"""How long each model part takes, told to whoever asks: a callback, not a metrics system.

liveness knows nothing of Prometheus or any other collector. A caller that wants inference
times passes an :class:`InferenceObserver` to :func:`liveness.load_default_engine`; each call
into a part then reports ``(part, seconds)`` once, on the thread that ran it:

===========  ===========================================================================
part         one observation per
===========  ===========================================================================
detector     ``FaceDetector.detect`` (YuNet, including its upscaled second pass)
antispoof    ``AntiSpoof.score`` (both MiniFASNet members)
embedder     ``FaceEmbedder.embed`` (MobileFaceNet, with the flipped pass when enabled)
mesh         one LiteRT run of the face-mesh family (BlazeFace, the mesh, the iris model)
===========  ===========================================================================

Only the part's name and a duration leave: never an image, a score or an embedding. The
wrappers keep the parts' protocols, so an engine built with them behaves exactly as one
without.
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from liveness.antispoof import AntiSpoof, AntiSpoofScores
from liveness.detect import FaceDetector
from liveness.embed import FaceEmbedder
from liveness.types import DetectionResult, Face

__all__ = ["INFERENCE_PARTS", "InferenceObserver", "TimedAntiSpoof", "TimedDetector", "TimedEmbedder"]

INFERENCE_PARTS = ("detector", "antispoof", "embedder", "mesh")


class InferenceObserver(Protocol):
    """Called with the part's name (one of :data:`INFERENCE_PARTS`) and the seconds it took.

    It runs on the inference thread, so it must be quick and thread-safe; an exception it raises
    reaches the caller of the part.
    """

    def __call__(self, part: str, seconds: float) -> None: ...


class TimedDetector:
    def __init__(self, inner: FaceDetector, observer: InferenceObserver) -> None:
        self.inner, self.observer = inner, observer

    def detect(self, image: np.ndarray) -> DetectionResult:
        start = time.perf_counter()
        try:
            return self.inner.detect(image)
        finally:
            self.observer("detector", time.perf_counter() - start)


class TimedAntiSpoof:
    def __init__(self, inner: AntiSpoof, observer: InferenceObserver) -> None:
        self.inner, self.observer = inner, observer

    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores:
        start = time.perf_counter()
        try:
            return self.inner.score(image, face)
        finally:
            self.observer("antispoof", time.perf_counter() - start)


class TimedEmbedder:
    def __init__(self, inner: FaceEmbedder, observer: InferenceObserver) -> None:
        self.inner, self.observer = inner, observer

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.inner.embed(image, face)
        finally:
            self.observer("embedder", time.perf_counter() - start)
