"""Passive anti-spoofing: the Silent-Face MiniFASNet ensemble (V2 at crop x2.7, V1SE at x4.0).

Each model sees an 80x80 crop of the face box enlarged by its own scale (so one looks at the face
and one at the face with its surroundings: paper edges, screen bezels, moire). Silent-Face fuses
the models by summing their softmax outputs; ``score`` here is that sum divided by the number of
models, i.e. the mean probability of class 1 ("real"), in [0, 1]. The crop geometry is a port of
Silent-Face's ``CropImage._get_new_box``: the enlarged box is shifted, not shrunk, at the image
edges, and the scale is capped so the box fits the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from liveness.models.runtime import RuntimeOptions, create_session
from liveness.types import BoundingBox, Face

__all__ = [
    "ENSEMBLE_MEMBERS",
    "AntiSpoof",
    "AntiSpoofScores",
    "MiniFASNetEnsemble",
    "fuse_members",
    "p_real",
    "silentface_crop_box",
    "silentface_input",
    "softmax",
]

REAL_CLASS = 1
INPUT_SIZE = 80
# (name, crop scale) of each member, in order; every runtime of the ensemble (onnxruntime here,
# torch in liveness/backends/torch_fasnet.py) uses these crops and this fusion.
ENSEMBLE_MEMBERS: tuple[tuple[str, float], ...] = (("MiniFASNetV2", 2.7), ("MiniFASNetV1SE", 4.0))


class AntiSpoof(Protocol):
    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores: ...


@dataclass(frozen=True, slots=True)
class AntiSpoofScores:
    """Fused P(real) and each member's own P(real)."""

    real: float
    per_model: tuple[tuple[str, float], ...]


def silentface_crop_box(src_w: int, src_h: int, box: BoundingBox, scale: float) -> tuple[int, int, int, int]:
    """Silent-Face's enlarged crop: returns inclusive pixel corners (x1, y1, x2, y2)."""
    box_w, box_h = max(box.width, 1.0), max(box.height, 1.0)
    scale = min((src_h - 1) / box_h, (src_w - 1) / box_w, scale)
    new_w, new_h = box_w * scale, box_h * scale
    cx, cy = box.x + box_w / 2, box.y + box_h / 2
    x1, y1 = cx - new_w / 2, cy - new_h / 2
    x2, y2 = cx + new_w / 2, cy + new_h / 2
    if x1 < 0:
        x2 -= x1
        x1 = 0
    if y1 < 0:
        y2 -= y1
        y1 = 0
    if x2 > src_w - 1:
        x1 -= x2 - src_w + 1
        x2 = src_w - 1
    if y2 > src_h - 1:
        y1 -= y2 - src_h + 1
        y2 = src_h - 1
    return int(x1), int(y1), int(x2), int(y2)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / np.sum(exp, axis=-1, keepdims=True))


def silentface_input(image: np.ndarray, box: BoundingBox, scale: float) -> np.ndarray:
    """The model input for one member: the enlarged crop resized to 80x80, 1x3x80x80 float32 BGR 0-255."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = silentface_crop_box(w, h, box, scale)
    crop = cv2.resize(image[y1 : y2 + 1, x1 : x2 + 1], (INPUT_SIZE, INPUT_SIZE))
    return crop.transpose(2, 0, 1)[None].astype(np.float32)


def p_real(logits: np.ndarray) -> float:
    """One member's P(real) from its 3 logits."""
    return float(softmax(np.asarray(logits).reshape(-1))[REAL_CLASS])


def fuse_members(member_logits: tuple[tuple[str, np.ndarray], ...]) -> AntiSpoofScores:
    """Silent-Face's fusion: the mean of the members' P(real)."""
    per_model = tuple((name, p_real(logits)) for name, logits in member_logits)
    return AntiSpoofScores(real=float(np.mean([p for _, p in per_model])), per_model=per_model)


class _Member:
    def __init__(self, name: str, model: bytes, crop_scale: float, runtime: RuntimeOptions | None):
        self.name = name
        self.crop_scale = crop_scale
        self.session = create_session(model, runtime)
        self.input = self.session.get_inputs()[0].name

    def logits(self, image: np.ndarray, face: Face) -> np.ndarray:
        (logits,) = self.session.run(None, {self.input: silentface_input(image, face.box, self.crop_scale)})
        return np.asarray(logits[0])


class MiniFASNetEnsemble:
    """MiniFASNetV2 (x2.7) + MiniFASNetV1SE (x4.0) on onnxruntime. ``score`` is thread-safe."""

    def __init__(self, v2: bytes, v1se: bytes, runtime: RuntimeOptions | None = None) -> None:
        (v2_name, v2_scale), (v1se_name, v1se_scale) = ENSEMBLE_MEMBERS
        self._members = (
            _Member(v2_name, v2, v2_scale, runtime),
            _Member(v1se_name, v1se, v1se_scale, runtime),
        )

    def member_logits(self, image: np.ndarray, face: Face) -> tuple[tuple[str, np.ndarray], ...]:
        """Each member's raw 3-class logits, in :data:`ENSEMBLE_MEMBERS` order."""
        return tuple((m.name, m.logits(image, face)) for m in self._members)

    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores:
        return fuse_members(self.member_logits(image, face))
