"""A scripted person in front of the camera, for the capture machine's tests (no models): what the
judge would report for each frame, as a function of the prompts the person has seen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Facts:
    index: int
    face_found: bool = True
    faces: int = 1
    problems: tuple[str, ...] = ()
    reference_ready: bool = True
    actions: Mapping[str, float] = field(default_factory=dict)
    neutral: bool = True


def neutral(i: int) -> Facts:
    return Facts(i)


def showing(i: int, actions: Mapping[str, float]) -> Facts:
    return Facts(i, actions=actions, neutral=all(v < 0.5 for v in actions.values()))


class Person:
    """A cooperative person: reacts to each prompt after ``reaction`` s, performs the action over
    ``ramp`` s, holds it ``hold`` s, returns to neutral."""

    def __init__(
        self, reaction: float = 0.45, ramp: float = 0.3, hold: float = 0.4, swap: Mapping[str, str] | None = None
    ) -> None:
        self.reaction, self.ramp, self.hold = reaction, ramp, hold
        self.swap = dict(swap or {})  # performs another action than the one asked
        self.prompt: tuple[str, float] | None = None

    def frame(self, t: float) -> Callable[[int], Facts]:
        def make(i: int) -> Facts:
            if self.prompt is None:
                return neutral(i)
            kind, at = self.prompt
            since = t - at - self.reaction
            if since < 0 or since > self.ramp + self.hold + self.ramp:
                return neutral(i)
            level = min(1.2, 1.2 * since / self.ramp) if since < self.ramp + self.hold else 0.2
            return showing(i, {self.swap.get(kind, kind): level})

        return make

    def heard(self, reply: dict[str, Any] | None, t: float) -> None:
        challenge = reply and reply.get("challenge")
        if challenge and (
            self.prompt is None or self.prompt[0] != challenge["type"] or reply["completed"] != self.done
        ):
            self.prompt = (challenge["type"], t)
            self.done = reply["completed"]

    done = -1
