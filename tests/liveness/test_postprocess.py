"""Pure pre/post-processing functions, tested without models."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from liveness.antispoof import silentface_crop_box, softmax
from liveness.detect import decode_yunet, nms
from liveness.embed import (
    ARCFACE_TEMPLATE,
    TEMPLATE_MAPPING,
    ConfidenceMapping,
    confidence_for_far,
    far_for_confidence,
    mean_template,
    operating_point_confidence,
    similarity_to_confidence,
    similarity_transform,
)
from liveness.types import BoundingBox


def _empty_outputs(h: int, w: int) -> dict[str, np.ndarray]:
    out = {}
    for s in (8, 16, 32):
        n = (h // s) * (w // s)
        out[f"cls_{s}"] = np.zeros((1, n, 1), np.float32)
        out[f"obj_{s}"] = np.zeros((1, n, 1), np.float32)
        out[f"bbox_{s}"] = np.zeros((1, n, 4), np.float32)
        out[f"kps_{s}"] = np.zeros((1, n, 10), np.float32)
    return out


def test_decode_yunet_places_an_anchor_like_opencv() -> None:
    h, w = 64, 96
    out = _empty_outputs(h, w)
    cols = w // 16
    idx = 2 * cols + 3  # row 2, col 3 at stride 16
    out["cls_16"][0, idx, 0] = 0.81
    out["obj_16"][0, idx, 0] = 1.0
    out["bbox_16"][0, idx] = [0.5, 0.25, math.log(2.0), math.log(3.0)]
    out["kps_16"][0, idx] = [0.1, 0.2] * 5
    boxes, kps, scores = decode_yunet(out, h, w, 0.5)
    assert scores.tolist() == pytest.approx([0.9])
    cx, cy, bw, bh = (3 + 0.5) * 16, (2 + 0.25) * 16, 2.0 * 16, 3.0 * 16
    assert boxes[0].tolist() == pytest.approx([cx - bw / 2, cy - bh / 2, bw, bh])
    assert kps[0, 0].tolist() == pytest.approx([(3 + 0.1) * 16, (2 + 0.2) * 16])


def test_decode_yunet_threshold_and_empty() -> None:
    out = _empty_outputs(32, 32)
    boxes, kps, scores = decode_yunet(out, 32, 32, 0.5)
    assert boxes.shape == (0, 4) and kps.shape == (0, 5, 2) and scores.shape == (0,)


def test_nms_keeps_best_of_overlapping_and_separate_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 10, 10]], np.float32)
    scores = np.array([0.8, 0.9, 0.7], np.float32)
    assert nms(boxes, scores, 0.3, 10).tolist() == [1, 2]
    assert nms(boxes, scores, 0.3, 1).tolist() == [1]


def test_silentface_crop_is_shifted_not_shrunk_at_edges() -> None:
    # A face near the left edge: the 2.7x box keeps its size and moves right.
    x1, y1, x2, y2 = silentface_crop_box(640, 480, BoundingBox(10, 100, 100, 100), 2.7)
    assert x1 == 0 and (x2 - x1) == 270
    assert (y2 - y1) == 270
    # A scale that does not fit is capped to the image.
    x1, y1, x2, y2 = silentface_crop_box(640, 480, BoundingBox(200, 100, 200, 200), 4.0)
    assert (y1, y2) == (0, 479)


def test_softmax_rows_sum_to_one() -> None:
    probs = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]))
    assert np.allclose(probs.sum(axis=1), 1.0) and np.isfinite(probs).all()


def test_similarity_transform_recovers_a_known_transform() -> None:
    angle, scale, shift = 0.3, 1.7, np.array([12.0, -5.0])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    src = ARCFACE_TEMPLATE.astype(np.float64)
    dst = scale * src @ rot.T + shift
    matrix = similarity_transform(src, dst)
    assert np.allclose(matrix[:, :2], scale * rot, atol=1e-6)
    assert np.allclose(matrix[:, 2], shift, atol=1e-6)


def test_confidence_mapping_anchors_and_monotonicity() -> None:
    # confidence = -log10(FAR) / 6 (was hand-placed knots: 0.44 -> 0.4, 0.46 -> 0.6); the knots
    # are the cosines measured at each half decade of FAR by bench/accuracy.
    mapping = ConfidenceMapping()
    assert mapping.confidence(mapping.cosine_for(operating_point_confidence("default"))) == pytest.approx(0.6667)
    assert 0.40 < mapping.cosine_for(0.6667) < 0.43  # FAR 1e-4 on 1.28 million impostor pairs: 0.413
    assert mapping.cosine_for(0.5) < mapping.cosine_for(0.6667) < mapping.cosine_for(0.8333)
    assert similarity_to_confidence(-1.0) == 0.0 and similarity_to_confidence(1.0) == 1.0
    assert similarity_to_confidence(0.0) < 0.1  # unrelated faces: FAR about 0.5
    xs = np.linspace(-1, 1, 201)
    ys = [similarity_to_confidence(float(x)) for x in xs]
    assert all(b >= a for a, b in itertools.pairwise(ys))
    for conf in (0.1, 0.4, 0.5, 0.6, 0.9):
        assert mapping.confidence(mapping.cosine_for(conf)) == pytest.approx(conf)


def test_the_confidence_scale_is_an_error_rate() -> None:
    assert confidence_for_far(1e-4) == 0.6667 and confidence_for_far(1e-3) == 0.5
    assert confidence_for_far(1e-5) == 0.8333 and confidence_for_far(1.0) == 0.0
    assert confidence_for_far(1e-9) == 1.0 and confidence_for_far(0.0) == 1.0
    assert far_for_confidence(0.5) == pytest.approx(1e-3)
    assert [operating_point_confidence(p) for p in ("lenient", "default", "strict")] == [0.5, 0.6667, 0.8333]
    with pytest.raises(ValueError):
        operating_point_confidence("medium")
    # A template is closer to everyone: the same FAR needs a higher cosine than for one image.
    assert TEMPLATE_MAPPING.cosine_for(0.6667) > ConfidenceMapping().cosine_for(0.6667)


def test_mean_template_is_the_normalised_mean_of_unit_vectors() -> None:
    # (3, 0) and (0, 1) normalise to (1, 0) and (0, 1); their mean (0.5, 0.5) normalises to 1/sqrt2.
    template = mean_template(np.array([[3.0, 0.0], [0.0, 1.0]]))
    assert template.tolist() == pytest.approx([2**-0.5, 2**-0.5])
    assert mean_template(np.array([[0.0, 2.0]])).tolist() == pytest.approx([0.0, 1.0])


def test_confidence_mapping_rejects_bad_knots() -> None:
    with pytest.raises(ValueError):
        ConfidenceMapping(cosines=(0.0, 0.5, 0.4, 1.0), confidences=(0.0, 0.4, 0.6, 1.0))
    with pytest.raises(ValueError):
        ConfidenceMapping(cosines=(0.0, 1.0), confidences=(0.0, 0.9))
