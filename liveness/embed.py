"""Face embeddings (MobileFaceNet) and the match decision.

Alignment: the five detector landmarks are mapped onto the standard ArcFace 112x112 template by
the least-squares similarity transform (Umeyama; rotation, uniform scale, translation, no
reflection), the same alignment the model family was trained with.

Decision: cosine similarity of the L2-normalised embeddings, mapped to a ``confidence`` in [0, 1]
by :func:`similarity_to_confidence`, a monotone piecewise-linear map through measured knots
(``ConfidenceMapping``). The knots were chosen from the labelled pairs in ``../shared/testdata``
with ``bench/calibrate_match.py`` (numbers in the README):

* cosine 0.44 -> confidence 0.4 (the ``/verify`` default ``minFaceMatchConfidence``): the
  impostor ceiling. No impostor pair measured scores above it: LFW folds 1-2 (600 pairs, max
  0.367), deepface (66, max 0.228), and the FaceONNX celebrity look-alikes (12, max 0.412;
  0.44 over both halves of that set).
* cosine 0.46 -> confidence 0.6 (the ``/face-match`` default ``minConfidence``): below the lowest
  genuine pair of the identity sets (0.478), so every one of them matches.
* cosine 0.27 -> confidence 0.3: the LFW-calibrated point. With the LFW two-fold protocol
  (threshold chosen on one fold, accuracy measured on the other) the chosen cosines are 0.266 and
  0.281, held-out accuracy 99.0%; it also accepts 4 of the 12 FaceONNX look-alike impostor
  pairs, so it is an opt-in (``minConfidence`` 0.3), not a default.
* cosine 0 -> 0 (unrelated faces score about 0) and 1 -> 1, linear in between.

The defaults are a deliberately strict, identity-verification operating point: on LFW they
accept no impostor and 89-94% of genuine pairs. ``bench/accuracy`` measures all three points;
docs/MODEL_CARD.md has the numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from liveness.models.runtime import RuntimeOptions, create_session
from liveness.types import Face

__all__ = [
    "ARCFACE_TEMPLATE",
    "ConfidenceMapping",
    "FaceEmbedder",
    "MobileFaceNet",
    "align_face",
    "cosine_similarity",
    "similarity_to_confidence",
    "similarity_transform",
]

ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)
ALIGNED_SIZE = 112


class FaceEmbedder(Protocol):
    def embed(self, image: np.ndarray, face: Face) -> np.ndarray: ...


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform (Umeyama 1991) taking ``src`` points onto ``dst``; 2x3."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    n = src.shape[0]
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / n
    u, s, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    rotation = u @ np.diag(d) @ vt
    var_src = (src_c**2).sum() / n
    scale = float((s * d).sum() / var_src) if var_src > 0 else 1.0
    translation = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, translation[:, None]])


def align_face(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The 112x112 aligned face crop (same channel order as ``image``)."""
    matrix = similarity_transform(landmarks, ARCFACE_TEMPLATE)
    return cv2.warpAffine(image, matrix, (ALIGNED_SIZE, ALIGNED_SIZE), borderValue=0.0)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / denom) if denom > 0 else 0.0


@dataclass(frozen=True, slots=True)
class ConfidenceMapping:
    """Knots of the piecewise-linear cosine -> confidence map (see the module docstring)."""

    cosines: tuple[float, ...] = (0.0, 0.27, 0.44, 0.46, 1.0)
    confidences: tuple[float, ...] = (0.0, 0.3, 0.4, 0.6, 1.0)

    def __post_init__(self) -> None:
        xs, ys = self.cosines, self.confidences
        if len(xs) != len(ys) or len(xs) < 2:
            raise ValueError("cosines and confidences need the same length, at least 2")
        if any(b <= a for a, b in itertools.pairwise(xs)) or any(b <= a for a, b in itertools.pairwise(ys)):
            raise ValueError("knots must be strictly increasing")
        if ys[0] != 0.0 or ys[-1] != 1.0 or xs[-1] != 1.0:
            raise ValueError("the map must run from confidence 0 to 1, ending at cosine 1")

    def confidence(self, cosine: float) -> float:
        return float(np.interp(cosine, self.cosines, self.confidences))

    def cosine_for(self, confidence: float) -> float:
        """Inverse map: the lowest cosine that reaches ``confidence``."""
        return float(np.interp(confidence, self.confidences, self.cosines))


def similarity_to_confidence(similarity: float, mapping: ConfidenceMapping | None = None) -> float:
    """Monotone map of cosine similarity onto [0, 1]; negative cosines give 0."""
    return (mapping or ConfidenceMapping()).confidence(similarity)


class MobileFaceNet:
    """MobileFaceNet 128-d embeddings. ``embed`` is thread-safe.

    ``flip_average`` also embeds the mirrored face and averages the two (about +40% time; it
    helps on hard pairs, see the model card).
    """

    def __init__(self, model: bytes, runtime: RuntimeOptions | None = None, *, flip_average: bool = False) -> None:
        self._session = create_session(model, runtime)
        self._input = self._session.get_inputs()[0].name
        self.flip_average = flip_average

    @staticmethod
    def preprocess(aligned_bgr: np.ndarray) -> np.ndarray:
        rgb = aligned_bgr[:, :, ::-1].astype(np.float32)
        return ((rgb - 127.5) / 128.0).transpose(2, 0, 1)[None]

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        aligned = align_face(image, face.landmarks_array())
        (out,) = self._session.run(None, {self._input: self.preprocess(aligned)})
        vector: np.ndarray = np.asarray(out[0], dtype=np.float32)
        if self.flip_average:
            (flipped,) = self._session.run(None, {self._input: self.preprocess(aligned[:, ::-1])})
            vector = vector + flipped[0].astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector
