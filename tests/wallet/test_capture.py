"""The live-capture state machine on scripted takes (no models): what a person does, frame by frame,
against the server's clock. The model-backed takes (real clips, attacks) are in tests/api."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from tests.wallet.people import Facts, Person, neutral, showing
from wallet import CaptureMachine, CapturePolicy

FPS = 12.0
DT = 1 / FPS


@dataclass(frozen=True)
class Verdict:
    passed: bool = True
    reasons: tuple[str, ...] = ()
    checks: tuple[str, ...] = ("antispoof", "same_person")


class ScriptedJudge:
    """``frame`` is a function of (index, the machine's reply so far) giving the actions shown."""

    def __init__(self, verdict: Verdict | None = None) -> None:
        self.verdict = verdict or Verdict()
        self.turns: Sequence[tuple[int, int]] | None = None
        self.index = 0

    def add(self, image: Any, t: float) -> Facts:
        facts = image(self.index)
        self.index += 1
        return facts

    def finish(self, turns: Sequence[tuple[int, int]] = ()) -> Verdict:
        self.turns = turns
        return self.verdict


def run(
    machine: CaptureMachine,
    frame_at: Callable[[float, dict[str, Any] | None], Callable[[int], Facts]],
    *,
    seconds: float = 30.0,
    dt: float = DT,
) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    t, reply = 100.0, None
    while machine.outcome is None and t < 100.0 + seconds:
        reply = machine.on_frame(frame_at(t, reply), t)
        if reply is not None:
            replies.append(reply)
        t += dt
    return replies


def cooperative(person: Person) -> Callable[[float, dict[str, Any] | None], Callable[[int], Facts]]:
    def frame_at(t: float, reply: dict[str, Any] | None) -> Callable[[int], Facts]:
        person.heard(reply, t)
        return person.frame(t)

    return frame_at


WATCHED = ("smile", "blink", "turn_left", "turn_right")


def machine(
    challenges: Sequence[str] = ("smile", "turn_left"), *, verdict: Verdict | None = None, **policy: Any
) -> tuple[CaptureMachine, ScriptedJudge]:
    judge = ScriptedJudge(verdict)
    m = CaptureMachine(challenges, judge, policy=CapturePolicy(**policy), watched=WATCHED, rng=random.Random(7))
    return m, judge


def test_a_person_who_follows_the_prompts_passes() -> None:
    m, judge = machine(("smile", "blink", "turn_left"))
    replies = run(m, cooperative(Person()))
    assert m.outcome is not None and m.outcome.passed, m.outcome
    assert m.outcome.challenges == (("smile", True), ("blink", True), ("turn_left", True))
    assert m.outcome.checks == ("smile", "blink", "turn_left", "antispoof", "same_person")
    # Each challenge is announced only after the previous one is done, never two at once.
    announced = [r["challenge"]["type"] for r in replies if r["challenge"]]
    assert list(dict.fromkeys(announced)) == ["smile", "blink", "turn_left"]
    assert replies[0]["phase"] == "baseline" and replies[0]["challenge"] is None
    # The turn's frames, from its announcement to its completion, go to the judge for parallax.
    assert judge.turns is not None and len(judge.turns) == 1
    first, last = judge.turns[0]
    assert replies[first]["challenge"]["type"] == "turn_left" and last > first


def test_prompts_come_after_a_random_delay() -> None:
    waits = set()
    for seed in range(6):
        judge = ScriptedJudge()
        m = CaptureMachine(("smile",), judge, rng=random.Random(seed))
        replies = run(m, cooperative(Person()))
        waits.add(next(i for i, r in enumerate(replies) if r["challenge"]))
    assert len(waits) > 2  # the first prompt's frame differs from take to take


def test_a_still_photo_is_refused_as_repeated_frames() -> None:
    m, _ = machine()
    run(m, lambda t, r: lambda i: Facts(i, problems=("repeated_frame",) if i else ()))
    assert m.outcome is not None and m.outcome.reasons == ("repeated_frame",)


def test_an_occasional_duplicate_frame_is_tolerated() -> None:
    person = Person()
    m, _ = machine()

    def frame_at(t: float, reply: dict[str, Any] | None) -> Callable[[int], Facts]:
        person.heard(reply, t)
        make = person.frame(t)
        return lambda i: Facts(**{**make(i).__dict__, "problems": ("repeated_frame",) if i % 9 == 4 else ()})

    run(m, frame_at)
    assert m.outcome is not None and m.outcome.passed, m.outcome


def test_a_loop_that_shows_actions_unprompted_fails() -> None:
    m, _ = machine()
    # Turns every 2 s whatever the server says: the turn shows while nothing (or a smile) is asked.
    run(m, lambda t, r: lambda i: showing(i, {"turn_right": 1.3 if int(t * 10) % 20 > 14 else 0.0}))
    assert m.outcome is not None and m.outcome.reasons == ("unrequested_action",)


def test_an_action_other_than_the_one_asked_fails() -> None:
    m, _ = machine(("smile",))
    run(m, cooperative(Person(swap={"smile": "turn_left"})))  # turns instead of smiling
    assert m.outcome is not None and m.outcome.reasons == ("unrequested_action",)


def test_spontaneous_blinks_are_human() -> None:
    person = Person()
    m, _ = machine(("smile", "turn_right"))

    def frame_at(t: float, reply: dict[str, Any] | None) -> Callable[[int], Facts]:
        person.heard(reply, t)
        make = person.frame(t)
        if int(t * FPS) % 30 == 0:  # a blink every 2.5 s
            return lambda i: showing(i, {**make(i).actions, "blink": 1.5})
        return make

    run(m, frame_at)
    assert m.outcome is not None and m.outcome.passed, m.outcome


def test_an_action_before_a_human_could_react_fails() -> None:
    m, _ = machine(("smile",))
    run(m, cooperative(Person(reaction=0.0, ramp=0.08)))
    assert m.outcome is not None and m.outcome.reasons == ("challenge_too_early",)


def test_no_action_within_the_reaction_window_fails() -> None:
    m, _ = machine(("smile",))
    run(m, lambda t, r: neutral)
    assert m.outcome is not None and m.outcome.reasons == ("challenge_timeout",)


def test_reactions_are_timed_from_when_the_prompt_left() -> None:
    """The server's clock at sending, not the frame's arrival: a prompt that left late does not
    make a fast, honest reaction look early (and an early one stays early)."""
    m, _ = machine(("smile",), min_reaction=0.25)
    person = Person(reaction=0.1, ramp=0.1)
    t = 100.0
    while m.outcome is None and t < 120:
        reply = m.on_frame(person.frame(t), t)
        if reply and reply["challenge"] and person.prompt is None:
            m.note_sent(t + 0.2)  # judging and sending this reply took 200 ms
            person.prompt = (reply["challenge"]["type"], t + 0.2)
        t += DT
    assert m.outcome is not None and m.outcome.reasons == ("challenge_too_early",)


@pytest.mark.parametrize(
    ("dt_at", "reason"),
    [
        (lambda t: 0.9 if 101 < t < 102 else DT, "stream_interrupted"),
        (lambda t: 0.02, "frame_rate_too_high"),
    ],
)
def test_frame_timing_is_the_servers(dt_at: Callable[[float], float], reason: str) -> None:
    m, _ = machine()
    person = Person()
    t, reply = 100.0, None
    while m.outcome is None and t < 130:
        person.heard(reply, t)
        reply = m.on_frame(person.frame(t), t)
        t += dt_at(t)
    assert m.outcome is not None and m.outcome.reasons == (reason,)


def test_a_slow_stream_fails_at_the_end() -> None:
    m, _ = machine(("smile",), min_fps=8.0, max_gap=0.6, min_frames=10)
    run(m, cooperative(Person()), dt=0.2)  # 5 fps: no gap is too long, the rate is
    assert m.outcome is not None and m.outcome.reasons == ("frame_rate_too_low",)


def test_a_lost_face_and_a_second_face_fail() -> None:
    m, _ = machine()
    run(m, lambda t, r: lambda i: Facts(i, face_found=i < 20))
    assert m.outcome is not None and m.outcome.reasons == ("face_lost",)
    m, _ = machine()
    run(m, lambda t, r: lambda i: Facts(i, faces=2, problems=("multiple_faces",) if i > 5 else ()))
    assert m.outcome is not None and m.outcome.reasons == ("multiple_faces",)


def test_a_cut_fails_at_once() -> None:
    m, _ = machine()
    run(m, lambda t, r: lambda i: Facts(i, problems=("discontinuity",) if i == 15 else ()))
    assert m.outcome is not None and m.outcome.reasons == ("discontinuity",)


def test_no_neutral_face_to_start_from_fails() -> None:
    m, _ = machine()
    run(m, lambda t, r: lambda i: showing(i, {"smile": 0.7}))
    assert m.outcome is not None and m.outcome.reasons == ("not_neutral",)


def test_the_judges_verdict_decides_the_end() -> None:
    m, _ = machine(verdict=Verdict(False, ("spoof_detected",), ("same_person",)))
    run(m, cooperative(Person()))
    assert m.outcome is not None and not m.outcome.passed
    assert m.outcome.reasons == ("spoof_detected",) and "antispoof" not in m.outcome.checks


def test_the_machine_refuses_frames_after_the_end() -> None:
    m, _ = machine()
    run(m, lambda t, r: neutral)
    with pytest.raises(RuntimeError):
        m.on_frame(neutral, 500.0)


def test_a_spontaneous_blink_does_not_meet_a_blink_challenge() -> None:
    """A blink of one frame, as people make every few seconds (and as a replayed clip shows at
    random), is not "close your eyes for a moment"."""
    m, _ = machine(("blink",))
    run(m, cooperative(Person(ramp=0.01, hold=0.0)))  # eyes closed for a single frame
    assert m.outcome is not None and m.outcome.reasons == ("challenge_timeout",)
    m, _ = machine(("blink",))
    run(m, cooperative(Person(ramp=0.01, hold=0.3)))
    assert m.outcome is not None and m.outcome.passed, m.outcome


def test_a_quick_take_stays_open_until_it_has_enough_frames() -> None:
    m, _ = machine(("smile",), min_frames=60)
    replies = run(m, cooperative(Person(reaction=0.3)))
    assert m.outcome is not None and m.outcome.passed, m.outcome
    assert len(replies) == 59 and replies[-1]["phase"] == "done" and replies[-1]["completed"] == 1


def test_a_second_face_counts_between_the_face_counts() -> None:
    """The judge counts faces twice a second and carries the count: the machine counts frames
    with two faces, not only the counting frames."""
    m, _ = machine()
    run(m, lambda t, r: lambda i: Facts(i, faces=2 if i > 10 else 1, problems=("multiple_faces",) if i == 12 else ()))
    assert m.outcome is not None and m.outcome.reasons == ("multiple_faces",)


def test_a_failed_take_names_only_the_challenges_it_announced() -> None:
    m, _ = machine(("smile", "turn_left", "blink"))
    run(m, cooperative(Person(swap={"turn_left": "turn_right"})))  # fails the second challenge
    assert m.outcome is not None and m.outcome.reasons == ("unrequested_action",)
    assert m.outcome.challenges == (("smile", True), ("turn_left", False))
