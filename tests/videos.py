"""Real face clips from ``<testdata>/videos`` as a wallet would stream them.

A wallet sends about 10-15 frames a second, at most 640x480; so a clip is subsampled to about
``fps`` frames a second (every n-th decoded frame) and shrunk to fit 640x480, never enlarged.
Each frame comes with its time in the clip (seconds), which tests and benches use as the
server's clock. GIFs decode through OpenCV too. The clips show identifiable people: they are
read from the test-data directory at run time and never copied anywhere.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["TESTDATA", "VIDEOS", "Clip", "fit_frame", "nuaa_takes", "read_clip"]

_SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TESTDATA = Path(os.environ.get("LIVECRED_TESTDATA_DIR") or _SHARED / "testdata").resolve()
VIDEOS = TESTDATA / "videos"
MAX_SIZE = (640, 480)


@dataclass(frozen=True)
class Clip:
    name: str
    fps: float  # the rate of the frames here (after subsampling)
    times: tuple[float, ...]
    frames: tuple[np.ndarray, ...]

    def between(self, start: float, end: float) -> list[int]:
        """Indices of the frames whose time lies in [start, end]."""
        return [i for i, t in enumerate(self.times) if start <= t <= end]


def fit_frame(frame: np.ndarray, size: tuple[int, int] = MAX_SIZE) -> np.ndarray:
    """Shrink ``frame`` (keeping its aspect ratio) to fit ``size`` (width, height)."""
    h, w = frame.shape[:2]
    scale = min(1.0, size[0] / w, size[1] / h)
    if scale >= 1.0:
        return frame
    return cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def _native_fps(capture: cv2.VideoCapture, name: str) -> float:
    fps = float(capture.get(cv2.CAP_PROP_FPS))
    if name.endswith(".gif") or not 1.0 <= fps <= 120.0:
        return 12.0  # the sample GIFs run at about 12 fps; OpenCV does not report a GIF's delays
    return fps


def read_clip(name: str, *, fps: float = 12.0, mirror: bool = False, limit: float | None = None) -> Clip:
    """The frames of ``videos/<name>`` at about ``fps`` (BGR uint8), shrunk to fit 640x480;
    ``mirror`` flips them left-right (a turn to the other side); ``limit`` stops at that time."""
    path = VIDEOS / name
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise FileNotFoundError(path)
    native = _native_fps(capture, name)
    step = max(1, round(native / fps))
    times: list[float] = []
    frames: list[np.ndarray] = []
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            t = index / native
            if limit is not None and t > limit:
                break
            if index % step == 0:
                frame = fit_frame(frame)
                frames.append(np.ascontiguousarray(frame[:, ::-1]) if mirror else frame)
                times.append(t)
            index += 1
    finally:
        capture.release()
    return Clip(name, native / step, tuple(times), tuple(frames))


def nuaa_takes(fps: float = 10.0) -> dict[tuple[str, str], Clip]:
    """NUAA frames as pseudo-takes: one per (label, identity), frames in their capture order
    (the number at the end of the file name) and timed at ``fps``. The frames are samples of a
    webcam recording, not consecutive frames: motion between them is not a face's motion."""
    folder = TESTDATA / "nuaa_antispoof"
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (folder / "labels.csv").open() as fh:
        for row in csv.DictReader(fh):
            groups[(row["label"], row["identity"])].append(row["file"])
    takes = {}
    for key, files in sorted(groups.items()):
        files.sort(key=lambda f: int(Path(f).stem.rsplit("_", 1)[1]))
        frames = tuple(cv2.imread(str(folder / f), cv2.IMREAD_COLOR) for f in files)
        takes[key] = Clip(f"nuaa {key[0]} {key[1]}", fps, tuple(i / fps for i in range(len(files))), frames)
    return takes
