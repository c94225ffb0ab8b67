"""Attack streams: what someone without a live person in front of the camera can send.

Each is a :class:`~tests.capture.streams.FrameStream`. They are built from LFW photos of one
person (Hugo Chavez, framed as ``tests/web/fake_camera.py`` frames them: the photo at the frame's
full height on a plain 640x480 background) and from the shared real clips. Every attack is as
strong as its idea allows (it waits a human reaction time before it answers a challenge, and the
"noisy" variants add sensor noise so no two frames are identical), so that it fails for the reason
that defeats the idea, not for a careless detail.

==============  ================================================================================
Stills          one photo per state (neutral, smile, turned, eyes closed), switched when the
                server announces a challenge: the 2023 burst attack, streamed
LoopedClip      the browser test's old fake camera: a cycle through every state, played in real
                time whatever the server asks
Replay          a real clip of a real person, its frames sent in order with invented timing,
                ignoring the server
PlanarWarp      a frontal photo, warped with a growing perspective homography (a card turned
                in front of the camera) when a head turn is announced
Spliced         one stream until a challenge is announced, then another person's
TwoFaces        the two-person clip: a second face in the frame
==============  ================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tests.capture.clips import Clip, load_clip
from tests.capture.streams import Announcements, FrameStream, add_sensor_noise
from tests.web.fake_camera import CYCLE, FACES, cycle_frames, face_frame
from tests.web.fake_camera import FPS as FAKE_CAMERA_FPS

__all__ = [
    "HUGO_STATES",
    "LoopedClip",
    "PlanarWarp",
    "Replay",
    "Spliced",
    "Stills",
    "TwoFaces",
    "framed_photo",
    "hugo_stills",
]

# The photos the still-photo attack used (measured in tests/api/test_sessions.py): 0002
# neutral, 0041 smiling, 0045 turned to his right, 0050 eyes closed; his left is 0045 mirrored.
HUGO_STATES = {
    "neutral": "Hugo_Chavez_0002.jpg",
    "smile": "Hugo_Chavez_0041.jpg",
    "turn_right": "Hugo_Chavez_0045.jpg",
    "blink": "Hugo_Chavez_0050.jpg",
}
# The most frontal Hugo photo (yaw +4 degrees): the card a planar-warp attacker turns.
FRONTAL_PHOTO = FACES / "Hugo_Chavez_0027.jpg"


def framed_photo(photo: Path, *, mirror: bool = False) -> np.ndarray:
    """An LFW photo framed as the fake camera frames it; BGR uint8, 640x480."""
    frame = np.ascontiguousarray(face_frame(photo)[:, :, ::-1])
    return np.ascontiguousarray(frame[:, ::-1]) if mirror else frame


def hugo_stills(*, neutral: Path | None = None) -> dict[str, np.ndarray]:
    """The issue's photos by state; ``neutral`` replaces 0002 (turned 12 degrees: a take never
    gets its frontal reference from it, so it fails ``not_neutral`` before anything else)."""
    stills = {state: framed_photo(FACES / name) for state, name in HUGO_STATES.items()}
    if neutral is not None:
        stills["neutral"] = framed_photo(neutral)
    stills["turn_left"] = framed_photo(FACES / HUGO_STATES["turn_right"], mirror=True)
    return stills


class Stills:
    """One still per state: neutral, and the announced action's photo after a reaction time.

    Back to neutral when the server moves past the challenge. ``noise`` > 0 adds fresh sensor
    noise to every frame, so no frame repeats an earlier one; with 0 each still is sent as is.
    """

    def __init__(
        self, stills: Mapping[str, np.ndarray], *, noise: float = 0.0, reaction: float = 0.45, seed: int = 0
    ) -> None:
        self.stills = dict(stills)
        self.noise = noise
        self.reaction = reaction
        self._rng = np.random.default_rng(seed)
        self._announcements = Announcements()

    def _state(self, reply: dict[str, Any] | None, t: float) -> str:
        self._announcements.update(reply, t)
        current, since = self._announcements.current, self._announcements.announced_at
        if not reply or reply.get("phase") != "challenge" or current is None or since is None:
            return "neutral"
        kind = str(current["type"])
        return kind if t >= since + self.reaction and kind in self.stills else "neutral"

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        return add_sensor_noise(self.stills[self._state(reply, t)], self._rng, self.noise)


class LoopedClip:
    """The old fake camera's cycle (neutral, smile, turned, eyes closed) looping in real time."""

    def __init__(self, *, noise: float = 0.0, seed: int = 0) -> None:
        self.frames = [np.ascontiguousarray(f[:, :, ::-1]) for f in cycle_frames(CYCLE)]
        self.fps = float(FAKE_CAMERA_FPS)
        self.noise = noise
        self._rng = np.random.default_rng(seed)

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        frame = self.frames[int(t * self.fps + 1e-6) % len(self.frames)]
        return add_sensor_noise(frame, self._rng, self.noise)


class Replay:
    """A recorded clip's frames, in order, at a pace the sender invents; ignores the server.

    ``speed`` is clip seconds per stream second (1.0 plays in real time); ``every_frame`` sends
    each recorded frame once, whatever the stream's rate (slow motion at 12 fps for a 30 fps clip).
    ``loop`` plays forward and back instead of ending.
    """

    def __init__(
        self, clip: Clip, *, speed: float = 1.0, every_frame: bool = False, start: float = 0.0, loop: bool = False
    ) -> None:
        self.clip = clip
        self.speed = speed
        self.every_frame = every_frame
        self.start = start
        self.loop = loop
        self._sent = 0

    def _index(self, t: float) -> int | None:
        first = self.clip.index_at(self.start)
        count = len(self.clip.frames) - first
        step = self._sent if self.every_frame else int(t * self.speed * self.clip.fps + 1e-6)
        self._sent += 1
        if not self.loop:
            return first + step if step < count else None
        period = 2 * (count - 1)
        phase = step % period
        return first + (phase if phase < count else period - phase)

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        index = self._index(t)
        return None if index is None else self.clip.frames[index]


def turn_homography(width: int, height: int, degrees: float, focal: float) -> np.ndarray:
    """The image of a flat card turned ``degrees`` about its vertical centre line, seen by a
    pinhole camera of focal length ``focal`` pixels (positive turns the card's right edge away)."""
    cx, cy = width / 2, height / 2
    theta = math.radians(degrees)
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    dst = []
    for x, y in src:
        dx, dy = x - cx, y - cy
        depth = focal - dx * math.sin(theta)
        dst.append([focal * dx * math.cos(theta) / depth + cx, focal * dy / depth + cy])
    return np.asarray(cv2.getPerspectiveTransform(src, np.array(dst, dtype=np.float32)))


class PlanarWarp:
    """A frontal photo that "turns its head" by being turned itself, as a card would be.

    The defaults are a card held close to the camera (focal 150 px for a 640 px frame) turned by
    50 degrees: the mesh then measures a head turn of 37-40 degrees (anti-spoofing 0.82-0.96), well
    past the 20 degree challenge, so only the missing parallax of a 3-D face can give it away.
    At focal 250 px it measures 16 degrees and fails the challenge instead.

    On a head-turn announcement, after a reaction time, the card turns to ``max_degrees`` over
    ``ramp`` seconds (the side that makes the measured yaw go the asked way), holds, and turns back
    as slowly. Turned faster (1 s), the whole picture changes too fast between frames, and it fails
    as a ``discontinuity`` instead.
    Sensor noise and a slow sub-pixel drift keep frames from repeating.
    """

    def __init__(
        self,
        photo: np.ndarray,
        *,
        max_degrees: float = 50.0,
        focal: float = 150.0,
        ramp: float = 2.5,
        hold: float = 0.8,
        reaction: float = 0.45,
        noise: float = 2.0,
        seed: int = 0,
    ) -> None:
        self.photo = photo
        self.max_degrees = max_degrees
        self.focal = focal
        self.ramp = ramp
        self.hold = hold
        self.reaction = reaction
        self.noise = noise
        self._rng = np.random.default_rng(seed)
        self._announcements = Announcements()
        self._turn: tuple[float, float] | None = None  # (start time, signed degrees)
        self._angle_now = 0.0
        self._held_since: float | None = None
        self._last_t: float | None = None

    def _angle(self, t: float) -> float:
        """Turn the card towards the current goal at ``max_degrees / ramp`` degrees a second."""
        dt = 0.0 if self._last_t is None else t - self._last_t
        self._last_t = t
        goal = 0.0
        if self._turn is not None:
            start, target = self._turn
            if t >= start:
                goal = target
                if self._angle_now == target and self._held_since is None:
                    self._held_since = t
                if self._held_since is not None and t - self._held_since >= self.hold:
                    self._turn, self._held_since, goal = None, None, 0.0
        step = self.max_degrees / self.ramp * dt
        self._angle_now = (
            min(goal, self._angle_now + step) if goal > self._angle_now else max(goal, self._angle_now - step)
        )
        return self._angle_now

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        if self._announcements.update(reply, t) and self._announcements.current:
            kind = self._announcements.current["type"]
            # Turning the card's right edge away (positive) lowers the measured yaw: a turn right.
            if kind in ("turn_left", "turn_right"):
                sign = 1.0 if kind == "turn_right" else -1.0
                self._turn = (t + self.reaction, sign * self.max_degrees)
        height, width = self.photo.shape[:2]
        matrix = turn_homography(width, height, self._angle(t), self.focal)
        drift = np.array([[1, 0, 0.6 * math.sin(t)], [0, 1, 0.4 * math.cos(0.7 * t)], [0, 0, 1]])
        frame = cv2.warpPerspective(self.photo, drift @ matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
        return add_sensor_noise(frame, self._rng, self.noise)


class Spliced:
    """``first`` until the server announces challenge ``at_challenge``, then ``second`` (another
    person, or the same person from elsewhere), which sees that announcement and answers it."""

    def __init__(self, first: FrameStream, second: FrameStream, *, at_challenge: int = 0) -> None:
        self.first = first
        self.second = second
        self.at_challenge = at_challenge
        self._switched = False

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        if not self._switched and reply and reply.get("phase") == "challenge":
            challenge = reply.get("challenge")
            if isinstance(challenge, dict) and int(challenge["index"]) >= self.at_challenge:
                self._switched = True
        return (self.second if self._switched else self.first).next_frame(reply, t)


class TwoFaces(Replay):
    """The two-person clip, scaled up to 640 px wide, every frame once, forward and back, with
    sensor noise (so it is not refused as repeated frames first)."""

    CLIP = "sample-videos__head-pose-face-detection-female-and-male.gif"

    def __init__(self, *, noise: float = 2.0, seed: int = 0) -> None:
        clip = load_clip(self.CLIP)
        height, width = clip.frames[0].shape[:2]
        scale = 640 / width
        size = (640, round(height * scale))
        frames = tuple(cv2.resize(f, size, interpolation=cv2.INTER_CUBIC) for f in clip.frames)
        super().__init__(Clip(clip.name, frames, clip.fps), every_frame=True, loop=True)
        self.noise = noise
        self._rng = np.random.default_rng(seed)

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray | None:
        frame = super().next_frame(reply, t)
        return None if frame is None else add_sensor_noise(frame, self._rng, self.noise)
