"""Face embeddings (MobileFaceNet) and the match decision.

Alignment: the five detector landmarks are mapped onto the standard ArcFace 112x112 template by
the least-squares similarity transform (Umeyama; rotation, uniform scale, translation, no
reflection), the same alignment the model family was trained with.

Decision: cosine similarity of the L2-normalised embeddings, mapped to a ``confidence`` in [0, 1]
whose meaning is an error rate:

    confidence = -log10(FAR) / 6,  i.e.  FAR = 10 ** (-6 x confidence)

where FAR is the share of *impostor* pairs (two different people) that score at least that cosine,
estimated on all 1.28 million cross-identity pairs of the 1,602 labelled face images in
``../shared/testdata`` (LFW folds 1-2, deepface, FaceONNX). A ``minConfidence`` therefore names
the false-accept rate a caller accepts, the same in ``/face-match``, ``/verify``, sessions and the
Groth16 threshold (``confidence x 10000``, so a log scale: 1 - FAR would put 1e-4 and 1e-5 on
the same integer). The named operating points (:data:`OPERATING_POINTS`):

=========  ======  ==========  ===========================================
name       FAR     confidence  cosine (measured, ``bench/accuracy``)
=========  ======  ==========  ===========================================
lenient    1e-3    0.5         0.347
default    1e-4    0.6667      0.413 (the shipped default everywhere)
strict     1e-5    0.8333      0.470
=========  ======  ==========  ===========================================

The map is stored as knots (:class:`ConfidenceMapping`): the measured cosine at every half decade
of FAR from 10^-0.5 to 10^-5, linear in between, (-1, 0) below and (1, 1) above. Above the
``strict`` knot the impostor pairs held (1.28 million) cannot resolve a FAR, so the scale there
only orders scores. ``bench/accuracy`` re-measures the knots and prints any drift from these.

A template of several live frames (the mean of their unit embeddings, normalised) is closer to
every face, impostors included, than one frame: at the same cosine a template's FAR is about
three times a single image's. :data:`TEMPLATE_MAPPING` is the same scale measured on
5-image templates against single images, so a session's ``minConfidence`` keeps its meaning.
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
    "FAR_DECADES",
    "OPERATING_POINTS",
    "TEMPLATE_MAPPING",
    "ConfidenceMapping",
    "FaceEmbedder",
    "MobileFaceNet",
    "align_face",
    "confidence_for_far",
    "cosine_similarity",
    "far_for_confidence",
    "mean_template",
    "operating_point_confidence",
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


FAR_DECADES = 6.0  # confidence 1 <-> FAR 1e-6
# Named operating points: the false-accept rate each stands for.
OPERATING_POINTS: dict[str, float] = {"lenient": 1e-3, "default": 1e-4, "strict": 1e-5}


def confidence_for_far(far: float) -> float:
    """The confidence that stands for ``far``: -log10(FAR) / 6 in [0, 1], to 4 decimals (the
    Groth16 scale's resolution)."""
    if not far > 0:
        return 1.0
    return round(min(1.0, max(0.0, -float(np.log10(far)) / FAR_DECADES)), 4)


def far_for_confidence(confidence: float) -> float:
    """The estimated false-accept rate a ``confidence`` stands for: 10 ** (-6 x confidence)."""
    return float(10.0 ** (-FAR_DECADES * confidence))


def operating_point_confidence(name: str) -> float:
    """``minConfidence`` of a named operating point (``lenient``, ``default``, ``strict``)."""
    try:
        return confidence_for_far(OPERATING_POINTS[name])
    except KeyError:
        raise ValueError(f"unknown operating point {name!r}; one of {', '.join(OPERATING_POINTS)}") from None


# Half decades of FAR, 10^-0.5 .. 10^-5: the confidences of the knots.
_KNOT_CONFIDENCES = tuple(round(j / 12, 4) for j in range(1, 11))


@dataclass(frozen=True, slots=True)
class ConfidenceMapping:
    """Knots of the piecewise-linear cosine -> confidence map (see the module docstring).

    The default knots are single image against single image: the cosine at which the measured
    impostor FAR is 10^-0.5, 10^-1, ... 10^-5 (``bench/accuracy``, all 1,280,413 impostor pairs).
    """

    cosines: tuple[float, ...] = (
        -1.0,
        0.0641,
        0.1484,
        0.2104,
        0.2622,
        0.3072,
        0.3472,
        0.3825,
        0.4128,
        0.4394,
        0.4703,
        1.0,
    )
    confidences: tuple[float, ...] = (0.0, *_KNOT_CONFIDENCES, 1.0)

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


# A template of live frames (``mean_template``) against one image: the same scale, measured on
# 5-image LFW templates against every image of other people (5.4 million impostor scores).
TEMPLATE_MAPPING = ConfidenceMapping(
    cosines=(-1.0, 0.0743, 0.1634, 0.2305, 0.2856, 0.3343, 0.3809, 0.4119, 0.4342, 0.4641, 0.4917, 1.0),
)


def mean_template(embeddings: np.ndarray) -> np.ndarray:
    """A template of several faces of one person: the mean of their unit embeddings, normalised.

    Measured on LFW (``bench/accuracy``): the plain mean beats weighting by sharpness or pose;
    quality belongs in choosing the frames (the gate), not in weighting them.
    """
    vectors = np.asarray(embeddings, dtype=np.float64).reshape(-1, np.shape(embeddings)[-1])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    mean = (vectors / np.maximum(norms, 1e-12)).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    template: np.ndarray = (mean / norm if norm > 0 else mean).astype(np.float32)
    return template


def similarity_to_confidence(similarity: float, mapping: ConfidenceMapping | None = None) -> float:
    """Monotone map of cosine similarity onto [0, 1]: -log10 of the estimated FAR, over 6."""
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
