"""Real clips of real people, decoded for streaming: scaled to fit 640x480, indexed by time.

The clips live in ``$LIVECRED_TESTDATA_DIR/videos`` (see its README: identifiable people, for tests
only); they are read at run time and never copied. ``Clip.at(t)`` is the frame shown ``t`` seconds
into the clip, so a stream resamples a 30 fps clip to its own frame rate by time, as a camera would.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import TESTDATA

__all__ = ["MAX_HEIGHT", "MAX_WIDTH", "VIDEOS", "Clip", "fit_frame", "load_clip"]

VIDEOS = TESTDATA / "videos"
MAX_WIDTH, MAX_HEIGHT = 640, 480


def fit_frame(frame: np.ndarray, width: int = MAX_WIDTH, height: int = MAX_HEIGHT) -> np.ndarray:
    """``frame`` scaled down (never up) to fit ``width`` x ``height``, keeping its aspect ratio."""
    h, w = frame.shape[:2]
    scale = min(1.0, width / w, height / h)
    if scale >= 1.0:
        return frame
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Clip:
    """A decoded clip: BGR uint8 frames (each fits 640x480) at ``fps``."""

    name: str
    frames: tuple[np.ndarray, ...]
    fps: float

    @property
    def duration(self) -> float:
        return len(self.frames) / self.fps

    def index_at(self, t: float) -> int:
        """The index of the frame on screen ``t`` seconds into the clip (clamped to the clip)."""
        return min(len(self.frames) - 1, max(0, int(t * self.fps + 1e-6)))

    def at(self, t: float) -> np.ndarray:
        return self.frames[self.index_at(t)]

    def mirrored(self) -> Clip:
        """The clip flipped left-right: a turn to one side becomes a turn to the other."""
        return Clip(f"{self.name} (mirrored)", tuple(np.ascontiguousarray(f[:, ::-1]) for f in self.frames), self.fps)


def _read_frames(path: Path) -> tuple[list[np.ndarray], float]:
    if path.suffix.lower() == ".gif":
        # OpenCV's GIF reader gives no frame rate; the README measured these at about 12 fps.
        capture = cv2.VideoCapture(str(path))
        fps = 12.0
    else:
        capture = cv2.VideoCapture(str(path))
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(fit_frame(frame))
    finally:
        capture.release()
    if not frames or fps <= 0:
        raise ValueError(f"{path}: no frames or no frame rate (OpenCV could not decode it)")
    return frames, fps


@lru_cache(maxsize=8)
def load_clip(name: str, *, mirror: bool = False) -> Clip:
    """A clip from the shared videos folder by file name, decoded once per test run."""
    if mirror:
        return load_clip(name).mirrored()
    path = VIDEOS / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the shared test clips are missing (LIVECRED_TESTDATA_DIR)")
    frames, fps = _read_frames(path)
    return Clip(name, tuple(frames), fps)
