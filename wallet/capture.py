"""The live-capture state machine: the server drives the take, on its own clock.

The wallet streams camera frames as it captures them; every frame is judged as it arrives, by a
:class:`TakeJudge` (the API adapts the liveness engine's live take to it; this package never
imports the engine). The machine announces each challenge only when the previous one is done and
the face is back to neutral, after a random delay; it times everything by the server's clock
(the time each frame arrived), never by anything the client says::

    baseline --neutral reference held--> waiting --random delay, neutral--> challenge k
        challenge k --action met after the announcement--> waiting (next) | closing (last)
    closing --at least min_frames in all--> done: the judge's verdict over the whole take
        (liveness, same person, 3D turns, ID match)

A take fails at the first of these, with a stable reason code:

========================  ===============================================================
``stream_interrupted``    a gap between two frames longer than ``max_gap``
``frame_rate_too_high``   more frames in ``rate_window`` than a camera at ``max_fps`` makes
``frame_rate_too_low``    fewer than ``min_fps`` over the take
``stream_too_short``      fewer than ``min_frames`` in all
``capture_timeout``       the take lasted longer than ``max_duration``
``face_lost``             no face for longer than ``face_lost``
``repeated_frame``        the same picture ``max_repeat_run`` times in a row, or too often
``discontinuity``         a cut or a jump no face makes between two frames (the judge's)
``multiple_faces``        a second face, ``multiple_faces_frames`` frames in a row
``not_neutral``           no neutral face to start from (at the start or between challenges)
``challenge_too_early``   the requested action showed before a human could react to the prompt
``challenge_timeout``     the requested action did not show within ``max_reaction``
``unrequested_action``    an action that was not asked for (spontaneous blinks excepted)
========================  ===============================================================

then the judge's own reasons (``spoof_detected``, ``no_parallax``, ``face_mismatch``,
``id_mismatch`` ...). So a still photo (no motion, repeated or jumping frames), a loop that
performs every action (unrequested actions, actions before their prompt) and a replayed clip
(actions that do not follow the prompts) fail, and an honest user who follows the prompts passes.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "ALWAYS_WATCHED",
    "CAPTURE_REASONS",
    "CaptureMachine",
    "CaptureOutcome",
    "CapturePolicy",
    "FrameFacts",
    "TakeFacts",
    "TakeJudge",
]

# Actions watched for in every take, whatever the session may ask: a smile or a head turn that
# nobody asked for is what a looped or replayed recording shows.
ALWAYS_WATCHED = ("smile", "blink", "turn_left", "turn_right")

CAPTURE_REASONS = (
    "stream_interrupted",
    "frame_rate_too_high",
    "frame_rate_too_low",
    "stream_too_short",
    "capture_timeout",
    "face_lost",
    "repeated_frame",
    "discontinuity",
    "multiple_faces",
    "not_neutral",
    "challenge_too_early",
    "challenge_timeout",
    "unrequested_action",
)


class FrameFacts(Protocol):
    """What the judge saw in one frame (``liveness.stream.FrameReport`` has this shape)."""

    @property
    def index(self) -> int: ...
    @property
    def face_found(self) -> bool: ...
    @property
    def faces(self) -> int: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def reference_ready(self) -> bool: ...
    @property
    def actions(self) -> Mapping[str, float]: ...
    @property
    def neutral(self) -> bool: ...


class TakeFacts(Protocol):
    """The judge's verdict over the whole take (``liveness.stream.TakeVerdict`` has this shape)."""

    @property
    def passed(self) -> bool: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...
    @property
    def checks(self) -> tuple[str, ...]: ...


class TakeJudge(Protocol):
    def add(self, image: Any, t: float) -> FrameFacts: ...

    def finish(self, turns: Sequence[tuple[int, int]] = ()) -> TakeFacts: ...


@dataclass(frozen=True, slots=True)
class CapturePolicy:
    """The protocol's numbers (seconds, frames, action progress where 1.0 = the action shown).
    docs/wallet.md ("Live capture") gives the measurements behind each."""

    min_fps: float = 8.0
    max_fps: float = 20.0
    rate_window: float = 2.0
    max_gap: float = 0.6
    min_frames: int = 30
    max_duration: float = 60.0
    face_lost: float = 1.0
    max_repeat_run: int = 3
    max_repeat_fraction: float = 0.25
    multiple_faces_frames: int = 3
    baseline_frames: int = 6
    baseline_timeout: float = 10.0
    neutral_frames: int = 3
    delay: tuple[float, float] = (0.8, 1.6)
    min_reaction: float = 0.25
    early_progress: float = 0.8
    # Measured on real clips played as a person reacting 0.3-0.6 s after the prompt: the action
    # shows 0.67-1.17 s after it. 3 s leaves room for a slow reader; 5 s let a replayed
    # recording meet a blink challenge by chance (people blink every few seconds).
    max_reaction: float = 3.0
    hold_frames: int = 1
    # How long an action must hold (seconds, first to last frame at progress >= 1): a deliberate
    # eye closure ("close your eyes for a moment") outlasts a spontaneous blink (100-150 ms, 1-2
    # frames at 12 fps, which alone would meet the challenge at random).
    hold: tuple[tuple[str, float], ...] = (("blink", 0.15),)
    return_timeout: float = 5.0
    unrequested_progress: float = 1.0
    # Spontaneous blinks are human: they never count as an unrequested action.
    exempt: frozenset[str] = frozenset({"blink"})
    # Pairs (requested, other) that a person shows together without meaning to: a smile with
    # teeth measures 1.5-1.6 x the open-mouth threshold, and a wide-open mouth lifts the corners.
    tolerated: frozenset[tuple[str, str]] = frozenset({("smile", "open_mouth"), ("open_mouth", "smile")})


@dataclass(frozen=True, slots=True)
class CaptureOutcome:
    """The take's end: ``passed``, the reasons (machine's first, then the judge's), the checks
    that passed (for the credential's evidence), the per-challenge result and the judge's verdict
    (``None`` when the take ended before it was judged)."""

    passed: bool
    reasons: tuple[str, ...]
    checks: tuple[str, ...]
    challenges: tuple[tuple[str, bool], ...]
    verdict: TakeFacts | None = field(default=None, repr=False)


class CaptureMachine:
    """One take of one session: feed it frames in arrival order with the server time they arrived.

    ``on_frame`` returns the reply to send for that frame (a ``frame`` message), or sets
    :attr:`outcome` when the take ended (pass or first failure); frames after that are refused.
    """

    def __init__(
        self,
        challenges: Sequence[str],
        judge: TakeJudge,
        *,
        policy: CapturePolicy | None = None,
        watched: Sequence[str] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not challenges:
            raise ValueError("a take needs at least one challenge")
        self.challenges = tuple(challenges)
        self.judge = judge
        self.policy = policy or CapturePolicy()
        self.watched = tuple(dict.fromkeys((*ALWAYS_WATCHED, *(watched or ()), *challenges)))
        self.rng = rng or random.SystemRandom()
        self.outcome: CaptureOutcome | None = None
        self.phase = "baseline"
        self.completed = 0
        self._first_t: float | None = None
        self._last_t: float | None = None
        self._frames = 0
        self._recent: deque[float] = deque()
        self._repeat_run = 0
        self._repeats = 0
        self._faces_run = 0
        self._lost_since: float | None = None
        self._neutral_run = 0
        self._not_neutral_since: float | None = None
        self._wait_until = 0.0
        self._announced_at = 0.0
        self._announced_index = 0
        self._met_run = 0
        self._met_since = 0.0
        self._announcing = False
        self._returning: str | None = None
        self._turns: list[tuple[int, int]] = []
        self._results: list[tuple[str, bool]] = []

    # the one entry point -----------------------------------------------------------------------
    def on_frame(self, image: Any, t: float) -> dict[str, Any] | None:
        """Judge one frame; the ``frame`` reply, or ``None`` when the take just ended (see
        :attr:`outcome`)."""
        if self.outcome is not None:
            raise RuntimeError("the take has ended")
        p = self.policy
        if self._first_t is None:
            self._first_t = t
        if self._last_t is not None and t - self._last_t > p.max_gap:
            self._fail("stream_interrupted")
            return None
        self._last_t = t
        self._frames += 1
        self._recent.append(t)
        while self._recent and self._recent[0] < t - p.rate_window:
            self._recent.popleft()
        if len(self._recent) > p.max_fps * p.rate_window + 1:
            self._fail("frame_rate_too_high")
            return None
        if t - self._first_t > p.max_duration:
            self._fail("capture_timeout")
            return None

        facts = self.judge.add(image, t)
        failed = self._continuity(facts, t)
        if failed:
            self._fail(failed)
            return None
        guidance = None
        if not facts.face_found:
            guidance = "face_not_found"
        elif facts.faces > 1:
            guidance = "multiple_faces"
        steps = {"baseline": self._baseline, "waiting": self._waiting, "challenge": self._challenge}
        failed, hint = steps[self.phase](facts, t) if self.phase in steps else (None, None)
        if failed:
            self._fail(failed)
            return None
        if self.phase == "closing" and self._frames >= p.min_frames:
            self._finish()
            return None
        return {
            "type": "frame",
            "index": facts.index,
            "phase": "done" if self.phase == "closing" else self.phase,
            "challenge": self._current() if self.phase == "challenge" else None,
            "completed": self.completed,
            "guidance": guidance or hint,
        }

    def note_sent(self, t: float) -> None:
        """The reply announcing the current challenge left at server time ``t``: reactions are
        timed from then (what the person could see), not from the frame's arrival."""
        if self._announcing:
            self._announced_at = max(self._announced_at, t)
            self._announcing = False

    # continuity --------------------------------------------------------------------------------
    def _continuity(self, facts: FrameFacts, t: float) -> str | None:
        p = self.policy
        if "discontinuity" in facts.problems:
            return "discontinuity"
        if "repeated_frame" in facts.problems:
            self._repeat_run += 1
            self._repeats += 1
        else:
            self._repeat_run = 0
        if self._repeat_run >= p.max_repeat_run:
            return "repeated_frame"
        if self._frames >= 20 and self._repeats > p.max_repeat_fraction * self._frames:
            return "repeated_frame"
        several = facts.faces >= 2 or "multiple_faces" in facts.problems
        self._faces_run = self._faces_run + 1 if several else 0
        if self._faces_run >= p.multiple_faces_frames:
            return "multiple_faces"
        if facts.face_found:
            self._lost_since = None
        elif self._lost_since is None:
            self._lost_since = t
        elif t - self._lost_since > p.face_lost:
            return "face_lost"
        return None

    def _unrequested(self, facts: FrameFacts, requested: str | None) -> bool:
        p = self.policy
        if not facts.reference_ready:
            return False
        return any(
            kind != requested
            and kind != self._returning
            and kind not in p.exempt
            and (requested, kind) not in p.tolerated
            and facts.actions.get(kind, 0.0) >= p.unrequested_progress
            for kind in self.watched
        )

    def _track_neutral(self, facts: FrameFacts, t: float) -> str | None:
        if facts.face_found and facts.reference_ready and facts.neutral:
            self._returning = None  # back to neutral: the last action no longer excuses anything
            self._neutral_run += 1
            self._not_neutral_since = None
            return None
        self._neutral_run = 0
        if self._not_neutral_since is None:
            self._not_neutral_since = t
        return "hold_neutral" if facts.face_found else None

    # phases: each returns (failure reason, guidance) ---------------------------------------------
    def _baseline(self, facts: FrameFacts, t: float) -> tuple[str | None, str | None]:
        if self._unrequested(facts, None):
            return "unrequested_action", None
        hint = self._track_neutral(facts, t)
        if facts.face_found and not facts.reference_ready:
            hint = "look_at_camera"
        if self._neutral_run >= self.policy.baseline_frames:
            self._start_waiting(t)
            return None, None
        assert self._first_t is not None
        if t - self._first_t > self.policy.baseline_timeout:
            return "not_neutral", None
        return None, hint

    def _start_waiting(self, t: float) -> None:
        low, high = self.policy.delay
        self.phase = "waiting"
        self._wait_until = t + self.rng.uniform(low, high)
        self._not_neutral_since = None

    def _waiting(self, facts: FrameFacts, t: float) -> tuple[str | None, str | None]:
        if self._unrequested(facts, None):
            return "unrequested_action", None
        hint = self._track_neutral(facts, t)
        if self._not_neutral_since is not None and t - self._not_neutral_since > self.policy.return_timeout:
            return "not_neutral", None
        if t >= self._wait_until and self._neutral_run >= self.policy.neutral_frames:
            self.phase = "challenge"
            self._announced_at = t  # the reply to this frame announces it; note_sent() refines
            self._announcing = True
            self._announced_index = facts.index
            self._met_run = 0
        return None, hint

    def _challenge(self, facts: FrameFacts, t: float) -> tuple[str | None, str | None]:
        p = self.policy
        kind = self.challenges[self.completed]
        if self._unrequested(facts, kind):
            return "unrequested_action", None
        progress = facts.actions.get(kind, 0.0)
        since = t - self._announced_at
        if since < p.min_reaction:
            if progress >= p.early_progress:
                return "challenge_too_early", None
            return None, None
        if progress >= 1.0:
            if self._met_run == 0:
                self._met_since = t
            self._met_run += 1
        else:
            self._met_run = 0
        hold = dict(p.hold).get(kind, 0.0)
        if self._met_run >= p.hold_frames and t - self._met_since >= hold:
            if kind.startswith("turn_"):
                self._turns.append((self._announced_index, facts.index))
            self._results.append((kind, True))
            self._returning = kind  # it may still show while the face comes back to neutral
            self.completed += 1
            if self.completed == len(self.challenges):
                self.phase = "closing"
            else:
                self._start_waiting(t)
                self._neutral_run = 0
                self._not_neutral_since = t
            return None, None
        if since > p.max_reaction:
            return "challenge_timeout", None
        return None, None

    def _current(self) -> dict[str, Any]:
        return {"index": self.completed, "of": len(self.challenges), "type": self.challenges[self.completed]}

    # the end -------------------------------------------------------------------------------------
    def _challenge_results(self) -> tuple[tuple[str, bool], ...]:
        """The challenges announced so far and whether each was met: the ones never announced are
        not named (a failed take must not reveal what the rest of the session would have asked)."""
        done = list(self._results)
        if self.phase == "challenge" and len(done) < len(self.challenges):
            done.append((self.challenges[len(done)], False))
        return tuple(done)

    def _fail(self, reason: str) -> None:
        results = self._challenge_results()
        self.phase = "done"
        self.outcome = CaptureOutcome(False, (reason,), (), results)

    def _finish(self) -> None:
        p = self.policy
        verdict = self.judge.finish(tuple(self._turns))
        reasons: list[str] = []
        assert self._first_t is not None and self._last_t is not None
        duration = self._last_t - self._first_t
        if self._frames < p.min_frames:
            reasons.append("stream_too_short")
        elif duration <= 0 or (self._frames - 1) / duration < p.min_fps:
            reasons.append("frame_rate_too_low")
        reasons += [r for r in verdict.reasons if r not in reasons]
        passed = not reasons and verdict.passed
        checks = tuple(kind for kind, ok in self._results if ok) + tuple(verdict.checks)
        self.outcome = CaptureOutcome(passed, tuple(reasons), checks, self._challenge_results(), verdict)
        self.phase = "done"
