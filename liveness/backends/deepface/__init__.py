"""The DeepFace backend: DeepFace's detectors, recognition models, emotion model and FasNet behind
livecred's engine interfaces.

``import liveness.backends.deepface`` is cheap: DeepFace, TensorFlow and torch are imported by the
classes when they are built, with an install hint (``pip install 'livecred[deepface]'``) when they
are missing. Every class reads its weights from the models directory under DeepFace's own file names
(:mod:`.weights`), checks them before DeepFace sees them, and never lets DeepFace download
(:mod:`._runtime`). The factories below are what a worker process calls:

=========================================  ==========================================  ==============
factory                                    returns                                     interface
=========================================  ==========================================  ==============
``build_detector(name, models_dir)``       :class:`DeepFaceDetector` (yunet, opencv,   ``FaceDetector``
                                           retinaface, mtcnn)
``build_embedder(model, models_dir)``      :class:`DeepFaceEmbedder` (Facenet,         ``FaceEmbedder``
                                           Facenet512, ArcFace, VGG-Face)
``build_smile(models_dir)``                :class:`DeepFaceSmile` (emotion "happy")    ``SmileScorer``
``build_antispoof(models_dir)``            :class:`DeepFaceFasNet`                     ``AntiSpoof``
=========================================  ==========================================  ==============

Errors: a missing or unverified weight file is :class:`~liveness.ModelUnavailable` naming
``livecred models fetch --backend deepface``; a missing package or Keras 3 is
:class:`DeepFaceUnavailable` (a ``ModelUnavailable``, code ``deepface_unavailable``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from liveness.backends.deepface._runtime import DeepFaceUnavailable
from liveness.backends.deepface.weights import DEEPFACE_FETCH_HINT, WEIGHTS, DeepFaceWeight, WeightFiles, weights_for

if TYPE_CHECKING:
    from liveness.backends.deepface.detector import DeepFaceDetector
    from liveness.backends.deepface.fasnet import DeepFaceFasNet
    from liveness.backends.deepface.recognition import DeepFaceEmbedder
    from liveness.backends.deepface.smile import DeepFaceSmile

__all__ = [
    "DEEPFACE_FETCH_HINT",
    "DETECTOR_NAMES",
    "RECOGNITION_NAMES",
    "WEIGHTS",
    "DeepFaceUnavailable",
    "DeepFaceWeight",
    "WeightFiles",
    "build_antispoof",
    "build_detector",
    "build_embedder",
    "build_smile",
    "weights_for",
]

DETECTOR_NAMES = ("yunet", "opencv", "retinaface", "mtcnn")
RECOGNITION_NAMES = ("Facenet", "Facenet512", "ArcFace", "VGG-Face")


def build_detector(name: str, models_dir: Path | str) -> DeepFaceDetector:
    from liveness.backends.deepface.detector import DeepFaceDetector

    return DeepFaceDetector(name, models_dir)


def build_embedder(model: str, models_dir: Path | str) -> DeepFaceEmbedder:
    from liveness.backends.deepface.recognition import DeepFaceEmbedder

    return DeepFaceEmbedder(model, models_dir)


def build_smile(models_dir: Path | str) -> DeepFaceSmile:
    from liveness.backends.deepface.smile import DeepFaceSmile

    return DeepFaceSmile(models_dir)


def build_antispoof(models_dir: Path | str) -> DeepFaceFasNet:
    from liveness.backends.deepface.fasnet import DeepFaceFasNet

    return DeepFaceFasNet(models_dir)
