"""Judging a live take frame by frame: continuity, actions, liveness, identity, 3D turns.

A wallet streams camera frames as it captures them; ``LiveTake.add`` measures each one as it
arrives and ``LiveTake.finish`` judges the take. The wallet's state machine (``wallet/``) decides
timing (when each action was asked for and shown); this module only measures:

* **Tracking.** The face is followed from the previous frame's mesh (MediaPipe's own tracking
  crop, ``roi_from_points``) instead of being detected from scratch; BlazeFace runs on the whole
  frame when tracking is lost and every ``detect_interval`` seconds to count faces (YuNet only
  when BlazeFace finds nothing). A second face of at least ``second_face_ratio`` x the size of
  the largest one is ``multiple_faces``.
* **Continuity.** ``repeated_frame``: the face region of the frame differs from one of the last
  few frames by less than the sensor noise of real video. ``discontinuity``: the face moved,
  scaled, deformed or turned faster than a face can, the whole picture changed at once (a cut),
  or the identity jumped between two scored frames.
* **Actions.** Against a neutral reference built from the first frontal, neutral frames, each
  challenge type's progress (``measure_challenge``'s change over its threshold); blinks are
  judged against the take's own open-eye level.
* **Liveness and identity.** Anti-spoofing and embeddings run on frames fit for them (frontal
  enough, sharp enough), at most one every ``score_interval`` seconds. The take is live when the
  median score of those frames passes: real people turning their heads have a few frames
  (profiles, motion blur) that score below the threshold, so no single frame decides. The
  template (the quality-weighted mean of the best frames' embeddings) is what the ID photo is
  matched against; every scored frame must match it.
* **3D turns.** ``finish(turns=...)``: for each head-turn range, the landmarks of its most
  turned frames against the reference's must not fit one homography (a warped photo does).

Every limit is in ``StreamConfig``, with the measurement that chose it (``bench/stream_calibrate.py``,
``docs/stream-measurements.md``). A ``LiveTake`` belongs to one stream: not thread-safe; the
``StreamEngine`` that makes takes is shared and thread-safe.
"""

from __future__ import annotations

import bisect
import logging
import math
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from liveness._exceptions import FaceNotFound, FaceQualityTooLow, InvalidImage, ModelUnavailable, TooManyFrames
from liveness._stream_config import StreamConfig
from liveness._stream_flow import PointFlow
from liveness._stream_signals import (
    FrameMotion,
    action_progress,
    face_from_mesh,
    frame_motion,
    gray_thumbnail,
    median_measures,
    repeat_distance,
    scene_change,
)
from liveness._stream_tracker import FaceTracker
from liveness._stream_verdict import ScoredFrame, TakeVerdict, judge_take
from liveness.antispoof import AntiSpoof
from liveness.challenges import FacePixels, GeometricSmile, SmileScorer
from liveness.config import EngineConfig
from liveness.detect import FaceDetector
from liveness.embed import FaceEmbedder, similarity_to_confidence
from liveness.facemesh import FaceMeshModel
from liveness.mesh import FaceLandmarks, FaceMeasures, measure_face
from liveness.models.store import FETCH_HINT
from liveness.quality import assess_face_quality
from liveness.types import Face

__all__ = ["FrameReport", "FrameSignals", "LiveTake", "StreamConfig", "StreamEngine", "TakeVerdict"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FrameReport:
    """What one frame showed (see the capture contract): the wallet's state machine reads it."""

    index: int
    t: float
    face_found: bool
    faces: int
    problems: tuple[str, ...]
    reference_ready: bool
    actions: Mapping[str, float]
    neutral: bool


@dataclass(frozen=True, slots=True, eq=False)
class FrameSignals:
    """The raw measures behind the last report, for calibration and debug logs (never the client)."""

    motion: FrameMotion | None
    repeat: float | None  # smallest face-region difference to a recent frame
    scene: float | None
    measures: FaceMeasures | None
    points: np.ndarray | None  # the mesh (468 x 3)
    spoof: float | None  # when this frame was scored
    fit_reasons: tuple[str, ...]  # why it was not scored
    stages: tuple[tuple[str, float], ...]  # wall seconds: track, continuity, actions (+ flow), score


class StreamEngine:
    """Makes live takes; shares the models (thread-safe) between them."""

    def __init__(
        self,
        detector: FaceDetector,
        antispoof: AntiSpoof,
        embedder: FaceEmbedder,
        mesh: FaceMeshModel | None,
        config: EngineConfig | None = None,
        *,
        smile: SmileScorer | None = None,
        stream: StreamConfig | None = None,
    ) -> None:
        self.detector = detector
        self.antispoof = antispoof
        self.embedder = embedder
        self.mesh = mesh
        self.config = config or EngineConfig()
        self.smile = smile or GeometricSmile()
        self.stream_config = stream or StreamConfig()

    def start_take(self, config: StreamConfig | None = None) -> LiveTake:
        """A new take (one per stream). Raises :class:`ModelUnavailable` without the face mesh."""
        if self.mesh is None:
            raise ModelUnavailable(f"live takes need the face mesh; {FETCH_HINT}", missing=["facemesh"])
        return LiveTake(self, self.mesh, config or self.stream_config)


@dataclass(frozen=True, slots=True, eq=False)
class _Previous:
    t: float
    points: np.ndarray
    measures: FaceMeasures


class LiveTake:
    """One live take: ``set_id_image`` (optional, first), ``add`` each frame in order, ``finish``."""

    def __init__(self, engine: StreamEngine, mesh: FaceMeshModel, config: StreamConfig) -> None:
        self._engine = engine
        self._config = config
        self._tracker = FaceTracker(
            mesh, engine.detector, detect_interval=config.detect_interval, face_ratio=config.second_face_ratio
        )
        self._frames = 0
        self._last_t = -math.inf
        self._faces = 0
        self._thumbs: deque[np.ndarray] = deque(maxlen=config.repeat_history)
        self._intervals: deque[float] = deque(maxlen=15)
        self._size: tuple[int, int] | None = None
        self._previous: _Previous | None = None
        self._candidates: list[FaceMeasures] = []
        self._reference: FaceMeasures | None = None
        self._reference_smile = 0.0  # the smile scorer's score of the reference
        self._ears: list[float] = []  # sorted: the open-eye level is a percentile of them
        self._flow = PointFlow(config.parallax_reseed_yaw, config.parallax_min_turn)
        self._turns: dict[int, tuple[float, float]] = {}  # index -> (|yaw change|, nose parallax)
        self._scored: list[ScoredFrame] = []
        self._last_scored = -math.inf
        self._id: tuple[Face, np.ndarray] | None = None
        self.signals: FrameSignals | None = None

    @property
    def reference_ready(self) -> bool:
        return self._reference is not None

    def set_id_image(self, image: np.ndarray) -> None:
        """The ID document's photo, matched at ``finish`` against the template of live frames."""
        engine = self._engine
        face = engine.detector.detect(image).largest
        if face is None:
            raise FaceNotFound("no face found in 'idImage'", field="idImage")
        if engine.config.quality_gate:
            quality = assess_face_quality(image, face, engine.config.quality)
            if not quality.passed:
                raise FaceQualityTooLow(
                    f"the face in 'idImage' is not usable for matching: {', '.join(quality.reasons)}",
                    field="idImage",
                    reasons=quality.reasons,
                )
        self._id = (face, _unit(engine.embedder.embed(image, face)))

    def add(self, image: np.ndarray, t: float) -> FrameReport:
        """Measure the next frame (BGR uint8); ``t`` is the server's time it arrived (seconds)."""
        if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8):
            raise InvalidImage("a frame must be an H x W x 3 uint8 image", field="frame")
        if t < self._last_t:
            raise ValueError("frames must be added in time order")
        if self._frames >= self._config.max_frames:
            raise TooManyFrames(f"a take holds at most {self._config.max_frames} frames", field="frame")
        index, self._frames, self._last_t = self._frames, self._frames + 1, t
        clock = [time.perf_counter()]
        tracked = self._tracker.step(image, t)
        problems: list[str] = []
        if tracked.faces is not None:
            self._faces = tracked.faces
            if tracked.faces >= 2:
                problems.append("multiple_faces")
        landmarks = tracked.landmarks
        measures = None if landmarks is None else measure_face(landmarks)
        clock.append(time.perf_counter())
        motion, repeat, scene = self._continuity(image, t, landmarks, measures, problems)
        clock.append(time.perf_counter())
        if landmarks is None or measures is None:
            self._faces = tracked.faces or 0
            self.signals = FrameSignals(None, None, scene, None, None, None, ("face_not_found",), _stages(clock))
            return FrameReport(index, t, False, self._faces, tuple(problems), self.reference_ready, {}, False)
        self._faces = max(self._faces, 1)
        actions = self._actions(image, measures, landmarks.points)
        self._follow(image, index, landmarks.points, measures, problems)
        neutral = bool(actions) and all(v < self._config.neutral_bound for v in actions.values())
        clock.append(time.perf_counter())
        spoof, fit_reasons = self._maybe_score(image, t, index, landmarks.points, measures, actions, problems)
        clock.append(time.perf_counter())
        self.signals = FrameSignals(
            motion, repeat, scene, measures, landmarks.points, spoof, fit_reasons, _stages(clock)
        )
        unique = tuple(dict.fromkeys(problems))
        return FrameReport(index, t, True, self._faces, unique, self.reference_ready, actions, neutral)

    def finish(self, turns: Sequence[tuple[int, int]] = ()) -> TakeVerdict:
        """Judge the take; ``turns`` are the (first, last) frame indices of the head-turn challenges."""
        engine = self._engine
        threshold = self._config.antispoof_threshold
        return judge_take(
            scored=self._scored,
            frames=self._frames,
            turns=turns,
            parallax=self._turns,
            id_face=self._id,
            config=self._config,
            antispoof_threshold=engine.config.antispoof_threshold if threshold is None else threshold,
            engine_config=engine.config,
        )

    # --- helpers ----------------------------------------------------------------------------------

    def _continuity(
        self,
        image: np.ndarray,
        t: float,
        landmarks: FaceLandmarks | None,
        measures: FaceMeasures | None,
        problems: list[str],
    ) -> tuple[FrameMotion | None, float | None, float | None]:
        """Repeats, cuts and motion against the frames before (every frame leaves its thumbnail)."""
        cfg = self._config
        size = (image.shape[1], image.shape[0])
        thumb = gray_thumbnail(image)
        same_size = self._size == size
        scene = scene_change(self._thumbs[-1], thumb) if same_size and self._thumbs else None
        repeat = motion = None
        if landmarks is not None and measures is not None:
            points = landmarks.points
            lo, hi = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
            box = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
            if same_size and self._thumbs:
                repeat = repeat_distance(self._thumbs, thumb, box, size)
                if repeat < cfg.repeat_floor:
                    problems.append("repeated_frame")
            previous = self._previous
            if previous is not None:
                # Judged over the take's usual frame interval at least: frames the network delivers
                # in a bunch were still captured that far apart.
                usual = float(np.median(self._intervals)) if self._intervals else 0.0
                dt = max(t - previous.t, cfg.min_dt, usual)
                self._intervals.append(t - previous.t)
                motion = frame_motion(previous.points, points, previous.measures.pose, measures.pose, dt)
                cut = (scene is not None and scene > cfg.max_scene_change) or not same_size
                if cut or _too_fast(motion, cfg):
                    problems.append("discontinuity")
            self._previous = _Previous(t, points, measures)
        if self._size != size:
            self._thumbs.clear()
            self._size = size
        self._thumbs.append(thumb)
        return motion, repeat, scene

    def _follow(
        self, image: np.ndarray, index: int, points: np.ndarray, measures: FaceMeasures, problems: list[str]
    ) -> None:
        """Optical flow through head turns (``liveness._stream_flow``); a jump restarts it."""
        if self._reference is None or "discontinuity" in problems:
            self._flow.update(image, None, None)
            return
        change = measures.pose.yaw - self._reference.pose.yaw
        parallax = self._flow.update(image, points, change)
        if parallax is not None:
            self._turns[index] = (abs(change), parallax)

    def _actions(self, image: np.ndarray, measures: FaceMeasures, points: np.ndarray) -> Mapping[str, float]:
        """Each action's progress against the neutral reference (none until it is ready).

        The smile scorer sees every frame with a face, once (a pixel-reading scorer in a worker
        process costs a call per frame: docs/deepface.md has the measured cost)."""
        cfg, engine = self._config, self._engine
        pixels = FacePixels(image, face_from_mesh(points, cfg.mesh_to_box))
        smile = engine.smile.score(measures, pixels)
        self._update_reference(measures, smile, pixels)
        if abs(measures.pose.yaw) <= cfg.open_eye_max_yaw:
            bisect.insort(self._ears, measures.ear)
        if self._reference is None:
            return {}
        open_level = _percentile(self._ears, cfg.open_eye_percentile)
        return action_progress(
            self._reference,
            open_level,
            measures,
            engine.config.challenges,
            engine.smile,
            smile_scores=(self._reference_smile, smile),
        )

    def _update_reference(self, measures: FaceMeasures, smile: float, pixels: FacePixels) -> None:
        """The first ``reference_frames`` frontal frames with a neutral mouth make the reference.

        Its smile score is the scorer's on the median measures and the last of those frames: the
        geometric scorer reads the median, a pixel-reading one sees a neutral frame of the face."""
        if self._reference is not None:
            return
        cfg, thresholds = self._config, self._engine.config.challenges
        pose = measures.pose
        frontal = abs(pose.yaw) <= cfg.reference_max_yaw and abs(pose.pitch) <= cfg.reference_max_pitch
        relaxed = smile < thresholds.smile_score and measures.mouth.opening < thresholds.open_mouth
        if not (frontal and relaxed):
            return
        self._candidates.append(measures)
        if len(self._candidates) >= cfg.reference_frames:
            self._reference = median_measures(self._candidates)
            self._reference_smile = self._engine.smile.score(self._reference, pixels)
            self._candidates = []

    def _maybe_score(
        self,
        image: np.ndarray,
        t: float,
        index: int,
        points: np.ndarray,
        measures: FaceMeasures,
        actions: Mapping[str, float],
        problems: list[str],
    ) -> tuple[float | None, tuple[str, ...]]:
        """Anti-spoofing and an embedding for a frame fit for them, at most every ``score_interval``."""
        cfg, engine = self._config, self._engine
        if t - self._last_scored < cfg.score_interval:
            return None, ("not_due",)
        pitch_ref = 0.0 if self._reference is None else self._reference.pose.pitch
        reasons = []
        if abs(measures.pose.yaw) > cfg.fit_max_yaw or abs(measures.pose.pitch - pitch_ref) > cfg.fit_max_pitch:
            reasons.append("turned")
        if actions.get("blink", 0.0) >= cfg.neutral_bound:
            reasons.append("eyes_closing")
        if reasons:
            return None, tuple(reasons)
        face = face_from_mesh(points, cfg.mesh_to_box)
        quality = assess_face_quality(image, face, engine.config.quality)
        if not quality.passed:
            return None, quality.reasons
        self._last_scored = t
        spoof = engine.antispoof.score(image, face).real
        embedding = _unit(engine.embedder.embed(image, face))
        if self._scored and not self._same_person(float(embedding @ self._scored[-1].embedding)):
            problems.append("discontinuity")  # an identity jump between two scored frames
        weight = quality.sharpness * (1.0 - abs(measures.pose.yaw) / (2 * cfg.fit_max_yaw))
        self._scored.append(ScoredFrame(index, spoof, embedding, weight, face))
        return spoof, ()

    def _same_person(self, cosine: float) -> bool:
        config = self._engine.config
        return similarity_to_confidence(cosine, config.match_mapping) >= config.min_same_person_confidence


def _percentile(ordered: list[float], q: float) -> float:
    """``np.percentile`` (linear) of an already sorted list; 0 for none."""
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _stages(clock: list[float]) -> tuple[tuple[str, float], ...]:
    names = ("track", "continuity", "actions", "score")  # actions: progress and the optical flow
    return tuple((name, b - a) for name, a, b in zip(names, clock, clock[1:], strict=False))


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _too_fast(motion: FrameMotion | None, cfg: StreamConfig) -> bool:
    if motion is None:
        return False
    return (
        motion.shift > cfg.max_shift
        or motion.scale > cfg.max_scale
        or motion.deformation > cfg.max_deformation
        or motion.yaw > cfg.max_yaw_rate
        or motion.pitch > cfg.max_pitch_rate
        or motion.roll > cfg.max_roll_rate
    )
