"""DeepFace's emotion model as a smile score: 100 x P("happy").

``DeepFaceSmile(models_dir)`` builds DeepFace's FER-2013 emotion CNN (7 classes: angry, disgust, fear,
happy, sad, surprise, neutral) from the verified ``facial_expression_model_weights.h5`` and scores a
face as ``DeepFace.analyze(actions=["emotion"])`` would: DeepFace's aligned crop of the face
(:func:`~liveness.backends.deepface.recognition.aligned_crop`), letterboxed to 224x224 in [0, 1], then
the model's own preprocessing (grey, 48x48). The score is the happy share of the class
probabilities, 0-100, the scale of livecred's smile thresholds (``ChallengeThresholds.smile_score``).

Unlike livecred's geometric scorer, which reads the mouth from the face mesh, this one reads the
pixels: as a :class:`~liveness.challenges.SmileScorer` (``LIVECRED_SMILE=deepface:emotion``) its
``score(measures, pixels)`` scores ``pixels`` (the frame and the face) and ignores the measures.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from liveness.backends.deepface._runtime import require_deepface, served_weights
from liveness.backends.deepface.recognition import aligned_crop
from liveness.backends.deepface.weights import WeightFiles, weights_for
from liveness.challenges import FacePixels
from liveness.mesh import FaceMeasures
from liveness.types import Face

__all__ = ["EMOTION_LABELS", "HAPPY", "DeepFaceSmile", "happy_score"]

EMOTION_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
HAPPY = EMOTION_LABELS.index("happy")
_INPUT = 224


def happy_score(probabilities: np.ndarray) -> float:
    """100 x the happy share of the 7 class probabilities (DeepFace's ``analyze`` normalises too)."""
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if p.shape[0] != len(EMOTION_LABELS):
        raise ValueError(f"expected {len(EMOTION_LABELS)} emotion probabilities, got {p.shape[0]}")
    total = float(p.sum())
    return float(100.0 * p[HAPPY] / total) if total > 0 else 0.0


class DeepFaceSmile:
    """Smile score from DeepFace's emotion model, a ``SmileScorer``; thread-safe."""

    method = "deepface-emotion"

    def __init__(self, models_dir: Path | str) -> None:
        files = WeightFiles(models_dir)
        files.require(["Emotion"])
        require_deepface()
        from deepface.models.demography.tf.Emotion import EmotionClient

        with served_weights(files, weights_for("Emotion")):
            self._client = EmotionClient()
        self._lock = threading.Lock()

    def probabilities(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The 7 class probabilities for ``face`` (order: :data:`EMOTION_LABELS`)."""
        from deepface.modules import preprocessing

        tensor = preprocessing.resize_image(img=aligned_crop(image, face), target_size=(_INPUT, _INPUT))
        with self._lock:
            out = self._client.predict(tensor)
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def score_face(self, image: np.ndarray, face: Face) -> float:
        """Smile score in [0, 100]."""
        return happy_score(self.probabilities(image, face))

    def score(self, measures: FaceMeasures, pixels: FacePixels | None = None) -> float:
        """The ``SmileScorer`` interface: the score of ``pixels`` (the measures are not read)."""
        if pixels is None:
            raise ValueError("DeepFace's emotion smile reads the face's pixels: pass the frame and the face")
        return self.score_face(pixels.image, pixels.face)
