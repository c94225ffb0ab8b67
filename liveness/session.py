"""A whole liveness session's frames judged at once: baseline, one burst per challenge, ID photo.

The engine (``LivenessEngine.check_session``) measures every frame; this module holds the pure
decisions, so that each is tested without models:

* **Baseline.** The wallet sends a short burst of the neutral, frontal face; the frame that is
  most neutral (least yaw and pitch, least smile, eyes most open, each relative to the challenge
  thresholds) is the baseline every challenge and identity comparison is made against.
* **Live.** Every frame, baseline and challenge, must pass anti-spoofing.
* **Challenges, in order.** Burst *i* answers the session's challenge *i*: it is met when at least
  one of its frames shows that action relative to the baseline (``measure_challenge``). A burst
  tolerates the reaction time of a real user (the first frames may still be neutral).
* **Same person.** Every frame's embedding matches the baseline's at the same-person confidence.
* **ID match** (when asked): the ID photo matches the baseline at the credential's confidence.

``reasons`` lists every failure, most serious first: ``spoof_detected``, ``face_mismatch`` (not the
same person across frames), ``challenge_not_met``, ``id_mismatch``. ``checks`` names what passed,
for the credential's evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liveness.challenges import ChallengeMeasurement, ChallengeThresholds
from liveness.mesh import FaceMeasures
from liveness.types import MatchResult

__all__ = [
    "FRAME_REASONS",
    "ChallengeVerdict",
    "FrameVerdict",
    "SessionVerdict",
    "best_of_burst",
    "judge_session",
    "neutral_score",
    "pick_baseline",
]

FRAME_REASONS = ("spoof_detected", "face_mismatch", "challenge_not_met", "id_mismatch")


@dataclass(frozen=True, slots=True)
class FrameVerdict:
    """One frame: its name in the request, anti-spoof score, and match confidence to the baseline."""

    field: str
    spoof_score: float
    is_real: bool
    same_person_confidence: float


@dataclass(frozen=True, slots=True)
class ChallengeVerdict:
    """Challenge ``type``: passed when its best frame (``frame``, index in the burst) met it."""

    type: str
    passed: bool
    frame: int
    measurement: ChallengeMeasurement


@dataclass(frozen=True, slots=True)
class SessionVerdict:
    passed: bool
    reasons: tuple[str, ...]
    checks: tuple[str, ...]
    baseline_frame: int
    frames: tuple[FrameVerdict, ...]
    challenges: tuple[ChallengeVerdict, ...]
    antispoof_threshold: float
    min_same_person_confidence: float
    face_match: MatchResult | None

    @property
    def min_spoof_score(self) -> float:
        return min(f.spoof_score for f in self.frames)

    @property
    def min_same_person(self) -> float:
        return min(f.same_person_confidence for f in self.frames)


def neutral_score(measures: FaceMeasures, smile: float, open_eyes: float, thresholds: ChallengeThresholds) -> float:
    """How far a frame is from a neutral, frontal face, in units of each challenge's threshold
    (0 = frontal, not smiling, eyes as open as the most open frame)."""
    closure = 1.0 - measures.ear / open_eyes if open_eyes > 0 else 0.0
    return (
        abs(measures.pose.yaw) / thresholds.turn_yaw
        + abs(measures.pose.pitch) / thresholds.look_up_pitch
        + smile / thresholds.smile_change
        + max(0.0, closure) / thresholds.blink_closure
    )


def pick_baseline(measures: Sequence[FaceMeasures], smiles: Sequence[float], thresholds: ChallengeThresholds) -> int:
    """Index of the most neutral frame of the baseline burst."""
    open_eyes = max(m.ear for m in measures)
    scores = [neutral_score(m, s, open_eyes, thresholds) for m, s in zip(measures, smiles, strict=True)]
    return min(range(len(scores)), key=scores.__getitem__)


def best_of_burst(measurements: Sequence[ChallengeMeasurement]) -> int:
    """The burst frame that went furthest towards the challenge (the first that passed, if any)."""
    for i, m in enumerate(measurements):
        if m.passed:
            return i
    return max(range(len(measurements)), key=lambda i: measurements[i].change)


def judge_session(
    *,
    frames: Sequence[FrameVerdict],
    baseline_frame: int,
    challenges: Sequence[ChallengeVerdict],
    antispoof_threshold: float,
    min_same_person_confidence: float,
    face_match: MatchResult | None,
) -> SessionVerdict:
    live = all(f.is_real for f in frames)
    same = all(f.same_person_confidence >= min_same_person_confidence for f in frames)
    met = all(c.passed for c in challenges)
    matched = face_match is None or face_match.matched
    reasons = tuple(
        reason
        for reason, failed in zip(FRAME_REASONS, (not live, not same, not met, not matched), strict=True)
        if failed
    )
    checks = ["antispoof"] if live else []
    checks += [c.type for c in challenges if c.passed]
    if same:
        checks.append("same_person")
    if face_match is not None and face_match.matched:
        checks.append("face_match")
    return SessionVerdict(
        passed=not reasons,
        reasons=reasons,
        checks=tuple(checks),
        baseline_frame=baseline_frame,
        frames=tuple(frames),
        challenges=tuple(challenges),
        antispoof_threshold=antispoof_threshold,
        min_same_person_confidence=min_same_person_confidence,
        face_match=face_match,
    )
