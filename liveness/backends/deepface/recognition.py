"""DeepFace's recognition models behind livecred's :class:`~liveness.embed.FaceEmbedder`.

``DeepFaceEmbedder(model, models_dir)`` builds DeepFace's own Keras model (``Facenet``, ``Facenet512``,
``ArcFace``, ``VGG-Face``) from the verified weight file and embeds a livecred :class:`Face` the way
``DeepFace.represent`` does with ``align=True``: the face box and the two eyes go through DeepFace's
``extract_face`` (the face region rotated so the eyes are level, then cropped to the box), the crop
through ``resize_image`` (letterboxed to the model's input, scaled to [0, 1], BGR) and
``normalize_input`` with the model's normalisation (``base`` by default, DeepFace's default, with
which its thresholds were tuned), then the model's ``forward``. The vector is L2-normalised.

Confidence. livecred reports a match as ``confidence = -log10(FAR) / 6`` through a
:class:`ConfidenceMapping` of cosine similarity; the default match confidence is 0.6667 (FAR 1e-4),
reached by MobileFaceNet at cosine 0.4128. DeepFace publishes one tuned operating point per model,
a cosine *distance* threshold (``deepface/config/threshold.py``): Facenet 0.40, Facenet512 0.30,
ArcFace 0.68, VGG-Face 0.68, i.e. "same person" at cosine similarity >= 1 - threshold. Each model's
mapping (:func:`deepface_mapping`) moves MobileFaceNet's measured knots by the piecewise-linear map
of [-1, 1] onto itself that takes 0.4128 to that similarity, so DeepFace's own threshold lands exactly
on livecred's default confidence and the scale stays monotone. Only that one point is DeepFace's
calibration; the other knots are borrowed and stand for a FAR only after ``bench/accuracy`` has
re-measured them with the real weights (docs/deepface.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from liveness._exceptions import FaceNotFound, ModelUnavailable
from liveness.backends.deepface._runtime import require_deepface, served_weights
from liveness.backends.deepface.weights import WeightFiles, weights_for
from liveness.embed import ConfidenceMapping, operating_point_confidence
from liveness.types import Face

__all__ = ["RECOGNITION_MODELS", "DeepFaceEmbedder", "RecognitionModel", "deepface_mapping", "deepface_region"]


@dataclass(frozen=True, slots=True)
class RecognitionModel:
    """A DeepFace recognition model as livecred uses it."""

    name: str
    client: str  # DeepFace's TensorFlow client class
    dimension: int
    input_size: int  # square input, pixels
    cosine_distance_threshold: float  # DeepFace's tuned "same person" threshold (cosine distance)
    normalization: str = "base"

    @property
    def min_cosine(self) -> float:
        return 1.0 - self.cosine_distance_threshold

    @property
    def mapping(self) -> ConfidenceMapping:
        return deepface_mapping(self.min_cosine)


_TF = "deepface.models.facial_recognition.tf"
RECOGNITION_MODELS: dict[str, RecognitionModel] = {
    m.name: m
    for m in (
        RecognitionModel("Facenet", f"{_TF}.Facenet.FaceNet128dClient", 128, 160, 0.40),
        RecognitionModel("Facenet512", f"{_TF}.Facenet.FaceNet512dClient", 512, 160, 0.30),
        RecognitionModel("ArcFace", f"{_TF}.ArcFace.ArcFaceClient", 512, 112, 0.68),
        RecognitionModel("VGG-Face", f"{_TF}.VGGFace.VggFaceClient", 4096, 224, 0.68),
    )
}


def deepface_mapping(min_cosine: float, base: ConfidenceMapping | None = None) -> ConfidenceMapping:
    """``base``'s knots moved so that the default confidence falls at cosine ``min_cosine``."""
    if not -1.0 < min_cosine < 1.0:
        raise ValueError("a cosine threshold lies strictly between -1 and 1")
    base = base or ConfidenceMapping()
    anchor = base.cosine_for(operating_point_confidence("default"))

    def move(c: float) -> float:
        if c <= anchor:
            return -1.0 + (c + 1.0) * (min_cosine + 1.0) / (anchor + 1.0)
        return min_cosine + (c - anchor) * (1.0 - min_cosine) / (1.0 - anchor)

    return ConfidenceMapping(cosines=tuple(round(move(c), 6) for c in base.cosines), confidences=base.confidences)


def deepface_region(face: Face, offset: tuple[int, int] = (0, 0)) -> Any:
    """A DeepFace ``FacialAreaRegion`` (box and eyes, integer pixels) for a livecred face."""
    from deepface.models.Detector import FacialAreaRegion

    dx, dy = offset
    right, left = face.landmarks[0], face.landmarks[1]
    return FacialAreaRegion(
        x=round(face.box.x) + dx,
        y=round(face.box.y) + dy,
        w=max(1, round(face.box.width)),
        h=max(1, round(face.box.height)),
        left_eye=(round(left[0]) + dx, round(left[1]) + dy),
        right_eye=(round(right[0]) + dx, round(right[1]) + dy),
        confidence=face.score,
    )


def aligned_crop(image: np.ndarray, face: Face) -> np.ndarray:
    """DeepFace's aligned face crop (BGR uint8), as ``extract_faces(align=True)`` makes it.

    DeepFace pads the whole image by half its size before aligning; the same result comes from a
    window of three box sizes around the face, padded by half the window.
    """
    import cv2
    from deepface.modules import detection

    height, width = image.shape[:2]
    box = face.box
    x0 = max(0, int(box.x - box.width))
    y0 = max(0, int(box.y - box.height))
    x1 = min(width, int(box.x + 2 * box.width) + 1)
    y1 = min(height, int(box.y + 2 * box.height) + 1)
    window = image[y0:y1, x0:x1]
    border_h, border_w = int(0.5 * window.shape[0]), int(0.5 * window.shape[1])
    padded = cv2.copyMakeBorder(window, border_h, border_h, border_w, border_w, cv2.BORDER_CONSTANT, value=[0, 0, 0])
    region = deepface_region(face, offset=(border_w - x0, border_h - y0))
    extracted = detection.extract_face(
        facial_area=region,
        img=padded,
        align=True,
        expand_percentage=0,
        width_border=border_w,
        height_border=border_h,
        detector_backend="opencv",  # the eyes are given: no fallback eye search
    )
    crop: np.ndarray = extracted.img
    if crop.size == 0:
        raise FaceNotFound("the face box holds no pixels")
    return crop


class DeepFaceEmbedder:
    """A DeepFace recognition model as a livecred ``FaceEmbedder``; ``embed`` is thread-safe."""

    def __init__(self, model: str, models_dir: Path | str, *, normalization: str | None = None) -> None:
        if model not in RECOGNITION_MODELS:
            raise ValueError(f"unknown DeepFace recognition model {model!r}; one of {', '.join(RECOGNITION_MODELS)}")
        self.model = RECOGNITION_MODELS[model]
        self.normalization = normalization or self.model.normalization
        self.mapping = self.model.mapping
        files = WeightFiles(models_dir)
        files.require([model])  # before TensorFlow loads: a missing file is the cheap, common failure
        require_deepface()
        import importlib

        module, name = self.model.client.rsplit(".", 1)
        with served_weights(files, weights_for(model)):
            try:
                self._client = getattr(importlib.import_module(module), name)()
            except ValueError as exc:  # weight_utils.load_model_weights: the file does not fit the model
                raise ModelUnavailable(
                    f"DeepFace {model} weights do not load: {exc}", missing=[w.name for w in weights_for(model)]
                ) from None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def preprocess(self, crop: np.ndarray) -> np.ndarray:
        """DeepFace's model input for an aligned BGR crop: 1 x S x S x 3 float32."""
        from deepface.modules import preprocessing

        size = self.model.input_size
        tensor = preprocessing.resize_image(img=crop, target_size=(size, size))
        normalised: np.ndarray = preprocessing.normalize_input(img=tensor, normalization=self.normalization)
        return normalised

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        tensor = self.preprocess(aligned_crop(image, face))
        with self._lock:
            raw = self._client.forward(tensor)
        vector = np.asarray(raw, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.model.dimension:
            raise ModelUnavailable(
                f"DeepFace {self.model.name} gave {vector.shape[0]} values, not {self.model.dimension}",
                missing=[self.model.name],
            )
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector
