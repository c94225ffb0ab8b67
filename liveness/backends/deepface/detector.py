"""DeepFace's face detectors behind livecred's :class:`~liveness.detect.FaceDetector`.

``DeepFaceDetector(name, models_dir)`` runs DeepFace's own detector client (``yunet``, ``opencv``,
``retinaface``, ``mtcnn``) and turns each ``FacialAreaRegion`` into a livecred :class:`Face`.

Landmarks. livecred's faces carry five points (right eye, left eye, nose tip, right and left mouth
corner; "right" is the subject's right), which the default embedder aligns to the ArcFace template.
DeepFace's ``retinaface`` gives all five and they are used as they are. ``yunet``, ``mtcnn`` (as
DeepFace wraps them) and ``opencv`` give the eyes only: the nose and mouth corners are then placed where
the ArcFace template puts them relative to those eyes (the similarity transform that takes the
template's eyes onto the detected eyes, applied to the template's other three points), so a 5-point
alignment of such a face reduces to the eye-based alignment DeepFace itself does. Where even the
eyes are missing (OpenCV's eye cascade finds fewer than two), all five come from the template
scaled into the box. DeepFace's own embedders use only the box and the eyes (:mod:`.recognition`).

Scores: DeepFace's confidence where it is a probability; OpenCV's cascade gives
``(100 - level weight) / 100``, which is not one, and is clipped to [0, 1]. Faces come largest first,
as the engine expects. ``detect`` is serialised per detector: DeepFace's clients keep state
(OpenCV's ``setInputSize``). retina-face keeps one model per process (a module global), so a second
``retinaface`` detector in the same process reuses the first one's weights.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from liveness.backends.deepface._runtime import DeepFaceUnavailable, require_deepface, served_weights
from liveness.backends.deepface.weights import WeightFiles, weights_for
from liveness.embed import ARCFACE_TEMPLATE, similarity_transform
from liveness.types import BoundingBox, DetectionResult, Face

__all__ = ["DETECTORS", "DeepFaceDetector", "five_points", "template_landmarks"]

# livecred name -> DeepFace client class
DETECTORS: dict[str, str] = {
    "yunet": "deepface.models.face_detection.YuNet.YuNetClient",
    "opencv": "deepface.models.face_detection.OpenCv.OpenCvClient",
    "retinaface": "deepface.models.face_detection.RetinaFace.RetinaFaceClient",
    "mtcnn": "deepface.models.face_detection.MtCnn.MtCnnClient",
}
_KERAS_DETECTORS = frozenset({"retinaface", "mtcnn"})

Point = tuple[float, float]


def template_landmarks(right_eye: Point, left_eye: Point) -> tuple[Point, ...]:
    """Five points from two eyes: the ArcFace template mapped so its eyes land on these."""
    matrix = similarity_transform(ARCFACE_TEMPLATE[:2], np.array([right_eye, left_eye], dtype=np.float64))
    points = np.hstack([ARCFACE_TEMPLATE.astype(np.float64), np.ones((5, 1))]) @ matrix.T
    return (right_eye, left_eye, *((float(x), float(y)) for x, y in points[2:]))


def _box_landmarks(box: BoundingBox) -> tuple[Point, ...]:
    scale_x, scale_y = box.width / 112.0, box.height / 112.0
    return tuple((box.x + float(x) * scale_x, box.y + float(y) * scale_y) for x, y in ARCFACE_TEMPLATE)


def five_points(region: Any, box: BoundingBox) -> tuple[Point, ...]:
    """livecred's five landmarks from a DeepFace ``FacialAreaRegion`` (see the module docstring)."""

    def point(value: Any) -> Point | None:
        return None if value is None else (float(value[0]), float(value[1]))

    right, left = point(region.right_eye), point(region.left_eye)
    nose, mouth_right, mouth_left = point(region.nose), point(region.mouth_right), point(region.mouth_left)
    if right is None or left is None:
        return _box_landmarks(box)
    if nose is not None and mouth_right is not None and mouth_left is not None:
        return (right, left, nose, mouth_right, mouth_left)
    return template_landmarks(right, left)


def _class(path: str) -> Any:
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _cv2_ships(file_name: str) -> bool:
    import cv2

    return os.path.isfile(os.path.join(os.path.dirname(cv2.__file__), "data", file_name))


class DeepFaceDetector:
    """A DeepFace face detector as a livecred ``FaceDetector``; ``detect`` is thread-safe."""

    def __init__(self, name: str, models_dir: Path | str) -> None:
        if name not in DETECTORS:
            raise ValueError(f"unknown DeepFace detector {name!r}; one of {', '.join(sorted(DETECTORS))}")
        self.name = name
        require_deepface(keras=name in _KERAS_DETECTORS)
        files = WeightFiles(models_dir)
        # OpenCV 4 wheels ship the Haar cascades and DeepFace then reads them from there.
        needed = [w for w in weights_for(name) if not (name == "opencv" and _cv2_ships(w.name))]
        files.require_files(needed)
        with served_weights(files, needed):
            try:
                self._client = _class(DETECTORS[name])()
            except ValueError as exc:  # DeepFace's word for a missing package or an unusable file
                raise DeepFaceUnavailable(f"DeepFace's {name} detector cannot start: {exc}", missing=[name]) from None
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray) -> DetectionResult:
        height, width = image.shape[:2]
        with self._lock:
            regions = self._client.detect_faces(np.ascontiguousarray(image))
        faces = [face for face in (self._to_face(r, width, height) for r in regions) if face is not None]
        faces.sort(key=lambda f: f.box.area, reverse=True)
        return DetectionResult(faces=tuple(faces), image_width=width, image_height=height)

    @staticmethod
    def _to_face(region: Any, width: int, height: int) -> Face | None:
        x1, y1 = max(0.0, float(region.x)), max(0.0, float(region.y))
        x2, y2 = min(float(width), float(region.x + region.w)), min(float(height), float(region.y + region.h))
        if x2 <= x1 or y2 <= y1:
            return None
        box = BoundingBox(x1, y1, x2 - x1, y2 - y1)
        score = float(np.clip(region.confidence if region.confidence is not None else 0.0, 0.0, 1.0))
        return Face(box=box, landmarks=five_points(region, box), score=score)
