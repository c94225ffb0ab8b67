"""Result types of the engine: frozen, slotted dataclasses that are cheap to build and safe to share.

Images are numpy arrays in OpenCV's layout (H x W x 3, uint8, BGR). Coordinates are pixels of the
image the caller passed in, floats, origin top-left. Embeddings never leave the engine inside a
result that the API serialises: ``MatchResult`` carries scores only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BoundingBox:
    x: float
    y: float
    width: float
    height: float

    @property
    def area(self) -> float:
        return self.width * self.height

    def as_int_dict(self) -> dict[str, int]:
        return {
            "x": round(self.x),
            "y": round(self.y),
            "width": round(self.width),
            "height": round(self.height),
        }


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face: box, five landmarks and the detector's confidence.

    Landmarks are in the order right eye, left eye, nose tip, right mouth corner, left mouth
    corner, where "right" is the subject's right (the image's left), as YuNet and the ArcFace
    alignment template both use.
    """

    box: BoundingBox
    landmarks: tuple[tuple[float, float], ...]
    score: float

    def landmarks_array(self) -> np.ndarray:
        return np.asarray(self.landmarks, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """All faces in an image, largest first."""

    faces: tuple[Face, ...]
    image_width: int
    image_height: int

    @property
    def largest(self) -> Face | None:
        return self.faces[0] if self.faces else None


@dataclass(frozen=True, slots=True)
class SpoofResult:
    """Passive anti-spoofing verdict for one face.

    ``score`` is the fused probability that the face is real (a live person in front of the
    camera), in [0, 1]; ``is_real`` is ``score >= threshold``. ``model_scores`` keeps each
    ensemble member's own P(real) for diagnostics.
    """

    score: float
    is_real: bool
    threshold: float
    face: Face
    model_scores: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Face-match verdict between two faces.

    ``similarity`` is the cosine similarity of the embeddings in [-1, 1]; ``confidence`` is its
    documented monotone mapping to [0, 1] (see ``liveness.embed.similarity_to_confidence``);
    ``matched`` is ``confidence >= min_confidence``.
    """

    similarity: float
    confidence: float
    matched: bool
    min_confidence: float
    face_a: Face
    face_b: Face


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The combined ID-document + selfie check: the selfie is live and matches the ID photo."""

    verified: bool
    spoof: SpoofResult
    match: MatchResult
