"""LivenessEngine: composes detection, anti-spoofing and embedding; the only thing the API calls.

The engine takes its parts as constructor arguments (any object with the ``FaceDetector``,
``AntiSpoof`` and ``FaceEmbedder`` shape), so other backends plug in without touching the API.
It holds no per-request state: every method is a pure function of its inputs and is safe to
call from many threads at once.

Face selection rule: where one face is needed (anti-spoofing, matching) the *largest* face in
the image is used; ``face_count`` in the results says how many there were. An image with no
face raises :class:`FaceNotFound` (the caller sent an unusable image), while a spoof or a
non-match is a verdict in the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liveness._exceptions import FaceNotFound, ModelUnavailable
from liveness.antispoof import AntiSpoof, MiniFASNetEnsemble
from liveness.detect import FaceDetector, YuNet, YuNetConfig
from liveness.embed import ConfidenceMapping, FaceEmbedder, MobileFaceNet, cosine_similarity, similarity_to_confidence
from liveness.models.registry import DEFAULT_ENGINE_MODELS
from liveness.models.runtime import RuntimeOptions
from liveness.models.store import FETCH_HINT, ModelStore
from liveness.types import DetectionResult, Face, MatchResult, SpoofResult, VerifyResult

__all__ = ["EngineConfig", "LivenessEngine", "Subject", "load_default_engine"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Decision thresholds. The defaults are the shipped, calibrated values (see the README)."""

    antispoof_threshold: float = 0.3
    min_match_confidence: float = 0.6
    match_mapping: ConfidenceMapping = field(default_factory=ConfidenceMapping)


@dataclass(frozen=True, slots=True)
class Subject:
    """The face an operation works on (the largest), with the detection it came from."""

    detection: DetectionResult
    face: Face


class LivenessEngine:
    def __init__(
        self,
        detector: FaceDetector,
        antispoof: AntiSpoof,
        embedder: FaceEmbedder,
        config: EngineConfig | None = None,
    ) -> None:
        self.detector = detector
        self.antispoof = antispoof
        self.embedder = embedder
        self.config = config or EngineConfig()

    def detect(self, image: np.ndarray) -> DetectionResult:
        return self.detector.detect(image)

    def subject(self, image: np.ndarray, *, field: str = "image") -> Subject:
        """Detect and pick the largest face, or raise :class:`FaceNotFound`."""
        detection = self.detector.detect(image)
        if detection.largest is None:
            raise FaceNotFound(f"no face found in '{field}'", field=field)
        return Subject(detection, detection.largest)

    def check_spoof(
        self, image: np.ndarray, threshold: float | None = None, *, face: Face | None = None, field: str = "image"
    ) -> SpoofResult:
        threshold = self.config.antispoof_threshold if threshold is None else threshold
        face = face if face is not None else self.subject(image, field=field).face
        scores = self.antispoof.score(image, face)
        return SpoofResult(
            score=scores.real,
            is_real=scores.real >= threshold,
            threshold=threshold,
            face=face,
            model_scores=scores.per_model,
        )

    def compare(
        self,
        image_a: np.ndarray,
        face_a: Face,
        image_b: np.ndarray,
        face_b: Face,
        min_confidence: float | None = None,
    ) -> MatchResult:
        min_confidence = self.config.min_match_confidence if min_confidence is None else min_confidence
        similarity = cosine_similarity(self.embedder.embed(image_a, face_a), self.embedder.embed(image_b, face_b))
        confidence = similarity_to_confidence(similarity, self.config.match_mapping)
        return MatchResult(
            similarity=similarity,
            confidence=confidence,
            matched=confidence >= min_confidence,
            min_confidence=min_confidence,
            face_a=face_a,
            face_b=face_b,
        )

    def match(
        self,
        id_image: np.ndarray,
        selfie_image: np.ndarray,
        min_confidence: float | None = None,
        *,
        fields: tuple[str, str] = ("idImage", "selfieImage"),
    ) -> MatchResult:
        id_subject = self.subject(id_image, field=fields[0])
        selfie = self.subject(selfie_image, field=fields[1])
        return self.compare(id_image, id_subject.face, selfie_image, selfie.face, min_confidence)

    def verify(
        self,
        id_image: np.ndarray,
        selfie_image: np.ndarray,
        *,
        antispoof_threshold: float | None = None,
        min_match_confidence: float | None = None,
        fields: tuple[str, str] = ("idImage", "selfieImage"),
    ) -> VerifyResult:
        """The selfie is of a live person and matches the ID photo."""
        id_subject = self.subject(id_image, field=fields[0])
        selfie = self.subject(selfie_image, field=fields[1])
        spoof = self.check_spoof(selfie_image, antispoof_threshold, face=selfie.face)
        match = self.compare(id_image, id_subject.face, selfie_image, selfie.face, min_match_confidence)
        return VerifyResult(verified=spoof.is_real and match.matched, spoof=spoof, match=match)


def load_default_engine(
    models_dir: Path | str,
    *,
    runtime: RuntimeOptions | None = None,
    config: EngineConfig | None = None,
    detector_config: YuNetConfig | None = None,
    flip_average: bool = False,
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
    return LivenessEngine(
        detector=YuNet(weights["yunet"], runtime, detector_config),
        antispoof=MiniFASNetEnsemble(weights["minifasnet_v2"], weights["minifasnet_v1se"], runtime),
        embedder=MobileFaceNet(weights["mobilefacenet"], runtime, flip_average=flip_average),
        config=config,
    )
