"""ImageEngine: single images. Detection, anti-spoofing, the quality gate, matching, verification.

It takes its parts as constructor arguments (any object with the ``FaceDetector``, ``AntiSpoof``
and ``FaceEmbedder`` shape), so other backends plug in without touching the API. It holds no
per-request state: every method is a pure function of its inputs and is safe to call from many
threads at once.

Face selection rule: where one face is needed (anti-spoofing, matching) the *largest* face in
the image is used; ``face_count`` in the results says how many there were. An image with no
face raises :class:`FaceNotFound` (the caller sent an unusable image), while a spoof or a
non-match is a verdict in the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liveness._exceptions import FaceNotFound, FaceQualityTooLow
from liveness.antispoof import AntiSpoof
from liveness.config import EngineConfig
from liveness.detect import FaceDetector
from liveness.embed import FaceEmbedder, cosine_similarity, similarity_to_confidence
from liveness.quality import QualityResult, assess_face_quality
from liveness.types import DetectionResult, Face, MatchResult, SpoofResult, VerifyResult

__all__ = ["ImageEngine", "Subject"]


@dataclass(frozen=True, slots=True)
class Subject:
    """The face an operation works on (the largest), with the detection it came from."""

    detection: DetectionResult
    face: Face


class ImageEngine:
    """Single images: ``detect``, ``check_spoof``, ``assess_quality``, ``match``, ``verify``."""

    def __init__(
        self, detector: FaceDetector, antispoof: AntiSpoof, embedder: FaceEmbedder, config: EngineConfig | None = None
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

    def assess_quality(self, image: np.ndarray, face: Face) -> QualityResult:
        """Is ``face`` usable for matching (size, sharpness, pose, eyes)? A verdict, never raises."""
        return assess_face_quality(image, face, self.config.quality)

    def require_quality(self, image: np.ndarray, face: Face, *, field: str = "image") -> QualityResult:
        """:meth:`assess_quality`, raising :class:`FaceQualityTooLow` (naming ``field``) on a failure."""
        quality = self.assess_quality(image, face)
        if not quality.passed:
            raise FaceQualityTooLow(
                f"the face in '{field}' is not usable for matching: {', '.join(quality.reasons)}",
                field=field,
                reasons=quality.reasons,
            )
        return quality

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
        check_quality: bool | None = None,
    ) -> MatchResult:
        """Match the largest faces; with the quality gate on (``check_quality``, default
        ``config.quality_gate``) an unusable face raises :class:`FaceQualityTooLow`."""
        id_subject, selfie = self._match_subjects(id_image, selfie_image, fields, check_quality)
        return self.compare(id_image, id_subject.face, selfie_image, selfie.face, min_confidence)

    def verify(
        self,
        id_image: np.ndarray,
        selfie_image: np.ndarray,
        *,
        antispoof_threshold: float | None = None,
        min_match_confidence: float | None = None,
        fields: tuple[str, str] = ("idImage", "selfieImage"),
        check_quality: bool | None = None,
    ) -> VerifyResult:
        """The selfie is of a live person and matches the ID photo (quality gate as in :meth:`match`)."""
        id_subject, selfie = self._match_subjects(id_image, selfie_image, fields, check_quality)
        spoof = self.check_spoof(selfie_image, antispoof_threshold, face=selfie.face)
        match = self.compare(id_image, id_subject.face, selfie_image, selfie.face, min_match_confidence)
        return VerifyResult(verified=spoof.is_real and match.matched, spoof=spoof, match=match)

    def _match_subjects(
        self, id_image: np.ndarray, selfie_image: np.ndarray, fields: tuple[str, str], check_quality: bool | None
    ) -> tuple[Subject, Subject]:
        subjects = (self.subject(id_image, field=fields[0]), self.subject(selfie_image, field=fields[1]))
        if self.config.quality_gate if check_quality is None else check_quality:
            for image, subject, name in zip((id_image, selfie_image), subjects, fields, strict=True):
                self.require_quality(image, subject.face, field=name)
        return subjects
