"""InteractiveEngine: the interactive checks (smile, a challenge against a baseline, blinks in a
burst, the passive monitor) on dense landmarks.

It gathers per-frame measures and leaves the decisions to the pure functions of
``liveness.challenges`` and ``liveness.passive``; single-image work (the face, anti-spoofing,
matching) goes through the ``ImageEngine`` it is given. In a burst, every frame must hold a
face; the error names the frame (``frames[3]``). Thread-safe, like its parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from liveness._exceptions import FaceNotFound, ModelUnavailable, TooFewFrames
from liveness.challenges import (
    BlinkResult,
    ChallengeResult,
    ChallengeType,
    FacePixels,
    GeometricSmile,
    SmileResult,
    SmileScore,
    SmileScorer,
    find_blinks,
    measure_challenge,
)
from liveness.config import EngineConfig
from liveness.embed import cosine_similarity, similarity_to_confidence
from liveness.facemesh import Landmarker
from liveness.image_engine import ImageEngine
from liveness.images import MIN_FRAMES
from liveness.mesh import FaceLandmarks, measure_face
from liveness.models.store import FETCH_HINT
from liveness.passive import PassiveResult, judge_passive, micro_motion
from liveness.types import Face

__all__ = ["InteractiveEngine"]


class InteractiveEngine:
    """``smile_check``, ``validate_challenge``, ``blink_check``, ``passive_monitor``, ``landmarks``."""

    def __init__(
        self, images: ImageEngine, landmarker: Landmarker | None = None, *, smile: SmileScorer | None = None
    ) -> None:
        self.images = images
        self.landmarker = landmarker
        self.smile = smile or GeometricSmile()

    @property
    def config(self) -> EngineConfig:
        return self.images.config

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
        if found is not None:
            return found
        return self.landmarks(image, self.images.subject(image, field=field).face, field=field)

    def smile_check(self, image: np.ndarray, threshold: float | None = None, *, field: str = "image") -> SmileResult:
        threshold = self.config.smile_threshold if threshold is None else threshold
        subject = self.images.subject(image, field=field)
        measures = measure_face(self.landmarks(image, subject.face, field=field, refine_eyes=False))
        score = self.smile.score(measures, FacePixels(image, subject.face))
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
            subject = self.images.subject(image, field=name)
            spoof = self.images.check_spoof(image, antispoof_threshold, face=subject.face)
            # Only a blink needs the eyelids refined (two iris runs, ~3 ms a frame).
            mesh = self.landmarks(image, subject.face, field=name, refine_eyes=kind == "blink")
            measures = measure_face(mesh)
            smiled = self.smile.score(measures, FacePixels(image, subject.face))
            frames.append((subject.face, spoof, measures, smiled))
        (face_b, spoof_b, measures_b, smile_b), (face_c, spoof_c, measures_c, smile_c) = frames
        min_confidence = (
            self.config.min_same_person_confidence if min_match_confidence is None else min_match_confidence
        )
        match = self.images.compare(baseline, face_b, challenge, face_c, min_confidence)
        measurement = measure_challenge(
            kind, measures_b, measures_c, thresholds, self.smile, min_change=min_change, smile_scores=(smile_b, smile_c)
        )
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
            smile_scores=(smile_b, smile_c),
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
            face = self.images.subject(image, field=name).face
            scores.append(self.images.antispoof.score(image, face).real)
            embeddings.append(self.images.embedder.embed(image, face))
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


def _require_frames(frames: Sequence[np.ndarray], field: str) -> None:
    if len(frames) < MIN_FRAMES:
        raise TooFewFrames(f"'{field}' has {len(frames)} frames; at least {MIN_FRAMES} are needed", field=field)
