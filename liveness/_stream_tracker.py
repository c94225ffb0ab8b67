"""Following one face through a take: the mesh of the previous frame places this frame's crop.

MediaPipe tracks a face between video frames the same way: the mesh's own bounding box, levelled
on the eye line and enlarged 1.5x, is the next frame's crop (``roi_from_points``), so a frame
costs one mesh run (~2.5 ms, ~6 ms with the iris refinement) instead of a detection. Detection
(BlazeFace on the whole frame, ~1.8 ms) runs when the mesh loses the face and every
``detect_interval`` seconds, to count the faces in the frame; YuNet (~11 ms at 640x480) only
when BlazeFace finds nothing, at most once per interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from liveness._blazeface import BlazeDetection
from liveness.detect import FaceDetector
from liveness.facemesh import FaceMeshModel, MeshROI, roi_from_detection, roi_from_points
from liveness.mesh import FaceLandmarks

__all__ = ["FaceTracker", "TrackedFrame", "count_faces"]

# The mesh's own crop moved this far (fraction of the crop's side) or changed size this much (log):
# the face moved far since the crop was placed, so the mesh runs again in its own crop. Real
# video between frames 1/15 s apart moves the crop by far less.
REFIT_SHIFT = 0.1
REFIT_SCALE = 0.15


@dataclass(frozen=True, slots=True, eq=False)
class TrackedFrame:
    """The tracked face's mesh (None: no face), and the face count when detection ran."""

    landmarks: FaceLandmarks | None
    faces: int | None  # None: not counted in this frame
    detected: bool  # detection ran in this frame


def count_faces(detections: list[BlazeDetection], tracked: np.ndarray | None, ratio: float) -> int:
    """Faces of meaningful size: detections at least ``ratio`` x the largest face's size, where
    the tracked face (its mesh points) counts even when the detector missed it (a profile)."""
    sizes = [d.size for d in detections]
    if tracked is not None:
        lo, hi = tracked[:, :2].min(axis=0), tracked[:, :2].max(axis=0)
        if not any(_overlaps(d.box, lo, hi) for d in detections):
            sizes.append(float(max(hi - lo)))
    if not sizes:
        return 0
    largest = max(sizes)
    return sum(1 for s in sizes if s >= ratio * largest)


def _overlaps(box: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
    """Does the detection box contain the centre of the mesh's box?"""
    cx, cy = (lo + hi) / 2
    return bool(box[0] <= cx <= box[2] and box[1] <= cy <= box[3])


class FaceTracker:
    """One take's face track. Not thread-safe (one per take); the models it uses are."""

    def __init__(
        self, mesh: FaceMeshModel, detector: FaceDetector, *, detect_interval: float, face_ratio: float
    ) -> None:
        self._mesh = mesh
        self._detector = detector
        self._interval = detect_interval
        self._ratio = face_ratio
        self._roi: MeshROI | None = None
        self._last_detect = -float("inf")
        self._last_fallback = -float("inf")

    def step(self, image: np.ndarray, t: float) -> TrackedFrame:
        faces: int | None = None
        detected = False
        landmarks = None
        if self._roi is not None:
            landmarks = self._landmarks_in(image, self._roi)
        if landmarks is None or t - self._last_detect >= self._interval:
            detected = True
            self._last_detect = t
            detections = self._mesh.detect_faces(image)
            if landmarks is None:
                landmarks = self._from_detections(image, detections, t)
            faces = count_faces(detections, None if landmarks is None else landmarks.points, self._ratio)
        self._roi = None if landmarks is None else roi_from_points(landmarks.points)
        return TrackedFrame(landmarks, faces, detected)

    def _from_detections(self, image: np.ndarray, detections: list[BlazeDetection], t: float) -> FaceLandmarks | None:
        if detections:
            best = detections[0]
            return self._landmarks_in(image, roi_from_detection(best.box, *best.keypoints[:2]))
        if t - self._last_fallback < self._interval:
            return None
        # BlazeFace (short range) misses small or strongly turned faces that YuNet finds.
        self._last_fallback = t
        face = self._detector.detect(image).largest
        if face is None:
            return None
        roi = self._mesh.find_roi(image, face)
        return None if roi is None else self._landmarks_in(image, roi)

    def _landmarks_in(self, image: np.ndarray, roi: MeshROI) -> FaceLandmarks | None:
        """The mesh in ``roi``; run once more in the mesh's own crop when that differs much from
        ``roi`` (the face moved far since the crop was placed: the first fit is off-centre)."""
        landmarks = self._mesh.landmarks_in(image, roi)
        if landmarks is None:
            return None
        own = roi_from_points(landmarks.points)
        moved = math.hypot(own.cx - roi.cx, own.cy - roi.cy) / roi.size
        if moved <= REFIT_SHIFT and abs(math.log(max(own.size, 1e-6) / roi.size)) <= REFIT_SCALE:
            return landmarks
        again = self._mesh.landmarks_in(image, own)
        return again if again is not None else landmarks
