"""Camera streams for live-capture tests: a cooperative person, and what the driver needs of one.

A stream is an object with ``next_frame(reply, t) -> frame | None`` (BGR uint8, None ends the
stream): ``reply`` is the server's last message (None before the first frame) and ``t`` the
virtual time of the frame about to be sent, in seconds. The capture contract
(``capture-spec.md``) fixes the reply's shape: ``phase``, ``challenge: {index, of, type}``,
``completed``, ``guidance``.

:class:`CooperativeUser` plays a real clip of a real person as that person would behave in front
of the camera: it holds a neutral face until a challenge is announced, waits a human reaction
time, performs that action (plays the clip's segment showing it, continuously, at real speed),
and returns to neutral. The segments are in :mod:`tests.capture.performances`, measured there.
Attacks are in :mod:`tests.capture.attacks`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tests.capture.clips import Clip, load_clip

__all__ = [
    "Announcements",
    "CooperativeUser",
    "FrameStream",
    "Performance",
    "Span",
    "add_sensor_noise",
    "frames_between",
]

Reply = Mapping[str, Any]


class FrameStream(Protocol):
    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None: ...


@dataclass(frozen=True, slots=True)
class Span:
    """Clip time from ``start`` to ``end`` seconds; played backwards when ``end < start``
    (a head turning back is a head turn too)."""

    start: float
    end: float

    @property
    def length(self) -> float:
        return abs(self.end - self.start)

    def at(self, elapsed: float) -> float:
        """Clip time ``elapsed`` seconds into the span, played at real speed."""
        step = min(elapsed, self.length)
        return self.start + step if self.end >= self.start else self.start - step


@dataclass(frozen=True, slots=True)
class Performance:
    """What one clip can do: where its person holds still, and which segments show which action.

    ``neutral`` is a span of the clip where the face is frontal, eyes open, mouth at rest and no
    action shows; the person "holds" it by playing it forward and back. Each action is one or more
    spans played in order (e.g. turn, then turn back), starting and ending near a neutral face.
    ``id_photo`` is a clip time with a clear frontal face, for an ID card of the same person.
    """

    clip: str
    neutral: Span
    actions: Mapping[str, tuple[Span, ...]]
    id_photo: float
    mirror: bool = False

    def load(self) -> Clip:
        return load_clip(self.clip, mirror=self.mirror)


def add_sensor_noise(frame: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian noise like a camera sensor's (each frame of a real camera differs a little)."""
    if sigma <= 0:
        return frame
    noisy = frame.astype(np.float32) + rng.normal(0.0, sigma, frame.shape).astype(np.float32)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


@dataclass
class Announcements:
    """Tracks the server's replies: which challenge is current, and when it was first announced."""

    current: dict[str, Any] | None = None
    announced_at: float | None = None
    seen: set[int] = field(default_factory=set)

    def update(self, reply: Reply | None, t: float) -> bool:
        """True when ``reply`` announces a challenge not seen before (first reply that carries it)."""
        if not reply or reply.get("type") != "frame":
            return False
        challenge = reply.get("challenge")
        if reply.get("phase") != "challenge" or not isinstance(challenge, dict):
            return False
        index = int(challenge["index"])
        if index in self.seen:
            return False
        self.seen.add(index)
        self.current = dict(challenge)
        # The reply came back after the previous frame; the person sees it now.
        self.announced_at = t
        return True


class CooperativeUser:
    """A real person (a real clip) doing what the server asks, when it asks.

    ``reaction`` is the range of human reaction times (seconds, drawn per challenge); ``noise``
    the sigma of sensor noise added to every frame. Holding still replays the neutral span's
    frames back and forth, and a camera never sends the same picture twice: without fresh noise
    those revisited frames are exact repeats of frames sent a moment before. Frames are chosen by
    clip time, so a 30 fps clip is resampled to the stream's rate; the same clip frame is never
    used twice in a row.
    """

    def __init__(
        self,
        performance: Performance,
        *,
        reaction: tuple[float, float] = (0.3, 0.6),
        noise: float = 2.0,
        seed: int = 0,
    ) -> None:
        self.performance = performance
        self.clip = performance.load()
        self.reaction = reaction
        self.noise = noise
        self._random = random.Random(seed)
        self._noise_rng = np.random.default_rng(seed)
        self._announcements = Announcements()
        self._pending: list[tuple[str, float]] = []  # (action, start time)
        self._action: tuple[tuple[Span, ...], float] | None = None  # (spans, started at)
        self._neutral_pos = performance.neutral.start
        self._neutral_dir = 1.0 if performance.neutral.end >= performance.neutral.start else -1.0
        self._last_t: float | None = None
        self._last_index: int | None = None
        self.performed: list[tuple[str, float]] = []  # (action, stream time it started)

    def _neutral_time(self, dt: float) -> float:
        """Hold still: play the neutral span forward, then back, and so on."""
        span = self.performance.neutral
        low, high = min(span.start, span.end), max(span.start, span.end)
        pos = self._neutral_pos + self._neutral_dir * dt
        while pos > high or pos < low:
            if pos > high:
                pos, self._neutral_dir = 2 * high - pos, -1.0
            else:
                pos, self._neutral_dir = 2 * low - pos, 1.0
        self._neutral_pos = pos
        return pos

    def _action_time(self, t: float) -> float | None:
        """Clip time of the action being performed at ``t``, or None once it is over."""
        if self._action is None:
            return None
        spans, started = self._action
        elapsed = t - started
        for span in spans:
            if elapsed <= span.length:
                return span.at(elapsed)
            elapsed -= span.length
        self._action = None
        return None

    def _clip_time(self, t: float) -> float:
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        if self._action is None and self._pending and t >= self._pending[0][1]:
            action, _ = self._pending.pop(0)
            self._action = (self.performance.actions[action], t)
            self.performed.append((action, t))
        clip_t = self._action_time(t)
        return self._neutral_time(dt) if clip_t is None else clip_t

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        if self._announcements.update(reply, t):
            action = str(self._announcements.current["type"]) if self._announcements.current else ""
            if action not in self.performance.actions:
                raise ValueError(f"{self.performance.clip} cannot {action!r}: restrict the session's challenges")
            self._pending.append((action, t + self._random.uniform(*self.reaction)))
        index = self.clip.index_at(self._clip_time(t))
        if index == self._last_index:
            index = index + 1 if index + 1 < len(self.clip.frames) else index - 1
        self._last_index = index
        return add_sensor_noise(self.clip.frames[index], self._noise_rng, self.noise)


def frames_between(clip: Clip, spans: Sequence[Span], fps: float) -> list[np.ndarray]:
    """The frames a stream at ``fps`` shows while playing ``spans`` in order (for measuring)."""
    out: list[np.ndarray] = []
    for span in spans:
        steps = int(span.length * fps)
        out.extend(clip.at(span.at(i / fps)) for i in range(steps + 1))
    return out
