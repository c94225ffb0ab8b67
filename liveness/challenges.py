"""Active challenges: smile, blink, head turns, look up, open mouth; and blink events in a burst.

A challenge compares a *challenge* frame with a *baseline* frame of the same person, always on
the server: a client's claim of "smiled" is never trusted. Each type has one measured change,
relative to the baseline, and passes when it reaches the type's threshold (``ChallengeThresholds``,
chosen from the measurements in ``bench/calibrate_interactive.py``; docs/interactive.md has the numbers):

==============  ==========================================================  =========
type            change (challenge minus baseline)                           default
==============  ==========================================================  =========
``smile``       smile score (0-100), and the challenge frame must smile      20 points
``blink``       relative eye closure, 1 - EAR / baseline EAR                 0.4
``turn_left``   yaw towards the person's own left, degrees                   20
``turn_right``  yaw towards the person's own right, degrees                  20
``look_up``     pitch upwards, degrees                                       18
``open_mouth``  inner-lip opening, fraction of the inter-ocular distance     0.15
==============  ==========================================================  =========

Whether both frames show the same live person is the engine's part (``LivenessEngine``); this
module holds the pure decisions, so each is tested without models.

Smile score: a logistic model on two relative measures, mouth width and lip-corner elevation
(both over the inter-ocular distance), fitted on the SMILEsmileD developer half; mouth opening
is left out so that an open mouth alone is not a smile.

``SmileScorer`` is the one interface every smile scorer implements: ``score(measures, pixels)``
gets the face mesh's measures *and* the frame with the detected face (:class:`FacePixels`), and
reads what it needs. ``GeometricSmile`` reads the measures; a learned emotion model (DeepFace's,
``LIVECRED_SMILE=deepface:emotion``) reads the pixels. Callers that hold the frames score each one
and hand the two scores to :func:`measure_challenge` (``smile_scores``); without them it scores the
measures alone, which only a measures-reading scorer can do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import numpy as np

from liveness.mesh import FaceMeasures
from liveness.types import Face, MatchResult, SpoofResult

__all__ = [
    "CHALLENGE_TYPES",
    "BlinkConfig",
    "BlinkEvent",
    "BlinkResult",
    "ChallengeMeasurement",
    "ChallengeResult",
    "ChallengeThresholds",
    "ChallengeType",
    "FacePixels",
    "GeometricSmile",
    "SmileResult",
    "SmileScore",
    "SmileScorer",
    "find_blinks",
    "measure_challenge",
]

ChallengeType = Literal["smile", "blink", "turn_left", "turn_right", "look_up", "open_mouth"]
CHALLENGE_TYPES: tuple[str, ...] = get_args(ChallengeType)


@dataclass(frozen=True, slots=True)
class SmileScore:
    """``score`` in [0, 100]; ``is_smiling`` is ``score >= threshold``; ``method`` names the scorer."""

    score: float
    is_smiling: bool
    threshold: float
    method: str


@dataclass(frozen=True, slots=True, eq=False)
class FacePixels:
    """The frame (BGR uint8) and the face in it that a pixel-reading smile scorer looks at."""

    image: np.ndarray
    face: Face


class SmileScorer(Protocol):
    """A smile score in [0, 100] for one face; ``method`` names the scorer in answers.

    ``pixels`` is ``None`` only where no frame exists (a test's synthetic measures): a scorer that
    needs the pixels raises ``ValueError`` then."""

    @property
    def method(self) -> str: ...

    def score(self, measures: FaceMeasures, pixels: FacePixels | None = None) -> float: ...


@dataclass(frozen=True, slots=True)
class GeometricSmile:
    """Smile score = 100 * sigmoid(bias + w_width * width + w_elevation * elevation).

    Coefficients fitted by logistic regression on SMILEsmileD (see the module docstring).
    """

    bias: float = -16.31
    w_width: float = 17.16
    w_elevation: float = 18.88
    method: str = "geometric"

    def score(self, measures: FaceMeasures, pixels: FacePixels | None = None) -> float:
        """The score of the mesh's mouth measures (``pixels`` is not read)."""
        z = self.bias + self.w_width * measures.mouth.width + self.w_elevation * measures.mouth.corner_elevation
        return 100.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True, slots=True)
class ChallengeThresholds:
    """The change each challenge type needs (units in the module docstring)."""

    smile_change: float = 20.0
    smile_score: float = 50.0
    blink_closure: float = 0.4
    turn_yaw: float = 20.0
    look_up_pitch: float = 18.0
    open_mouth: float = 0.15


@dataclass(frozen=True, slots=True)
class ChallengeMeasurement:
    """One challenge's measured quantity in both frames, its change, and the threshold it needs."""

    quantity: str
    baseline: float
    challenge: float
    change: float
    threshold: float
    passed: bool


def measure_challenge(
    kind: ChallengeType,
    baseline: FaceMeasures,
    challenge: FaceMeasures,
    thresholds: ChallengeThresholds,
    smile: SmileScorer,
    *,
    min_change: float | None = None,
    smile_scores: tuple[float, float] | None = None,
) -> ChallengeMeasurement:
    """The change a challenge asks for, measured between two frames of one face.

    ``min_change`` overrides the type's threshold (the API's ``minEmotionChange`` for smiles).
    ``smile_scores``: the (baseline, challenge) smile scores, when the caller scored the frames
    (``SmileScorer.score`` with their pixels); otherwise ``smile`` scores the two measures.
    """
    if kind == "smile":
        if smile_scores is None:
            smile_scores = (smile.score(baseline), smile.score(challenge))
        before, after = smile_scores
        need = thresholds.smile_change if min_change is None else min_change
        change = after - before
        passed = change >= need and after >= thresholds.smile_score
        return ChallengeMeasurement("smile_score", before, after, change, need, passed)
    if kind == "blink":
        before, after = baseline.ear, challenge.ear
        closure = 1.0 - after / before if before > 0 else 0.0
        need = thresholds.blink_closure if min_change is None else min_change
        return ChallengeMeasurement("eye_aspect_ratio", before, after, closure, need, closure >= need)
    if kind in ("turn_left", "turn_right"):
        before, after = baseline.pose.yaw, challenge.pose.yaw
        change = after - before if kind == "turn_left" else before - after
        need = thresholds.turn_yaw if min_change is None else min_change
        return ChallengeMeasurement("yaw_degrees", before, after, change, need, change >= need)
    if kind == "look_up":
        before, after = baseline.pose.pitch, challenge.pose.pitch
        need = thresholds.look_up_pitch if min_change is None else min_change
        return ChallengeMeasurement("pitch_degrees", before, after, after - before, need, after - before >= need)
    if kind == "open_mouth":
        before, after = baseline.mouth.opening, challenge.mouth.opening
        need = thresholds.open_mouth if min_change is None else min_change
        return ChallengeMeasurement("mouth_opening", before, after, after - before, need, after - before >= need)
    raise ValueError(f"unknown challenge type {kind!r}; known: {', '.join(CHALLENGE_TYPES)}")


# --- blinks in a burst of frames --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlinkConfig:
    """A blink: the mean EAR of both eyes dips below ``closed_ratio`` x the person's open-eye
    level and comes back above ``reopen_ratio`` x it. The open-eye level is the
    ``open_percentile`` of the burst's own EAR series, so it holds while at least a quarter of
    the frames have open eyes."""

    closed_ratio: float = 0.74
    reopen_ratio: float = 0.9
    open_percentile: float = 75.0


@dataclass(frozen=True, slots=True)
class BlinkEvent:
    """Frames ``start``..``end`` (inclusive) are closed; ``depth`` is the lowest EAR / open level."""

    start: int
    end: int
    depth: float


def find_blinks(ear: Sequence[float], config: BlinkConfig | None = None) -> tuple[float, tuple[BlinkEvent, ...]]:
    """The open-eye level of an EAR series and the blinks in it: runs of closed frames with an
    open frame before and after (a burst that starts or ends closed does not count that run)."""
    cfg = config or BlinkConfig()
    series = np.asarray(ear, dtype=np.float64)
    if series.size == 0:
        return 0.0, ()
    open_level = float(np.percentile(series, cfg.open_percentile))
    if open_level <= 0:
        return open_level, ()
    closed_below = cfg.closed_ratio * open_level
    open_above = cfg.reopen_ratio * open_level
    events: list[BlinkEvent] = []
    seen_open = False
    dip_start, last_closed, lowest = -1, -1, 0.0
    for i, value in enumerate(series.tolist()):
        if dip_start < 0:
            if value >= open_above:
                seen_open = True
            elif value < closed_below and seen_open:
                dip_start, last_closed, lowest = i, i, value
        elif value >= open_above:
            events.append(BlinkEvent(dip_start, last_closed, lowest / open_level))
            dip_start = -1
        else:
            lowest = min(lowest, value)
            if value < closed_below:
                last_closed = i
    return open_level, tuple(events)


# --- results the engine returns -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmileResult:
    """A single-frame smile check of the largest face."""

    smile: SmileScore
    measures: FaceMeasures
    face: Face
    face_count: int


@dataclass(frozen=True, slots=True)
class ChallengeResult:
    """A challenge verdict: ``passed`` when both frames are live, show the same person, and the
    measured change reaches the threshold. ``reasons`` says what failed. ``smile_scores``: both
    frames' smile scores (baseline, challenge), whatever the challenge type."""

    challenge_type: ChallengeType
    passed: bool
    reasons: tuple[str, ...]
    measurement: ChallengeMeasurement
    baseline: FaceMeasures
    challenge: FaceMeasures
    baseline_spoof: SpoofResult
    challenge_spoof: SpoofResult
    match: MatchResult
    smile_scores: tuple[float, float]


@dataclass(frozen=True, slots=True)
class BlinkResult:
    """Eye-aspect-ratio series of a burst (per eye and their mean) and the blinks found in it."""

    ear_right: tuple[float, ...]
    ear_left: tuple[float, ...]
    ear: tuple[float, ...]
    open_eye_level: float
    closed_below: float
    blinks: tuple[BlinkEvent, ...]

    @property
    def blink_detected(self) -> bool:
        return bool(self.blinks)
