"""LivenessEngine: composes detection, anti-spoofing, embedding and the face mesh; the only thing
the API calls.

The engine takes its parts as constructor arguments (any object with the ``FaceDetector``,
``AntiSpoof``, ``FaceEmbedder`` and ``Landmarker`` shape), so other backends plug in without
touching the API.
It holds no per-request state: every method is a pure function of its inputs and is safe to
call from many threads at once.

Face selection rule: where one face is needed (anti-spoofing, matching) the *largest* face in
the image is used; ``face_count`` in the results says how many there were. An image with no
face raises :class:`FaceNotFound` (the caller sent an unusable image), while a spoof or a
non-match is a verdict in the result.

Interactive checks (``smile_check``, ``validate_challenge``, ``blink_check``, ``passive_monitor``)
gather per-frame measures here and leave the decisions to the pure functions of
``liveness.challenges`` and ``liveness.passive``. In a burst, every frame must hold a face; the
error names the frame (``frames[3]``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from liveness._exceptions import FaceNotFound, FaceQualityTooLow, ModelUnavailable, TooFewFrames
from liveness.antispoof import AntiSpoof, MiniFASNetEnsemble
from liveness.challenges import (
    BlinkResult,
    ChallengeResult,
    ChallengeType,
    GeometricSmile,
    SmileResult,
    SmileScore,
    SmileScorer,
    find_blinks,
    measure_challenge,
)
from liveness.config import EngineConfig
from liveness.detect import FaceDetector, YuNet, YuNetConfig
from liveness.embed import FaceEmbedder, MobileFaceNet, cosine_similarity, similarity_to_confidence
from liveness.facemesh import FaceMeshModel, Landmarker
from liveness.images import MIN_FRAMES
from liveness.mesh import FaceLandmarks, FaceMeasures, measure_face
from liveness.models.registry import DEFAULT_ENGINE_MODELS
from liveness.models.runtime import RuntimeOptions
from liveness.models.store import FETCH_HINT, ModelStore
from liveness.passive import PassiveResult, judge_passive, micro_motion
from liveness.quality import QualityResult, assess_face_quality
from liveness.session import (
    ChallengeVerdict,
    FrameVerdict,
    SessionVerdict,
    best_of_burst,
    judge_session,
    pick_baseline,
)
from liveness.stream import StreamEngine
from liveness.types import DetectionResult, Face, MatchResult, SpoofResult, VerifyResult

__all__ = ["EngineConfig", "LivenessEngine", "Subject", "load_default_engine"]


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
        *,
        landmarker: Landmarker | None = None,
        smile: SmileScorer | None = None,
    ) -> None:
        self.detector = detector
        self.antispoof = antispoof
        self.embedder = embedder
        self.config = config or EngineConfig()
        self.landmarker = landmarker
        self.smile = smile or GeometricSmile()

    @property
    def stream(self) -> StreamEngine:
        """Live takes (``liveness.stream``); needs the MediaPipe face mesh."""
        if not isinstance(self.landmarker, FaceMeshModel):
            raise ModelUnavailable(f"live takes need the face mesh; {FETCH_HINT}", missing=["facemesh"])
        mesh = self.landmarker
        return StreamEngine(self.detector, self.antispoof, self.embedder, mesh, self.config, smile=self.smile)

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

    # --- dense landmarks and interactive checks ---------------------------------------------

    def _mesh(self) -> Landmarker:
        if self.landmarker is None:
            raise ModelUnavailable(f"this engine has no face mesh; {FETCH_HINT}", missing=["facemesh"])
        return self.landmarker

    def landmarks(
        self, image: np.ndarray, face: Face | None = None, *, field: str = "image", refine_eyes: bool = True
    ) -> FaceLandmarks:
        """The mesh of ``face`` (or of the largest face), or :class:`FaceNotFound`."""
        found = self._mesh().landmarks(image, face, refine_eyes=refine_eyes)
        if found is None:
            raise FaceNotFound(f"no face the mesh can fit in '{field}'", field=field)
        return found

    def _frame_landmarks(self, image: np.ndarray, field: str) -> FaceLandmarks:
        """A burst frame's mesh: BlazeFace on the whole frame first (cheap), YuNet when it misses."""
        found = self._mesh().landmarks(image)
        return found if found is not None else self.landmarks(image, self.subject(image, field=field).face, field=field)

    def smile_check(self, image: np.ndarray, threshold: float | None = None, *, field: str = "image") -> SmileResult:
        threshold = self.config.smile_threshold if threshold is None else threshold
        subject = self.subject(image, field=field)
        measures = measure_face(self.landmarks(image, subject.face, field=field, refine_eyes=False))
        score = self.smile.score(measures)
        return SmileResult(
            smile=SmileScore(score, score >= threshold, threshold, self.smile.method),
            measures=measures,
            face=subject.face,
            face_count=len(subject.detection.faces),
        )

    def validate_challenge(
        self,
        baseline: np.ndarray,
        challenge: np.ndarray,
        kind: ChallengeType,
        *,
        min_change: float | None = None,
        smile_threshold: float | None = None,
        antispoof_threshold: float | None = None,
        min_match_confidence: float | None = None,
        fields: tuple[str, str] = ("baselineImage", "challengeImage"),
    ) -> ChallengeResult:
        """Both frames live, the same person, and the challenge's change performed.

        ``min_change`` overrides the type's threshold; ``smile_threshold`` the score a smiling
        challenge frame must reach."""
        thresholds = self.config.challenges
        if smile_threshold is not None:
            thresholds = replace(thresholds, smile_score=smile_threshold)
        frames = []
        for image, name in zip((baseline, challenge), fields, strict=True):
            subject = self.subject(image, field=name)
            spoof = self.check_spoof(image, antispoof_threshold, face=subject.face)
            # Only a blink needs the eyelids refined (two iris runs, ~3 ms a frame).
            mesh = self.landmarks(image, subject.face, field=name, refine_eyes=kind == "blink")
            frames.append((subject.face, spoof, measure_face(mesh)))
        (face_b, spoof_b, measures_b), (face_c, spoof_c, measures_c) = frames
        min_confidence = (
            self.config.min_same_person_confidence if min_match_confidence is None else min_match_confidence
        )
        match = self.compare(baseline, face_b, challenge, face_c, min_confidence)
        measurement = measure_challenge(kind, measures_b, measures_c, thresholds, self.smile, min_change=min_change)
        reasons = [
            reason
            for reason, failed in (
                ("baseline_not_live", not spoof_b.is_real),
                ("challenge_not_live", not spoof_c.is_real),
                ("faces_do_not_match", not match.matched),
                ("challenge_not_performed", not measurement.passed),
            )
            if failed
        ]
        return ChallengeResult(
            challenge_type=kind,
            passed=not reasons,
            reasons=tuple(reasons),
            measurement=measurement,
            baseline=measures_b,
            challenge=measures_c,
            baseline_spoof=spoof_b,
            challenge_spoof=spoof_c,
            match=match,
        )

    def blink_check(self, frames: Sequence[np.ndarray], *, field: str = "frames") -> BlinkResult:
        """Eye aspect ratio per frame and the blinks in the burst (a dip below the person's own
        open-eye level and back)."""
        _require_frames(frames, field)
        measures = [measure_face(self._frame_landmarks(f, f"{field}[{i}]")) for i, f in enumerate(frames)]
        ear = [m.ear for m in measures]
        open_level, blinks = find_blinks(ear, self.config.blink)
        return BlinkResult(
            ear_right=tuple(m.ear_right for m in measures),
            ear_left=tuple(m.ear_left for m in measures),
            ear=tuple(ear),
            open_eye_level=open_level,
            closed_below=open_level * self.config.blink.closed_ratio,
            blinks=blinks,
        )

    def passive_monitor(
        self,
        frames: Sequence[np.ndarray],
        *,
        antispoof_threshold: float | None = None,
        min_match_confidence: float | None = None,
        require_blink: bool = False,
        field: str = "frames",
    ) -> PassiveResult:
        """Anti-spoofing, identity, micro-motion and blinks over a burst of frames."""
        _require_frames(frames, field)
        threshold = self.config.antispoof_threshold if antispoof_threshold is None else antispoof_threshold
        min_confidence = (
            self.config.min_same_person_confidence if min_match_confidence is None else min_match_confidence
        )
        scores, embeddings, meshes = [], [], []
        for i, image in enumerate(frames):
            name = f"{field}[{i}]"
            face = self.subject(image, field=name).face
            scores.append(self.antispoof.score(image, face).real)
            embeddings.append(self.embedder.embed(image, face))
            meshes.append(self.landmarks(image, face, field=name))
        confidences = [
            similarity_to_confidence(cosine_similarity(embeddings[0], e), self.config.match_mapping)
            for e in embeddings[1:]
        ]
        measures = [measure_face(m) for m in meshes]
        ear = [m.ear for m in measures]
        open_level, blinks = find_blinks(ear, self.config.blink)
        motion = micro_motion([m.points for m in meshes], [m.inter_ocular for m in measures], self.config.passive)
        return judge_passive(
            spoof_scores=scores,
            spoof_threshold=threshold,
            match_confidences=confidences,
            min_match_confidence=min_confidence,
            motion=motion,
            ear=ear,
            open_eye_level=open_level,
            blinks=blinks,
            require_blink=require_blink,
        )

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
        """Judge a liveness session's frames at once (see ``liveness.session``).

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
            face = self.subject(image, field=name).face
            spoof = self.antispoof.score(image, face).real
            embedding = self.embedder.embed(image, face)
            measures = measure_face(self.landmarks(image, face, field=name, refine_eyes=refine))
            return face, spoof, embedding, measures

        base = [measure(image, f"baseline[{i}]") for i, image in enumerate(baseline)]
        chosen = pick_baseline([m for *_, m in base], [self.smile.score(m) for *_, m in base], self.config.challenges)
        base_face, _, base_embedding, base_measures = base[chosen]
        if self.config.quality_gate:
            # The baseline is the reference every frame and the ID photo are matched against.
            self.require_quality(baseline[chosen], base_face, field=f"baseline[{chosen}]")
        frames: list[FrameVerdict] = []

        def verdict(name: str, spoof: float, embedding: np.ndarray) -> FrameVerdict:
            similarity = cosine_similarity(base_embedding, embedding)
            confidence = similarity_to_confidence(similarity, self.config.match_mapping)
            return FrameVerdict(name, spoof, spoof >= threshold, confidence)

        frames += [verdict(f"baseline[{i}]", s, e) for i, (_, s, e, _) in enumerate(base)]
        face_match = None
        if id_image is not None:
            id_face = self.subject(id_image, field="idImage").face
            if self.config.quality_gate:
                self.require_quality(id_image, id_face, field="idImage")
            similarity = cosine_similarity(self.embedder.embed(id_image, id_face), base_embedding)
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
                measured.append(measure_challenge(kind, base_measures, measures, self.config.challenges, self.smile))
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


def _require_frames(frames: Sequence[np.ndarray], field: str) -> None:
    if len(frames) < MIN_FRAMES:
        raise TooFewFrames(f"'{field}' has {len(frames)} frames; at least {MIN_FRAMES} are needed", field=field)


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
        landmarker=FaceMeshModel(weights["facemesh_detector"], weights["facemesh"], weights["iris_landmark"]),
    )
