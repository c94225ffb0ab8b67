"""Pure decisions of the interactive checks: challenge changes, blink events, micro-motion, verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from liveness.challenges import (
    CHALLENGE_TYPES,
    BlinkConfig,
    ChallengeThresholds,
    GeometricSmile,
    find_blinks,
    measure_challenge,
)
from liveness.mesh import FaceMeasures, HeadPose, MouthGeometry
from liveness.passive import MotionStats, PassiveConfig, judge_passive, micro_motion


def measures(
    *,
    ear: float = 0.3,
    width: float = 0.85,
    elevation: float = 0.02,
    opening: float = 0.02,
    yaw: float = 0.0,
    pitch: float = 0.0,
) -> FaceMeasures:
    return FaceMeasures(
        inter_ocular=100.0,
        ear_right=ear,
        ear_left=ear,
        mouth=MouthGeometry(width=width, opening=opening, corner_elevation=elevation),
        pose=HeadPose(yaw=yaw, pitch=pitch, roll=0.0),
    )


SMILE = GeometricSmile()
LIMITS = ChallengeThresholds()


def test_geometric_smile_rises_with_width_and_corner_elevation() -> None:
    neutral, wide, raised = measures(), measures(width=1.0), measures(elevation=0.12)
    assert SMILE.score(neutral) < SMILE.score(wide) and SMILE.score(neutral) < SMILE.score(raised)
    assert 0.0 <= SMILE.score(neutral) < 50.0 < SMILE.score(measures(width=1.0, elevation=0.12)) <= 100.0
    # an open mouth alone is not a smile
    assert SMILE.score(measures(opening=0.4)) == pytest.approx(SMILE.score(neutral))


def test_smile_needs_the_rise_and_a_smiling_challenge_frame() -> None:
    smiling = measures(width=1.0, elevation=0.12)
    result = measure_challenge("smile", measures(), smiling, LIMITS, SMILE)
    assert result.passed and result.quantity == "smile_score" and result.change >= 20.0
    assert result.threshold == LIMITS.smile_change
    assert not measure_challenge("smile", smiling, smiling, LIMITS, SMILE).passed  # no change
    assert not measure_challenge("smile", measures(), smiling, LIMITS, SMILE, min_change=result.change + 1).passed
    # a rise that stays below the smiling score is not a smile
    small = measures(width=0.9, elevation=0.04)
    assert not measure_challenge(
        "smile", measures(width=0.7, elevation=-0.02), small, LIMITS, SMILE, min_change=0
    ).passed


def test_blink_challenge_is_relative_to_the_baseline() -> None:
    result = measure_challenge("blink", measures(ear=0.30), measures(ear=0.06), LIMITS, SMILE)
    assert result.passed and result.change == pytest.approx(0.8)
    # The same absolute EAR is a closed eye for one person and an open eye for another.
    assert not measure_challenge("blink", measures(ear=0.20), measures(ear=0.17), LIMITS, SMILE).passed
    assert measure_challenge("blink", measures(ear=0.40), measures(ear=0.20), LIMITS, SMILE).passed


@pytest.mark.parametrize(
    ("kind", "before", "after", "passes"),
    [
        ("turn_left", measures(yaw=-2), measures(yaw=25), True),
        ("turn_left", measures(yaw=-2), measures(yaw=-30), False),
        ("turn_right", measures(yaw=-2), measures(yaw=-30), True),
        ("turn_right", measures(yaw=5), measures(yaw=-10), False),
        ("look_up", measures(pitch=-8), measures(pitch=14), True),
        ("look_up", measures(pitch=-8), measures(pitch=-20), False),
        ("open_mouth", measures(opening=0.02), measures(opening=0.35), True),
        ("open_mouth", measures(opening=0.02), measures(opening=0.08), False),
    ],
)
def test_pose_and_mouth_challenges(kind: str, before: FaceMeasures, after: FaceMeasures, passes: bool) -> None:
    result = measure_challenge(kind, before, after, LIMITS, SMILE)  # type: ignore[arg-type]
    assert result.passed is passes
    assert result.passed == (result.change >= result.threshold)


def test_every_challenge_type_is_measured() -> None:
    for kind in CHALLENGE_TYPES:
        assert measure_challenge(kind, measures(), measures(), LIMITS, SMILE).passed is False  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown challenge"):
        measure_challenge("wink", measures(), measures(), LIMITS, SMILE)  # type: ignore[arg-type]


def test_a_dip_below_the_open_level_and_back_is_a_blink() -> None:
    level, blinks = find_blinks([0.31, 0.07, 0.31])
    assert level == pytest.approx(0.31)
    assert [(b.start, b.end) for b in blinks] == [(1, 1)]
    assert blinks[0].depth == pytest.approx(0.07 / 0.31)
    # a longer blink, eyes half-way on the way out, and a second blink
    _, blinks = find_blinks([0.3, 0.3, 0.2, 0.05, 0.04, 0.25, 0.3, 0.29, 0.1, 0.3])
    assert [(b.start, b.end) for b in blinks] == [(2, 4), (8, 8)]


@pytest.mark.parametrize(
    "series",
    [
        [0.3] * 6,  # one frame repeated
        [0.3, 0.29, 0.31, 0.27, 0.3],  # noise above the closed ratio
        [0.05, 0.3, 0.3, 0.3],  # starts closed: no open frame before
        [0.3, 0.3, 0.3, 0.05],  # ends closed: never reopens
        [0.3, 0.24, 0.3],  # a dip to 0.8 of the open level: a squint or a smile, not a blink
        [],
    ],
)
def test_not_a_blink(series: list[float]) -> None:
    assert find_blinks(series)[1] == ()


def test_blink_threshold_is_the_persons_own_level() -> None:
    assert 0.72 < BlinkConfig().closed_ratio < 0.76  # between partial blinks and squints measured on NUAA
    # Small eyes (open 0.18) blink to 0.09; large eyes (open 0.40) squint to 0.33: only the first is a blink.
    assert len(find_blinks([0.18, 0.18, 0.09, 0.18])[1]) == 1
    assert find_blinks([0.40, 0.40, 0.33, 0.40])[1] == ()


def test_micro_motion_states() -> None:
    rng = np.random.default_rng(1)
    face = rng.uniform(0, 200, (468, 2))
    iod = [60.0] * 5
    still = micro_motion([face] * 5, iod)
    assert still.state == "still" and still.motion == 0.0 and still.deformation == pytest.approx(0.0, abs=1e-12)
    # small head motion (shift + rotation) plus landmark jitter: natural
    frames = []
    for i in range(5):
        angle = 0.01 * i
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        frames.append(face @ rot.T + np.array([1.5 * i, 0.5 * i]) + rng.normal(0, 0.3, face.shape))
    natural = micro_motion(frames, iod)
    assert natural.state == "natural" and natural.motion > PassiveConfig().still_motion
    # a face jumping across the frame, and unrelated shapes
    assert micro_motion([face + np.array([100.0 * i, 0.0]) for i in range(5)], iod).state == "chaotic"
    shapes = [rng.uniform(0, 200, (468, 2)) for _ in range(5)]
    assert micro_motion(shapes, iod).deformation > PassiveConfig().chaotic_deformation
    assert micro_motion(shapes, iod).state == "chaotic"


def test_a_rigid_move_has_no_deformation() -> None:
    face = np.random.default_rng(2).uniform(0, 200, (468, 2))
    angle = 0.2
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = 1.1 * face @ rot.T + [5, -3]
    stats = micro_motion([face, moved, face], [60.0] * 3)
    assert stats.deformation == pytest.approx(0.0, abs=1e-9) and stats.motion > 0


def test_passive_verdict_lists_every_failure() -> None:
    ok = judge_passive(
        spoof_scores=[0.9, 0.95, 0.97],
        spoof_threshold=0.3,
        match_confidences=[0.9, 0.8],
        min_match_confidence=0.4,
        motion=MotionStats(0.02, 0.005, "natural"),
        ear=[0.3, 0.3, 0.3],
        open_eye_level=0.3,
        blinks=(),
        require_blink=False,
    )
    assert ok.is_live and ok.reasons == () and ok.spoof_score == pytest.approx(0.94) and ok.best_frame == 2
    bad = judge_passive(
        spoof_scores=[0.1, 0.2, 0.3],
        spoof_threshold=0.3,
        match_confidences=[0.9, 0.1],
        min_match_confidence=0.4,
        motion=MotionStats(0.0, 0.0, "still"),
        ear=[0.3, 0.3, 0.3],
        open_eye_level=0.3,
        blinks=(),
        require_blink=True,
    )
    assert not bad.is_live
    assert bad.reasons == ("spoof_detected", "identity_inconsistent", "no_motion", "no_blink")
