"""Face detection: YuNet (OpenCV Zoo, 2023mar) on onnxruntime.

The published ONNX file declares a fixed 640x640 input, but its graph is size-agnostic (reshapes
to -1, scale-based upsampling), so the input and output dimensions are relaxed in memory at load
time. An image is then run at its own aspect ratio, padded only to a multiple of 32: a 640x480
selfie costs 640x480, not 640x640.

Scale policy: images are shrunk so the long side is at most ``max_side`` (faces in selfies and
ID scans stay far above YuNet's ~10 px floor). When that pass finds nothing, or only a small face
(an ID-card portrait in a wide scan), a second pass runs at up to twice the scale, capped at
``upscale_max_side``; its faces are kept if it finds any. Decoding follows OpenCV's
``FaceDetectorYN`` (``face_detect.cpp``) exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from liveness.models.runtime import RuntimeOptions, create_session
from liveness.types import BoundingBox, DetectionResult, Face

__all__ = ["FaceDetector", "YuNet", "YuNetConfig", "decode_yunet", "nms"]

_STRIDES = (8, 16, 32)


class FaceDetector(Protocol):
    def detect(self, image: np.ndarray) -> DetectionResult: ...


@dataclass(frozen=True, slots=True)
class YuNetConfig:
    score_threshold: float = 0.6
    nms_threshold: float = 0.3
    max_side: int = 640
    small_face: int = 40  # px in the detector's input: below this, try a larger scale
    upscale_max_side: int = 1280
    top_k: int = 50


def decode_yunet(
    outputs: dict[str, np.ndarray], input_h: int, input_w: int, score_threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode raw YuNet outputs into (boxes Nx4 as x,y,w,h; landmarks Nx5x2; scores N).

    ``input_h`` and ``input_w`` are the padded input size (multiples of 32).
    """
    boxes, kpts, scores = [], [], []
    for stride in _STRIDES:
        cols = input_w // stride
        cls = np.clip(outputs[f"cls_{stride}"].reshape(-1), 0.0, 1.0)
        obj = np.clip(outputs[f"obj_{stride}"].reshape(-1), 0.0, 1.0)
        score = np.sqrt(cls * obj)
        idx = np.flatnonzero(score >= score_threshold)
        if idx.size == 0:
            continue
        rows_i, cols_i = (idx // cols).astype(np.float32), (idx % cols).astype(np.float32)
        bbox = outputs[f"bbox_{stride}"].reshape(-1, 4)[idx]
        cx = (cols_i + bbox[:, 0]) * stride
        cy = (rows_i + bbox[:, 1]) * stride
        w = np.exp(bbox[:, 2]) * stride
        h = np.exp(bbox[:, 3]) * stride
        boxes.append(np.stack([cx - w / 2, cy - h / 2, w, h], axis=1))
        kps = outputs[f"kps_{stride}"].reshape(-1, 5, 2)[idx]
        kx = (kps[:, :, 0] + cols_i[:, None]) * stride
        ky = (kps[:, :, 1] + rows_i[:, None]) * stride
        kpts.append(np.stack([kx, ky], axis=2))
        scores.append(score[idx])
    if not boxes:
        return np.zeros((0, 4), np.float32), np.zeros((0, 5, 2), np.float32), np.zeros(0, np.float32)
    return (
        np.concatenate(boxes).astype(np.float32),
        np.concatenate(kpts).astype(np.float32),
        np.concatenate(scores).astype(np.float32),
    )


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, top_k: int) -> np.ndarray:
    """Greedy non-maximum suppression on x,y,w,h boxes; returns kept indices, best first."""
    order = np.argsort(-scores, kind="stable")
    x1, y1 = boxes[:, 0], boxes[:, 1]
    x2, y2 = x1 + boxes[:, 2], y1 + boxes[:, 3]
    areas = np.maximum(boxes[:, 2], 0) * np.maximum(boxes[:, 3], 0)
    keep: list[int] = []
    while order.size and len(keep) < top_k:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        ih = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = iw * ih
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def _relax_input_shape(model: bytes) -> bytes:
    import onnx  # load-time only

    proto = onnx.load_from_string(model)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "height", "width"
    for output in proto.graph.output:
        output.type.tensor_type.ClearField("shape")
    del proto.graph.value_info[:]
    serialized: bytes = proto.SerializeToString()
    return serialized


class YuNet:
    """YuNet face detector. ``detect`` is thread-safe."""

    def __init__(self, model: bytes, runtime: RuntimeOptions | None = None, config: YuNetConfig | None = None) -> None:
        self.config = config or YuNetConfig()
        self._session = create_session(_relax_input_shape(model), runtime)
        self._input = self._session.get_inputs()[0].name
        self._outputs = [o.name for o in self._session.get_outputs()]

    def detect(self, image: np.ndarray) -> DetectionResult:
        height, width = image.shape[:2]
        cfg = self.config
        scale = min(1.0, cfg.max_side / max(height, width))
        boxes, kpts, scores = self._run(image, scale)
        small = scores.size == 0 or float(np.max(np.minimum(boxes[:, 2], boxes[:, 3]))) * scale < cfg.small_face
        if small:
            larger = min(scale * 2.0, cfg.upscale_max_side / max(height, width))
            if larger > scale * 1.2:
                b2, k2, s2 = self._run(image, larger)
                if s2.size:
                    boxes, kpts, scores = b2, k2, s2
        faces = [self._to_face(b, k, s, width, height) for b, k, s in zip(boxes, kpts, scores, strict=True)]
        faces.sort(key=lambda f: f.box.area, reverse=True)
        return DetectionResult(faces=tuple(faces), image_width=width, image_height=height)

    def _run(self, image: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Detect at ``scale``; results in original-image pixels."""
        if scale != 1.0:
            interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
            h, w = image.shape[:2]
            image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp)
        h, w = image.shape[:2]
        pad_h, pad_w = -(-h // 32) * 32, -(-w // 32) * 32
        blob = np.zeros((1, 3, pad_h, pad_w), dtype=np.float32)
        blob[0, :, :h, :w] = image.transpose(2, 0, 1)
        raw = self._session.run(self._outputs, {self._input: blob})
        boxes, kpts, scores = decode_yunet(
            dict(zip(self._outputs, raw, strict=True)), pad_h, pad_w, self.config.score_threshold
        )
        keep = nms(boxes, scores, self.config.nms_threshold, self.config.top_k)
        return boxes[keep] / scale, kpts[keep] / scale, scores[keep]

    @staticmethod
    def _to_face(box: np.ndarray, kps: np.ndarray, score: float, width: int, height: int) -> Face:
        x1, y1 = max(0.0, float(box[0])), max(0.0, float(box[1]))
        x2 = min(float(width), float(box[0] + box[2]))
        y2 = min(float(height), float(box[1] + box[3]))
        return Face(
            box=BoundingBox(x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1)),
            landmarks=tuple((float(x), float(y)) for x, y in kps),
            score=float(score),
        )
