"""3D parallax from the image itself: the face's points followed by optical flow through a turn.

The mesh cannot judge parallax alone: it is a learned model, and on a photo warped past ~20
degrees it places the nose where a turned head would have it (a misfit just before it loses the
face), parallax included. Optical flow has no such prior: pyramidal Lucas-Kanade follows the
image patches around the mesh's points from frame to frame, so on a flat picture, however
warped, the followed points stay on one homography, and on a turning head the nose patch moves
against the cheeks and eye corners.

The points start at the mesh of the latest near-frontal frame (the anchor: within
``reseed_yaw`` of the reference), are followed frame to frame (a forward-backward check drops
lost points), and on each frame turned at least ``parallax_min_turn`` from the reference the
nose's residual from the least-squares homography of the anchor's points onto the followed ones
is measured (its length, in inter-ocular distances: ``nose_parallax``). A turn that also nods
(real heads do) moves the nose off the homography partly across the eye line, so the whole
residual counts, not only its component along the eye line.
"""

from __future__ import annotations

import cv2
import numpy as np

from liveness._stream_signals import PARALLAX_POINTS, parallax_points

__all__ = ["PointFlow", "nose_parallax"]

_NOSE = PARALLAX_POINTS.index(1)
_WINDOW = (15, 15)  # Lucas-Kanade patch, pixels
_LEVELS = 2  # pyramid levels above the full crop
_STOP = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)
CROP = 160  # side of the window the flow runs on (the face's points span about half of it)
MAX_BACKTRACK = 1.0  # px of that window: forward-backward error above which a point is lost
MIN_POINTS = 12  # followed points needed, the nose among them


def nose_parallax(anchor: np.ndarray, followed: np.ndarray, alive: np.ndarray, yaw_change: float) -> float | None:
    """The length of the nose's residual from the homography anchor -> followed (alive points
    only), over the anchor's inter-ocular distance; None when too few points were followed."""
    if not alive[_NOSE] or int(alive.sum()) < MIN_POINTS:
        return None
    src, dst = anchor[alive].astype(np.float64), followed[alive].astype(np.float64)
    matrix, _ = cv2.findHomography(src, dst, 0)
    if matrix is None:
        return None
    projected = cv2.perspectiveTransform(anchor[_NOSE].reshape(1, 1, 2).astype(np.float64), matrix).reshape(2)
    iod = float(np.linalg.norm(anchor[2:4].mean(axis=0) - anchor[0:2].mean(axis=0)))  # eye corners
    if iod < 1e-6:
        return None
    return float(np.linalg.norm(followed[_NOSE].astype(np.float64) - projected)) / iod


class PointFlow:
    """Follows the anchor's points through one take (not thread-safe)."""

    def __init__(self, reseed_yaw: float, min_turn: float) -> None:
        self._reseed = reseed_yaw
        self._min_turn = min_turn
        self._previous: np.ndarray | None = None  # grey crop of the previous frame
        self._window = (0, 0, 0)  # the crop: left, top, side (image pixels), fixed at the anchor
        self._anchor: np.ndarray | None = None
        self._points: np.ndarray | None = None
        self._alive: np.ndarray | None = None

    def update(self, image: np.ndarray, points: np.ndarray | None, yaw_change: float | None) -> float | None:
        """Follow the points into ``image`` (the mesh ``points`` and the yaw change from the
        reference; None without a face or a reference). The parallax when this frame is turned."""
        if points is None or yaw_change is None:
            self._previous = self._anchor = self._points = self._alive = None
            return None
        if abs(yaw_change) <= self._reseed or self._anchor is None or self._previous is None:
            self._anchor = parallax_points(points)
            self._points = self._anchor.copy()
            self._alive = np.ones(len(self._anchor), bool)
            lo, hi = self._anchor.min(axis=0), self._anchor.max(axis=0)
            side = float(max(hi - lo))
            left, top = (lo + hi) / 2 - side
            self._window = (max(0, int(left)), max(0, int(top)), int(2 * side) + 1)
            self._previous = self._crop(image)
            return None
        assert self._points is not None and self._alive is not None
        current = self._crop(image)
        origin = np.array(self._window[:2], np.float32)
        scale = CROP / self._window[2]
        moved, ok = _follow(self._previous, current, (self._points - origin) * scale)
        self._points = moved / scale + origin
        self._alive &= ok
        self._previous = current
        if abs(yaw_change) < self._min_turn:
            return None
        return nose_parallax(self._anchor, self._points, self._alive, yaw_change)

    def _crop(self, image: np.ndarray) -> np.ndarray:
        """The grey window around the anchor's face (twice its size), the same in every frame,
        scaled to CROP x CROP: the flow then sees the same face size (and the same motion in
        pixels) whether the face fills a 640x480 frame or a quarter of it. Outside the frame is
        black, so the window keeps its shape at the edges."""
        left, top, side = self._window
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        square = np.zeros((side, side), np.uint8)
        crop = grey[top : top + side, left : left + side]
        square[: crop.shape[0], : crop.shape[1]] = crop
        return cv2.resize(square, (CROP, CROP), interpolation=cv2.INTER_AREA)


def _follow(previous: np.ndarray, current: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pyramidal Lucas-Kanade with a forward-backward check; (new points, which were followed)."""
    if previous.shape != current.shape or previous.size == 0:
        return points, np.zeros(len(points), bool)
    start = points.reshape(-1, 1, 2).astype(np.float32)
    # The output arrays start as copies of the input points: OpenCV may read nextPts as the
    # initial guess, and an uninitialised array (np.empty_like) made the flow start from garbage.
    forward, ok_f, _ = cv2.calcOpticalFlowPyrLK(
        previous, current, start, start.copy(), winSize=_WINDOW, maxLevel=_LEVELS, criteria=_STOP
    )
    back, ok_b, _ = cv2.calcOpticalFlowPyrLK(
        current, previous, forward, forward.copy(), winSize=_WINDOW, maxLevel=_LEVELS, criteria=_STOP
    )
    error = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
    ok = (ok_f.reshape(-1) == 1) & (ok_b.reshape(-1) == 1) & (error < MAX_BACKTRACK)
    return forward.reshape(-1, 2), ok
