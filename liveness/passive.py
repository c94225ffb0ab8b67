"""Passive multi-frame monitor: is a short burst of camera frames one live person?

Four signals, each from every frame of the burst:

* **Anti-spoofing**: MiniFASNet's P(real) per frame; the aggregate is their mean, judged against
  the same threshold as a single frame.
* **Identity**: every frame's face must match the first frame's (the engine's face-match
  confidence and threshold). Frames of two people are refused.
* **Micro-motion**: a live face never holds perfectly still, and it does not jump either. Per
  step between consecutive frames, ``motion`` is the median landmark displacement and
  ``deformation`` the non-rigid part left after the best similarity alignment (rotation, scale,
  shift), both over the inter-ocular distance; the burst's values are the medians over steps.
  A burst whose motion stays under the still ceiling is a still image (the same picture sent
  again, or a frozen virtual camera); motion or deformation over the chaos floor means frames
  that are not one continuous face. The thresholds sit between the noise floor of one image
  re-encoded and the motion measured between real consecutive webcam frames (docs/interactive.md).
* **Blinks**: blink events in the burst's eye-aspect-ratio series (``find_blinks``). A burst of
  a second or two often holds no blink, so a blink is required only when the caller asks.

Everything here is a pure function of per-frame values; the engine gathers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from liveness.challenges import BlinkEvent

__all__ = [
    "MotionState",
    "MotionStats",
    "PassiveConfig",
    "PassiveResult",
    "judge_passive",
    "micro_motion",
]

MotionState = Literal["still", "natural", "chaotic"]


@dataclass(frozen=True, slots=True)
class PassiveConfig:
    """Micro-motion thresholds, as fractions of the inter-ocular distance per frame step."""

    still_motion: float = 0.006
    chaotic_motion: float = 0.5
    chaotic_deformation: float = 0.025


@dataclass(frozen=True, slots=True)
class MotionStats:
    motion: float
    deformation: float
    state: MotionState


def _similarity_residual(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Per-point distance left after the least-squares similarity transform src -> dst (Umeyama)."""
    src_c, dst_c = src - src.mean(axis=0), dst - dst.mean(axis=0)
    u, s, vt = np.linalg.svd(dst_c.T @ src_c / len(src))
    d = np.array([1.0, -1.0 if np.linalg.det(u @ vt) < 0 else 1.0])  # no reflections
    rotation = u @ np.diag(d) @ vt
    var = float((src_c**2).sum() / len(src))
    scale = float((s * d).sum() / var) if var > 0 else 1.0
    aligned = scale * src_c @ rotation.T
    return np.asarray(np.linalg.norm(aligned - dst_c, axis=1))


def micro_motion(
    points: Sequence[np.ndarray], inter_ocular: Sequence[float], config: PassiveConfig | None = None
) -> MotionStats:
    """Motion and deformation of a face across frames (``points``: one N x 2+ array per frame)."""
    cfg = config or PassiveConfig()
    if len(points) < 2:
        return MotionStats(0.0, 0.0, "still")
    motions, deformations = [], []
    for i in range(1, len(points)):
        prev = np.asarray(points[i - 1], dtype=np.float64)[:, :2]
        cur = np.asarray(points[i], dtype=np.float64)[:, :2]
        scale = max((float(inter_ocular[i - 1]) + float(inter_ocular[i])) / 2, 1e-9)
        motions.append(float(np.median(np.linalg.norm(cur - prev, axis=1))) / scale)
        deformations.append(float(np.median(_similarity_residual(prev, cur))) / scale)
    motion, deformation = float(np.median(motions)), float(np.median(deformations))
    state: MotionState = "natural"
    if motion < cfg.still_motion:
        state = "still"
    elif motion > cfg.chaotic_motion or deformation > cfg.chaotic_deformation:
        state = "chaotic"
    return MotionStats(motion, deformation, state)


@dataclass(frozen=True, slots=True)
class PassiveResult:
    """The monitor's verdict on a burst; ``reasons`` is empty when ``is_live``."""

    is_live: bool
    reasons: tuple[str, ...]
    spoof_scores: tuple[float, ...]
    spoof_score: float
    spoof_threshold: float
    match_confidences: tuple[float, ...]  # each frame against the first
    min_match_confidence: float
    identity_consistent: bool
    motion: MotionStats
    ear: tuple[float, ...]
    open_eye_level: float
    blinks: tuple[BlinkEvent, ...]
    blink_required: bool
    best_frame: int  # the frame with the highest anti-spoofing score

    @property
    def blink_detected(self) -> bool:
        return bool(self.blinks)


def judge_passive(
    *,
    spoof_scores: Sequence[float],
    spoof_threshold: float,
    match_confidences: Sequence[float],
    min_match_confidence: float,
    motion: MotionStats,
    ear: Sequence[float],
    open_eye_level: float,
    blinks: Sequence[BlinkEvent],
    require_blink: bool,
) -> PassiveResult:
    """Combine the per-frame signals into the verdict."""
    scores = tuple(float(s) for s in spoof_scores)
    spoof_score = float(np.mean(scores)) if scores else 0.0
    consistent = all(c >= min_match_confidence for c in match_confidences)
    reasons = []
    if spoof_score < spoof_threshold:
        reasons.append("spoof_detected")
    if not consistent:
        reasons.append("identity_inconsistent")
    if motion.state == "still":
        reasons.append("no_motion")
    elif motion.state == "chaotic":
        reasons.append("chaotic_motion")
    if require_blink and not blinks:
        reasons.append("no_blink")
    return PassiveResult(
        is_live=not reasons,
        reasons=tuple(reasons),
        spoof_scores=scores,
        spoof_score=spoof_score,
        spoof_threshold=spoof_threshold,
        match_confidences=tuple(float(c) for c in match_confidences),
        min_match_confidence=min_match_confidence,
        identity_consistent=consistent,
        motion=motion,
        ear=tuple(float(e) for e in ear),
        open_eye_level=open_eye_level,
        blinks=tuple(blinks),
        blink_required=require_blink,
        best_frame=int(np.argmax(scores)) if scores else 0,
    )
