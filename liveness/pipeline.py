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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liveness._exceptions import ModelUnavailable, TooFewFrames
from liveness.antispoof import AntiSpoof, MiniFASNetEnsemble
from liveness.challenges import ChallengeType, SmileScorer, measure_challenge
from liveness.config import EngineConfig
from liveness.detect import FaceDetector, YuNet, YuNetConfig
from liveness.embed import FaceEmbedder, MobileFaceNet, cosine_similarity, similarity_to_confidence
from liveness.facemesh import FaceMeshModel, Landmarker
from liveness.image_engine import ImageEngine
from liveness.interactive import InteractiveEngine
from liveness.mesh import FaceMeasures, measure_face
from liveness.models.registry import DEFAULT_ENGINE_MODELS
from liveness.models.runtime import RuntimeOptions
from liveness.models.store import FETCH_HINT, ModelStore
from liveness.session import (
    ChallengeVerdict,
    FrameVerdict,
    SessionVerdict,
    best_of_burst,
    judge_session,
    pick_baseline,
)
from liveness.stream import StreamConfig, StreamEngine
from liveness.types import Face, MatchResult

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

    def check_session(
        self,
        baseline: Sequence[np.ndarray],
        bursts: Sequence[tuple[ChallengeType, Sequence[np.ndarray]]],
        id_image: np.ndarray | None = None,
        *,
        min_face_match_confidence: float | None = None,
        antispoof_threshold: float | None = None,
        on_face_match: Callable[[MatchResult], None] | None = None,
    ) -> SessionVerdict:
        """Judge a liveness session's frames at once (see ``liveness.session``). The one-request
        session route's check, kept until that route is replaced by live takes (``stream``).

        ``baseline`` is a burst of the neutral face; ``bursts`` pairs each challenge, in the
        session's order, with its frames. Frames are named ``baseline[i]``, ``challenges[k][i]``
        and ``idImage`` in errors (a frame without a face raises :class:`FaceNotFound`).
        ``on_face_match`` is called with the ID match as soon as it is known, before the
        challenge bursts are judged. With ``config.quality_gate``, an unusable baseline or ID face
        raises :class:`FaceQualityTooLow` (challenge frames are not gated: a turned head is the point).
        """
        if not baseline:
            raise TooFewFrames("'baseline' needs at least one frame", field="baseline")
        threshold = self.config.antispoof_threshold if antispoof_threshold is None else antispoof_threshold
        min_match = self.config.min_match_confidence if min_face_match_confidence is None else min_face_match_confidence
        refine = any(kind == "blink" for kind, _ in bursts)

        def measure(image: np.ndarray, name: str) -> tuple[Face, float, np.ndarray, FaceMeasures]:
            face = self.images.subject(image, field=name).face
            spoof = self.images.antispoof.score(image, face).real
            embedding = self.images.embedder.embed(image, face)
            measures = measure_face(self.interactive.landmarks(image, face, field=name, refine_eyes=refine))
            return face, spoof, embedding, measures

        base = [measure(image, f"baseline[{i}]") for i, image in enumerate(baseline)]
        chosen = pick_baseline(
            [m for *_, m in base], [self.interactive.smile.score(m) for *_, m in base], self.config.challenges
        )
        base_face, _, base_embedding, base_measures = base[chosen]
        if self.config.quality_gate:
            # The baseline is the reference every frame and the ID photo are matched against.
            self.images.require_quality(baseline[chosen], base_face, field=f"baseline[{chosen}]")
        frames: list[FrameVerdict] = []

        def verdict(name: str, spoof: float, embedding: np.ndarray) -> FrameVerdict:
            similarity = cosine_similarity(base_embedding, embedding)
            confidence = similarity_to_confidence(similarity, self.config.match_mapping)
            return FrameVerdict(name, spoof, spoof >= threshold, confidence)

        frames += [verdict(f"baseline[{i}]", s, e) for i, (_, s, e, _) in enumerate(base)]
        face_match = None
        if id_image is not None:
            id_face = self.images.subject(id_image, field="idImage").face
            if self.config.quality_gate:
                self.images.require_quality(id_image, id_face, field="idImage")
            similarity = cosine_similarity(self.images.embedder.embed(id_image, id_face), base_embedding)
            confidence = similarity_to_confidence(similarity, self.config.match_mapping)
            face_match = MatchResult(similarity, confidence, confidence >= min_match, min_match, id_face, base_face)
            if on_face_match is not None:
                on_face_match(face_match)  # e.g. start proving while the challenges are judged
        challenges: list[ChallengeVerdict] = []
        for k, (kind, burst) in enumerate(bursts):
            if not burst:
                raise TooFewFrames(f"'challenges[{k}]' needs at least one frame", field=f"challenges[{k}]")
            measured = []
            for i, image in enumerate(burst):
                name = f"challenges[{k}][{i}]"
                _, spoof, embedding, measures = measure(image, name)
                frames.append(verdict(name, spoof, embedding))
                measured.append(
                    measure_challenge(kind, base_measures, measures, self.config.challenges, self.interactive.smile)
                )
            best = best_of_burst(measured)
            challenges.append(ChallengeVerdict(kind, measured[best].passed, best, measured[best]))
        return judge_session(
            frames=frames,
            baseline_frame=chosen,
            challenges=challenges,
            antispoof_threshold=threshold,
            min_same_person_confidence=self.config.min_same_person_confidence,
            face_match=face_match,
        )


def load_default_engine(
    models_dir: Path | str,
    *,
    runtime: RuntimeOptions | None = None,
    config: EngineConfig | None = None,
    detector_config: YuNetConfig | None = None,
    flip_average: bool = False,
    stream: StreamConfig | None = None,
) -> LivenessEngine:
    """Build the onnxruntime-only engine from a models directory; never downloads.

    Raises :class:`ModelUnavailable` listing *every* missing or corrupt model at once.
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
    return LivenessEngine.from_parts(
        detector=YuNet(weights["yunet"], runtime, detector_config),
        antispoof=MiniFASNetEnsemble(weights["minifasnet_v2"], weights["minifasnet_v1se"], runtime),
        embedder=MobileFaceNet(weights["mobilefacenet"], runtime, flip_average=flip_average),
        config=config,
        landmarker=FaceMeshModel(weights["facemesh_detector"], weights["facemesh"], weights["iris_landmark"]),
        stream=stream,
    )
