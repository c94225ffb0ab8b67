"""MediaPipe Face Mesh (468 points) with its own detector and iris refinement, on LiteRT.

The mesh is only as good as its crop, so the crop is MediaPipe's own region of interest
(``face_detection_front_detection_to_roi``): the BlazeFace box centre, rotated so that the eye
keypoints lie level, square on the box's long side, enlarged 1.5x, sampled to 192 x 192
(bilinear, edges replicated). The points are projected back through the same rectangle. With
this crop the landmarks reproduce MediaPipe 0.10.21's FaceMesh within 1.33 px (0.75% of the
inter-ocular distance) on the test images (``bench/mesh_parity.py``).

Where the face comes from:

* ``landmarks(image)``: BlazeFace on the whole frame (letterboxed), the largest face. This is
  the cheap path for bursts of camera frames.
* ``landmarks(image, face)``: the BlazeFace detection that overlaps a face another detector
  found (YuNet: the face the engine already chose), from the whole frame, or else from a square
  window around that face (a small face in a large photo). If BlazeFace misses it, the crop
  starts from that face's box and eyes and is then re-derived once from the mesh's own points,
  as MediaPipe does when it tracks a face between video frames.

Eyes: MediaPipe's iris model re-fits the 16-point eyelid contour of each eye on a 64 x 64 crop
(eye corners, x2.3; the model knows left eyes only, so the right-eye crop is mirrored). It
separates closed from open eyes far better than the mesh alone: on the shared eye-state images
the eye aspect ratio falls from 0.31 to 0.07 with it and only from 0.30 to 0.22 without.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

from liveness._blazeface import BlazeDetection, BlazeFace
from liveness.mesh import LEFT_EYE_CONTOUR, RIGHT_EYE_CONTOUR, FaceLandmarks
from liveness.models.litert import TFLiteModel
from liveness.types import Face

if TYPE_CHECKING:
    from liveness.timing import InferenceObserver

__all__ = ["FaceMeshConfig", "FaceMeshModel", "Landmarker", "MeshROI", "roi_from_detection", "roi_from_points"]

MESH_INPUT = 192
IRIS_INPUT = 64
NUM_POINTS = 468


class Landmarker(Protocol):
    def landmarks(
        self, image: np.ndarray, face: Face | None = None, *, refine_eyes: bool = True
    ) -> FaceLandmarks | None: ...


@dataclass(frozen=True, slots=True)
class MeshROI:
    """A rotated square in image pixels: centre, side and rotation (radians, clockwise in the image)."""

    cx: float
    cy: float
    size: float
    rotation: float

    def to_crop(self, out: int) -> np.ndarray:
        """2 x 3 affine matrix taking image pixels into an ``out`` x ``out`` crop of this square."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        k = out / self.size
        # Inverse of: image = centre + R(rotation) @ ((crop / k) - size / 2)
        return np.array(
            [
                [c * k, s * k, out / 2 - k * (c * self.cx + s * self.cy)],
                [-s * k, c * k, out / 2 - k * (-s * self.cx + c * self.cy)],
            ]
        )

    def project(self, normalised: np.ndarray) -> np.ndarray:
        """Points given as fractions of the crop (x, y[, z]) -> image pixels (z scaled like x)."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        x = normalised[:, 0] - 0.5
        y = normalised[:, 1] - 0.5
        out = [self.cx + self.size * (c * x - s * y), self.cy + self.size * (s * x + c * y)]
        if normalised.shape[1] > 2:
            out.append(normalised[:, 2] * self.size)
        return np.stack(out, axis=1).astype(np.float32)


def _rotation(start: np.ndarray, end: np.ndarray) -> float:
    """The angle that levels the vector start -> end (MediaPipe's DetectionsToRects, target 0)."""
    return math.atan2(float(end[1] - start[1]), float(end[0] - start[0]))


def roi_from_detection(box: np.ndarray, right_eye: np.ndarray, left_eye: np.ndarray, scale: float = 1.5) -> MeshROI:
    """MediaPipe's face-mesh crop from a detection: box centre, eye-line rotation, long side x ``scale``."""
    side = max(float(box[2] - box[0]), float(box[3] - box[1])) * scale
    return MeshROI(float(box[0] + box[2]) / 2, float(box[1] + box[3]) / 2, side, _rotation(right_eye, left_eye))


def roi_from_points(points: np.ndarray, scale: float = 1.5) -> MeshROI:
    """MediaPipe's tracking crop: the bounding box of the mesh, rotation from eye corner 33 to 263."""
    lo, hi = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    box = np.concatenate([lo, hi])
    return roi_from_detection(box, points[33, :2], points[263, :2], scale)


@dataclass(frozen=True, slots=True)
class FaceMeshConfig:
    detection_window: float = 2.5  # BlazeFace window around a given face, x its long side
    min_overlap: float = 0.3  # IoU with the given face for a BlazeFace detection to be its
    min_presence: float = 0.5  # the mesh's own face-presence probability


class FaceMeshModel:
    """BlazeFace + face mesh + iris refinement. ``landmarks`` is thread-safe."""

    def __init__(
        self,
        detector: bytes,
        mesh: bytes,
        iris: bytes | None,
        *,
        config: FaceMeshConfig | None = None,
        pool_size: int = 8,
        observer: InferenceObserver | None = None,
    ) -> None:
        self.config = config or FaceMeshConfig()
        on_run = None if observer is None else functools.partial(observer, "mesh")
        self._detector = BlazeFace(TFLiteModel(detector, pool_size=pool_size, on_run=on_run))
        self._mesh = TFLiteModel(mesh, pool_size=pool_size, on_run=on_run)
        self._iris = TFLiteModel(iris, pool_size=pool_size, on_run=on_run) if iris is not None else None

    # --- where the face is -------------------------------------------------------------------

    def find_roi(self, image: np.ndarray, face: Face | None = None) -> MeshROI | None:
        """The mesh crop for the largest face, or for ``face``; None when there is no face."""
        found = self.detect_faces(image)
        if face is None:
            return roi_from_detection(found[0].box, *found[0].keypoints[:2]) if found else None
        box = face.box
        target = np.array([box.x, box.y, box.x + box.width, box.y + box.height])
        best = _best_overlap(found, target, self.config.min_overlap)
        if best is None:
            # A face small in a large image: look again in a window around it.
            side = max(box.width, box.height) * self.config.detection_window
            found = self._detector.detect(image, (box.x + box.width / 2, box.y + box.height / 2), side)
            best = _best_overlap(found, target, self.config.min_overlap)
        if best is not None:
            return roi_from_detection(best.box, *best.keypoints[:2])
        # BlazeFace missed it: start from the given face, then let the mesh place its own crop.
        eyes = face.landmarks_array()
        first = roi_from_detection(target, eyes[0], eyes[1])
        points, presence = self._run_mesh(image, first)
        return roi_from_points(points) if presence >= self.config.min_presence else None

    def detect_faces(self, image: np.ndarray) -> list[BlazeDetection]:
        """BlazeFace on the whole frame (letterboxed): every face, largest first."""
        h, w = image.shape[:2]
        return self._detector.detect(image, (w / 2, h / 2), float(max(w, h)))

    # --- landmarks ----------------------------------------------------------------------------

    def landmarks(
        self, image: np.ndarray, face: Face | None = None, *, refine_eyes: bool = True
    ) -> FaceLandmarks | None:
        """The mesh of the largest face (or of ``face``); None when no face is found.

        ``refine_eyes`` runs the iris model on both eyes (about 1.4 ms each): wanted wherever
        the eye aspect ratio matters, skipped where it does not (a smile).
        """
        roi = self.find_roi(image, face)
        return None if roi is None else self.landmarks_in(image, roi, refine_eyes=refine_eyes)

    def landmarks_in(self, image: np.ndarray, roi: MeshROI, *, refine_eyes: bool = True) -> FaceLandmarks | None:
        """The mesh inside a known crop; None when the mesh model says there is no face in it."""
        points, presence = self._run_mesh(image, roi)
        if presence < self.config.min_presence:
            return None
        refine = refine_eyes and self._iris is not None
        if refine:
            right = self._eye_contour(image, points[33, :2], points[133, :2], mirrored=False)
            left = self._eye_contour(image, points[362, :2], points[263, :2], mirrored=True)
        else:
            right, left = points[list(RIGHT_EYE_CONTOUR), :2], points[list(LEFT_EYE_CONTOUR), :2]
        return FaceLandmarks(points=points, right_eye=right, left_eye=left, presence=presence, eyes_refined=refine)

    def _run_mesh(self, image: np.ndarray, roi: MeshROI) -> tuple[np.ndarray, float]:
        outputs = self._mesh.run(_rgb_unit(_crop(image, roi, MESH_INPUT)))
        raw = outputs["conv2d_21"].reshape(NUM_POINTS, 3) / MESH_INPUT
        presence = 1.0 / (1.0 + math.exp(-float(np.clip(outputs["conv2d_31"].reshape(-1)[0], -60.0, 60.0))))
        return roi.project(raw), presence

    def _eye_contour(self, image: np.ndarray, start: np.ndarray, end: np.ndarray, *, mirrored: bool) -> np.ndarray:
        """The iris model's 16-point eyelid contour for the eye whose corners are ``start`` (image
        left) and ``end``."""
        assert self._iris is not None
        centre = (start + end) / 2
        side = max(abs(float(end[0] - start[0])), abs(float(end[1] - start[1]))) * 2.3
        roi = MeshROI(float(centre[0]), float(centre[1]), max(side, 1.0), _rotation(start, end))
        crop = _crop(image, roi, IRIS_INPUT)
        if mirrored:
            crop = cv2.flip(crop, 1)
        outputs = self._iris.run(_rgb_unit(crop))
        contour = outputs["output_eyes_contours_and_brows"].reshape(71, 3)[:16, :2] / IRIS_INPUT
        if mirrored:
            contour[:, 0] = 1.0 - contour[:, 0]
        return roi.project(contour)


def _crop(image: np.ndarray, roi: MeshROI, out: int) -> np.ndarray:
    return cv2.warpAffine(image, roi.to_crop(out), (out, out), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _rgb_unit(crop: np.ndarray) -> np.ndarray:
    """BGR uint8 crop -> 1 x H x W x 3 float32 RGB in [0, 1]. (Slicing the channels backwards and
    then converting took 0.7 ms for a 192 x 192 crop; this takes 0.03 ms.)"""
    tensor = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32)
    tensor *= 1.0 / 255.0
    return tensor[None]


def _best_overlap(found: list[BlazeDetection], target: np.ndarray, min_iou: float) -> BlazeDetection | None:
    best, best_iou = None, min_iou
    for det in found:
        iw = max(0.0, min(det.box[2], target[2]) - max(det.box[0], target[0]))
        ih = max(0.0, min(det.box[3], target[3]) - max(det.box[1], target[1]))
        inter = iw * ih
        union = (det.box[2] - det.box[0]) * (det.box[3] - det.box[1]) + (target[2] - target[0]) * (
            target[3] - target[1]
        )
        iou = inter / max(float(union - inter), 1e-9)
        if iou >= best_iou:
            best, best_iou = det, iou
    return best
