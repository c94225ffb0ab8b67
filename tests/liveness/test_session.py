"""Pure decisions of a whole session: which baseline frame, and the verdict's reasons and checks."""

from __future__ import annotations

from liveness.challenges import ChallengeMeasurement, ChallengeThresholds
from liveness.session import (
    ChallengeVerdict,
    FrameVerdict,
    SessionVerdict,
    best_of_burst,
    judge_session,
    pick_baseline,
)
from liveness.types import BoundingBox, Face, MatchResult
from tests.liveness.test_challenges import measures

LIMITS = ChallengeThresholds()


def test_the_most_neutral_frontal_frame_is_the_baseline() -> None:
    burst = [measures(yaw=25.0), measures(ear=0.12), measures(yaw=3.0), measures(pitch=-15.0)]
    smiles = [5.0, 5.0, 8.0, 5.0]
    assert pick_baseline(burst, smiles, LIMITS) == 2
    assert pick_baseline([measures(), measures()], [90.0, 4.0], LIMITS) == 1  # not the smiling one


def _m(change: float, passed: bool) -> ChallengeMeasurement:
    return ChallengeMeasurement("yaw_degrees", 0.0, change, change, 20.0, passed)


def test_a_burst_passes_on_its_first_frame_that_shows_the_action() -> None:
    assert best_of_burst([_m(2, False), _m(24, True), _m(30, True)]) == 1
    assert best_of_burst([_m(2, False), _m(15, False), _m(9, False)]) == 1  # closest miss, for the report


FACE = Face(box=BoundingBox(0, 0, 10, 10), landmarks=((0.0, 0.0),) * 5, score=0.9)


def _verdict(*, real: bool = True, same: float = 0.8, met: bool = True, matched: bool | None = True) -> SessionVerdict:
    frames = [
        FrameVerdict("baseline[0]", 0.9, True, 1.0),
        FrameVerdict("challenges[0][0]", 0.9 if real else 0.1, real, same),
    ]
    match = None if matched is None else MatchResult(0.5, 0.7 if matched else 0.2, matched, 0.6, FACE, FACE)
    return judge_session(
        frames=frames,
        baseline_frame=0,
        challenges=[ChallengeVerdict("turn_left", met, 0, _m(25 if met else 5, met))],
        antispoof_threshold=0.3,
        min_same_person_confidence=0.4,
        face_match=match,
    )


def test_every_failure_is_a_reason_in_a_fixed_order() -> None:
    good = _verdict()
    assert good.passed and good.reasons == ()
    assert good.checks == ("antispoof", "turn_left", "same_person", "face_match")
    bad = _verdict(real=False, same=0.1, met=False, matched=False)
    assert not bad.passed
    assert bad.reasons == ("spoof_detected", "face_mismatch", "challenge_not_met", "id_mismatch")
    assert bad.checks == ()
    assert _verdict(matched=None).checks == ("antispoof", "turn_left", "same_person")
    assert _verdict(same=0.39).reasons == ("face_mismatch",)
    assert _verdict(same=0.1).min_same_person == 0.1
