"""A fake camera for Chromium: a Y4M video (4:2:0) built from real face photos.

Chromium plays ``--use-file-for-fake-video-capture`` in a loop in real time, and the page cannot be
synchronised with it, so the video cycles through every state the session needs (neutral, smile,
head turned, eyes closed) and each burst the page takes spans a whole cycle. With the page's timing
(baseline: 5 frames 300 ms apart; each challenge: 8 frames 200 ms apart) a state is always caught
when it lasts longer than the gap between frames and a cycle is shorter than a burst plus one
state; see ``CYCLE``.

Each 250x250 LFW photo is scaled to the frame's full height (480 px) and centred on a plain
background. A smaller face (400 px) leaves a border around the photo inside the anti-spoofing
crops, and MiniFASNet then calls the turned and eyes-closed frames spoofs (P(real) 0.03-0.45).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import TESTDATA

WIDTH, HEIGHT, FPS = 640, 480, 20
FACES = TESTDATA / "lfw_pairs" / "images" / "Hugo_Chavez"
NEUTRAL, SMILE, TURN_RIGHT, EYES_CLOSED = (
    "Hugo_Chavez_0002.jpg",
    "Hugo_Chavez_0041.jpg",
    "Hugo_Chavez_0033.jpg",
    "Hugo_Chavez_0050.jpg",
)
ID_PHOTO = FACES / "Hugo_Chavez_0036.jpg"
# (photo, frames at FPS): 0.45 s neutral, then 0.35 s of each action; a 1.5 s cycle. Frames are
# 0.3 s apart in the baseline burst (< 0.45 s) and 0.2 s apart in a challenge burst (< 0.35 s);
# bursts last 1.2 s + 0.45 s and 1.4 s + 0.35 s, both longer than the cycle.
CYCLE: tuple[tuple[str, int], ...] = ((NEUTRAL, 9), (SMILE, 7), (TURN_RIGHT, 7), (EYES_CLOSED, 7))


def face_frame(photo: Path, *, background: int = 128) -> np.ndarray:
    """The photo scaled to the frame's height, centred on a plain background; RGB uint8."""
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(photo)
    side = HEIGHT
    face = cv2.resize(image, (side, side), interpolation=cv2.INTER_CUBIC)
    frame = np.full((HEIGHT, WIDTH, 3), background, dtype=np.uint8)
    x0 = (WIDTH - side) // 2
    frame[:, x0 : x0 + side] = face
    return np.ascontiguousarray(frame[:, :, ::-1])


def rgb_to_i420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited range (what Chromium assumes for a Y4M file); chroma averaged over 2x2."""
    r, g, b = (rgb[:, :, i].astype(np.float64) for i in range(3))
    y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0
    cb = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0
    cr = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0

    def half(plane: np.ndarray) -> np.ndarray:
        h, w = plane.shape
        return plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    def u8(plane: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(plane), 0, 255).astype(np.uint8)

    return u8(y), u8(half(cb)), u8(half(cr))


def i420_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The inverse of :func:`rgb_to_i420` (chroma repeated over 2x2), as a player shows it."""
    luma = (y.astype(np.float64) - 16.0) * (255.0 / 219.0)
    cb = np.repeat(np.repeat(u.astype(np.float64) - 128.0, 2, axis=0), 2, axis=1) * (255.0 / 224.0)
    cr = np.repeat(np.repeat(v.astype(np.float64) - 128.0, 2, axis=0), 2, axis=1) * (255.0 / 224.0)
    r = luma + 1.402 * cr
    g = luma - 0.344136 * cb - 0.714136 * cr
    b = luma + 1.772 * cb
    return np.clip(np.rint(np.dstack([r, g, b])), 0, 255).astype(np.uint8)


def write_y4m(path: Path, frames: Iterable[np.ndarray], *, fps: int = FPS) -> int:
    """Write RGB frames (all one size, even sides) as a 4:2:0 Y4M file; returns the frame count."""
    count = 0
    with path.open("wb") as out:
        for frame in frames:
            height, width = frame.shape[:2]
            if count == 0:
                if width % 2 or height % 2:
                    raise ValueError("4:2:0 needs even frame sides")
                out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
                size = (height, width)
            elif (height, width) != size:
                raise ValueError("all frames must have one size")
            out.write(b"FRAME\n")
            for plane in rgb_to_i420(frame):
                out.write(plane.tobytes())
            count += 1
    return count


def read_y4m(path: Path) -> list[np.ndarray]:
    """The frames of a file :func:`write_y4m` wrote, as RGB."""
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    fields = {part[:1]: part[1:] for part in header.split(b" ")[1:]}
    width, height = int(fields[b"W"]), int(fields[b"H"])
    luma, chroma = width * height, (width // 2) * (height // 2)
    frames, offset = [], 0
    while offset < len(body):
        if body[offset : offset + 6] != b"FRAME\n":
            raise ValueError(f"no FRAME marker at byte {offset}")
        offset += 6
        planes = np.frombuffer(body, np.uint8, luma + 2 * chroma, offset)
        offset += luma + 2 * chroma
        y = planes[:luma].reshape(height, width)
        u = planes[luma : luma + chroma].reshape(height // 2, width // 2)
        v = planes[luma + chroma :].reshape(height // 2, width // 2)
        frames.append(i420_to_rgb(y, u, v))
    return frames


def cycle_frames(cycle: Sequence[tuple[str, int]] = CYCLE) -> list[np.ndarray]:
    """One cycle of the fake camera's frames (RGB)."""
    frames = []
    for photo, count in cycle:
        frame = face_frame(FACES / photo)
        frames.extend([frame] * count)
    return frames


def write_fake_camera(path: Path) -> Path:
    write_y4m(path, cycle_frames())
    return path
