"""The engine the API talks to: three small facades over one set of models.

* ``images`` (:class:`ImageEngine`): single images. Detect, anti-spoofing, quality, match, verify.
* ``interactive`` (:class:`InteractiveEngine`): smile, challenge against a baseline, blink burst,
  passive monitor.
* ``stream`` (:class:`StreamEngine`): live takes judged frame by frame.

They share the parts (detector, anti-spoofing, embedder, face mesh, smile scorer, config), which
are built once and are thread-safe, so one ``LivenessEngine`` serves every request. None of the
three grows into a god object: a new kind of check is a new facade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liveness._exceptions import ModelUnavailable
from liveness.antispoof import AntiSpoof, MiniFASNetEnsemble
from liveness.challenges import SmileScorer
from liveness.config import EngineConfig
from liveness.detect import FaceDetector, YuNet, YuNetConfig
from liveness.embed import FaceEmbedder, MobileFaceNet
from liveness.facemesh import FaceMeshModel, Landmarker
from liveness.image_engine import ImageEngine
from liveness.interactive import InteractiveEngine
from liveness.models.registry import DEFAULT_ENGINE_MODELS
from liveness.models.runtime import RuntimeOptions
from liveness.models.store import FETCH_HINT, ModelStore
from liveness.stream import StreamConfig, StreamEngine
from liveness.timing import InferenceObserver, TimedAntiSpoof, TimedDetector, TimedEmbedder
from liveness.types import BoundingBox, Face

__all__ = ["LivenessEngine", "load_default_engine"]


@dataclass(frozen=True, slots=True)
class LivenessEngine:
    """The three facades over one set of models; build it with :meth:`from_parts` or
    :func:`load_default_engine`."""

    images: ImageEngine
    interactive: InteractiveEngine
    stream: StreamEngine

    @classmethod
    def from_parts(
        cls,
        detector: FaceDetector,
        antispoof: AntiSpoof,
        embedder: FaceEmbedder,
        config: EngineConfig | None = None,
        *,
        landmarker: Landmarker | None = None,
        smile: SmileScorer | None = None,
        stream: StreamConfig | None = None,
    ) -> LivenessEngine:
        images = ImageEngine(detector, antispoof, embedder, config)
        interactive = InteractiveEngine(images, landmarker, smile=smile)
        mesh = landmarker if isinstance(landmarker, FaceMeshModel) else None
        live = StreamEngine(detector, antispoof, embedder, mesh, images.config, smile=interactive.smile, stream=stream)
        return cls(images, interactive, live)

    @property
    def config(self) -> EngineConfig:
        return self.images.config

    def warm_up(self) -> None:
        """Run each model once on a synthetic frame, so the first request does not pay for the
        runtimes' lazy set-up (onnxruntime's arenas and kernels, LiteRT's XNNPACK delegate).

        The frame holds no face; a made-up face box drives the models that take one. Results are
        discarded: this is about latency, never about a verdict.
        """
        rng = np.random.default_rng(0)
        image = rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
        face = Face(
            box=BoundingBox(x=220.0, y=140.0, width=200.0, height=240.0),
            landmarks=((270.0, 220.0), (370.0, 220.0), (320.0, 270.0), (280.0, 320.0), (360.0, 320.0)),
            score=1.0,
        )
        self.images.detect(image)
        self.images.antispoof.score(image, face)
        self.images.embedder.embed(image, face)
        if self.interactive.landmarker is not None:
            self.interactive.landmarker.landmarks(image, face)


def load_default_engine(
    models_dir: Path | str,
    *,
    runtime: RuntimeOptions | None = None,
    config: EngineConfig | None = None,
    detector_config: YuNetConfig | None = None,
    flip_average: bool = False,
    stream: StreamConfig | None = None,
    observer: InferenceObserver | None = None,
) -> LivenessEngine:
    """Build the onnxruntime-only engine from a models directory; never downloads.

    Raises :class:`ModelUnavailable` listing *every* missing or corrupt model at once. With an
    ``observer``, every call into a model part reports its duration (``liveness/timing.py``).
    """
    store = ModelStore(models_dir)
    weights: dict[str, bytes] = {}
    missing: list[str] = []
    for name in DEFAULT_ENGINE_MODELS:
        try:
            weights[name] = store.read_verified(name)
        except ModelUnavailable as exc:
            missing.extend(exc.missing)
    if missing:
        raise ModelUnavailable(
            f"models missing or corrupt in {store.directory}: {', '.join(missing)}; {FETCH_HINT}",
            missing=missing,
        )
    detector: FaceDetector = YuNet(weights["yunet"], runtime, detector_config)
    antispoof: AntiSpoof = MiniFASNetEnsemble(weights["minifasnet_v2"], weights["minifasnet_v1se"], runtime)
    embedder: FaceEmbedder = MobileFaceNet(weights["mobilefacenet"], runtime, flip_average=flip_average)
    if observer is not None:
        detector = TimedDetector(detector, observer)
        antispoof = TimedAntiSpoof(antispoof, observer)
        embedder = TimedEmbedder(embedder, observer)
    mesh = FaceMeshModel(weights["facemesh_detector"], weights["facemesh"], weights["iris_landmark"], observer=observer)
    return LivenessEngine.from_parts(
        detector=detector, antispoof=antispoof, embedder=embedder, config=config, landmarker=mesh, stream=stream
    )
