"""BlazeFace short-range: the face detector MediaPipe's face mesh expects its crop from.

The mesh was trained on crops derived from this detector's box and eye keypoints; crops derived
from YuNet's box land up to 30 px elsewhere, and the landmarks move with them. So the mesh path
runs this detector, on the whole frame or on a square window around a YuNet face.

Decoding follows MediaPipe's ``face_detection_short_range`` graph: 896 SSD anchors (strides
8/16/16/16; 2 anchors per cell at stride 8, 6 at stride 16; fixed size 1), offsets divided by
128, sigmoid scores kept from 0.5, then weighted non-maximum suppression at IoU 0.3 (overlapping
boxes and keypoints are averaged, weighted by score). Keypoints: 0 the subject's right eye
(image left), 1 the left eye, 2 nose tip, 3 mouth centre, 4 and 5 the ear tragions.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from liveness.models.litert import TFLiteModel

__all__ = ["BlazeDetection", "BlazeFace", "decode_detections", "ssd_anchors", "weighted_nms"]

INPUT_SIZE = 128
_STRIDES = (8, 16, 16, 16)
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3


@dataclass(frozen=True, slots=True, eq=False)
class BlazeDetection:
    """One face: ``box`` as x1, y1, x2, y2 and ``keypoints`` (6 x 2), image pixels."""

    box: np.ndarray
    keypoints: np.ndarray
    score: float

    @property
    def size(self) -> float:
        return float(max(self.box[2] - self.box[0], self.box[3] - self.box[1]))


def ssd_anchors() -> np.ndarray:
    """Anchor centres (896 x 2, normalised), in the order the model's outputs use."""
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(_STRIDES):
        same = [s for s in _STRIDES[layer:] if s == _STRIDES[layer]]
        per_cell = 2 * len(same)
        cells = -(-INPUT_SIZE // _STRIDES[layer])
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
        layer += len(same)
    return np.asarray(centres, dtype=np.float32)


_ANCHORS = ssd_anchors()


def decode_detections(
    regressors: np.ndarray, logits: np.ndarray, score_threshold: float = SCORE_THRESHOLD
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw outputs (896 x 16, 896) -> boxes (N x 4, x1 y1 x2 y2), keypoints (N x 6 x 2), scores;
    all normalised to the 128 x 128 input."""
    # MediaPipe clips the logits at +-100; float32 exp overflows past 88, and nothing below -80 matters.
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -80.0, 80.0)))
    keep = np.flatnonzero(scores >= score_threshold)
    raw = regressors.reshape(-1, 16)[keep] / INPUT_SIZE
    anchors = _ANCHORS[keep]
    centre = raw[:, :2] + anchors
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
    return boxes.astype(np.float32), keypoints.astype(np.float32), scores[keep].astype(np.float32)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    iw = np.maximum(0.0, np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]))
    ih = np.maximum(0.0, np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]))
    inter = iw * ih
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return np.asarray(inter / np.maximum(area + areas - inter, 1e-9))


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou_threshold: float = NMS_IOU
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted NMS: each cluster's box and keypoints are the score-weighted mean of
    its members, its score the best member's. Best first."""
    remaining = np.argsort(-scores, kind="stable")
    clusters = []
    while remaining.size:
        best = int(remaining[0])
        members = remaining[_iou(boxes[best], boxes[remaining]) > iou_threshold]
        weights = scores[members][:, None]
        total = float(weights.sum())
        box = (boxes[members] * weights).sum(axis=0) / total
        kps = (keypoints[members] * weights[:, :, None]).sum(axis=0) / total
        clusters.append((box, kps, float(scores[best])))
        remaining = remaining[~np.isin(remaining, members)]
    return clusters


class BlazeFace:
    """Detects faces inside a square window of a BGR image. ``detect`` is thread-safe."""

    def __init__(self, model: TFLiteModel) -> None:
        self._model = model

    def detect(self, image: np.ndarray, centre: tuple[float, float], side: float) -> list[BlazeDetection]:
        """Faces in the ``side`` x ``side`` window centred on ``centre`` (zero beyond the image edges),
        largest first. The whole frame is the window of side ``max(width, height)``: MediaPipe's
        letterbox."""
        scale = INPUT_SIZE / side
        x0, y0 = centre[0] - side / 2, centre[1] - side / 2
        # Window -> 128 x 128 in one warp (the same bilinear sampling MediaPipe's CPU path uses).
        matrix = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], dtype=np.float64)
        window = cv2.warpAffine(
            image, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
        tensor = cv2.cvtColor(window, cv2.COLOR_BGR2RGB).astype(np.float32)
        tensor *= 1.0 / 127.5
        tensor -= 1.0  # RGB in [-1, 1]
        outputs = self._model.run(tensor[None])
        boxes, kps, scores = decode_detections(outputs["regressors"][0], outputs["classificators"][0])
        found = [
            BlazeDetection(
                box=box * side + np.array([x0, y0, x0, y0]), keypoints=k * side + np.array([x0, y0]), score=s
            )
            for box, k, s in weighted_nms(boxes, kps, scores)
        ]
        found.sort(key=lambda d: d.size, reverse=True)
        return found
