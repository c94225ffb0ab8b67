"""Pure post-processing of the face mesh: EAR, mouth, head pose, crop geometry, BlazeFace decoding.

No models: the inputs are synthetic point sets with known answers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liveness._blazeface import decode_detections, ssd_anchors, weighted_nms
from liveness.facemesh import MeshROI, roi_from_detection
from liveness.mesh import (
    LEFT_EYE_CONTOUR,
    RIGHT_EYE_CONTOUR,
    SYMMETRIC_PAIRS,
    FaceLandmarks,
    eye_aspect_ratio,
    head_pose,
    inter_ocular_distance,
    measure_face,
    mouth_geometry,
)


def eye_contour(width: float, height: float, centre: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A 16-point almond eye: 9 lower-lid points corner to corner, then 7 upper-lid points."""
    t_low = np.linspace(0.0, 1.0, 9)
    t_up = np.linspace(0.0, 1.0, 9)[1:-1]
    low = np.stack([t_low * width, np.sin(np.pi * t_low) * height / 2], axis=1)
    up = np.stack([t_up * width, -np.sin(np.pi * t_up) * height / 2], axis=1)
    return np.vstack([low, up]) + np.asarray(centre) - np.array([width / 2, 0.0])


def test_eye_aspect_ratio_is_height_over_width() -> None:
    open_eye = eye_contour(30.0, 12.0)
    # The three vertical pairs sit at t = 1/4, 1/2, 3/4: heights 12 sin(pi t).
    expected = np.mean([12 * math.sin(math.pi * t) for t in (0.25, 0.5, 0.75)]) / 30.0
    assert eye_aspect_ratio(open_eye) == pytest.approx(expected)
    assert eye_aspect_ratio(eye_contour(30.0, 0.0)) == pytest.approx(0.0)
    assert eye_aspect_ratio(eye_contour(60.0, 24.0)) == pytest.approx(expected)  # scale-free


def synthetic_face(rng: np.random.Generator | None = None) -> np.ndarray:
    """468 x 3 points: symmetric pairs mirrored about x = 0, the midline on it, a flat-ish face."""
    rng = rng or np.random.default_rng(0)
    points = np.zeros((468, 3))
    points[:, 2] = rng.normal(0, 5, 468)
    for right, left in SYMMETRIC_PAIRS:
        x, y, z = rng.uniform(5, 60), rng.uniform(-60, 60), rng.uniform(-10, 10)
        points[right] = (-x, y, z)
        points[left] = (x, y, z)
    points[10] = (0, -80, 0)  # forehead
    points[152] = (0, 90, 0)  # chin
    # eyes: corners 33/133 (right eye, image left) and 362/263; mouth corners 61/291; inner lips 13/14
    points[[33, 133, 362, 263]] = [(-45, -20, 5), (-15, -20, 5), (15, -20, 5), (45, -20, 5)]
    points[[61, 291, 13, 14]] = [(-25, 40, 0), (25, 40, 0), (0, 40, 0), (0, 42, 0)]
    return points


def rotate(points: np.ndarray, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """Rotate a face (image axes: x right, y down, z away) by the pose conventions of liveness.mesh."""
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    # yaw about the vertical axis: +yaw sends the face's left side (+x) away from the camera (+z)
    ry = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    # pitch about the horizontal axis: +pitch (looking up) brings the chin (+y) nearer (-z)
    rp = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    # roll in the image plane, clockwise on screen (y down)
    rr = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return np.asarray(points @ (rr @ ry @ rp).T)


@pytest.mark.parametrize(
    ("yaw", "pitch", "roll"), [(0, 0, 0), (25, 0, 0), (-30, 0, 0), (0, 15, 0), (0, -12, 0), (0, 0, 20)]
)
def test_head_pose_recovers_known_rotations(yaw: float, pitch: float, roll: float) -> None:
    pose = head_pose(rotate(synthetic_face(), yaw, pitch, roll))
    assert pose.yaw == pytest.approx(yaw, abs=0.5)
    assert pose.pitch == pytest.approx(pitch, abs=0.5)
    assert pose.roll == pytest.approx(roll, abs=0.5)


def test_head_pose_of_a_mirror_image_flips_yaw_and_roll() -> None:
    face = rotate(synthetic_face(), yaw=20, pitch=5, roll=8)
    mirrored = face.copy()
    mirrored[:, 0] *= -1
    # Mirroring swaps which side is which: relabel the pairs as a mirror image's mesh would.
    for right, left in SYMMETRIC_PAIRS:
        mirrored[[right, left]] = mirrored[[left, right]]
    a, b = head_pose(face), head_pose(mirrored)
    assert b.yaw == pytest.approx(-a.yaw, abs=0.5)
    assert b.roll == pytest.approx(-a.roll, abs=0.5)
    assert b.pitch == pytest.approx(a.pitch, abs=0.5)


def test_mouth_geometry_is_relative_and_rotation_free() -> None:
    face = synthetic_face()
    iod = inter_ocular_distance(face)
    assert iod == pytest.approx(60.0)
    neutral = mouth_geometry(face)
    assert neutral.width == pytest.approx(50 / 60)
    assert neutral.opening == pytest.approx(2 / 60)
    assert neutral.corner_elevation == pytest.approx(1 / 60)  # corners 1 px above the lip midline (y 41)
    smiling = face.copy()
    smiling[[61, 291], 1] -= 6  # corners up (y grows downwards)
    assert mouth_geometry(smiling).corner_elevation == pytest.approx(7 / 60)
    # Scale and in-plane rotation do not change any relative measure.
    angle = math.radians(25)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    moved = smiling.copy()
    moved[:, :2] = 2.5 * smiling[:, :2] @ rot.T + 300
    a, b = mouth_geometry(smiling), mouth_geometry(moved)
    assert (b.width, b.opening, b.corner_elevation) == pytest.approx((a.width, a.opening, a.corner_elevation))


def test_measure_face_uses_the_eye_contours() -> None:
    face = synthetic_face()
    marks = FaceLandmarks(
        points=face,
        right_eye=eye_contour(30, 12, (-30, -20)),
        left_eye=eye_contour(30, 3, (30, -20)),
        presence=1.0,
        eyes_refined=True,
    )
    m = measure_face(marks)
    assert m.ear_right > 3 * m.ear_left > 0
    assert m.ear == pytest.approx((m.ear_right + m.ear_left) / 2)
    assert len(RIGHT_EYE_CONTOUR) == len(LEFT_EYE_CONTOUR) == 16


def test_roi_crop_and_projection_are_inverse() -> None:
    roi = MeshROI(cx=320.0, cy=200.0, size=150.0, rotation=math.radians(17))
    matrix = roi.to_crop(192)
    image_pts = np.array([[320.0, 200.0], [300.0, 180.0], [390.0, 260.0]])
    crop_pts = image_pts @ matrix[:, :2].T + matrix[:, 2]
    assert crop_pts[0] == pytest.approx([96.0, 96.0])
    back = roi.project(np.hstack([crop_pts / 192, np.zeros((3, 1))]))
    assert back[:, :2] == pytest.approx(image_pts, abs=1e-3)


def test_roi_from_detection_levels_the_eyes_and_enlarges_the_box() -> None:
    box = np.array([100.0, 50.0, 200.0, 170.0])
    roi = roi_from_detection(box, np.array([120.0, 100.0]), np.array([180.0, 110.0]))
    assert (roi.cx, roi.cy) == (150.0, 110.0)
    assert roi.size == pytest.approx(120 * 1.5)
    assert roi.rotation == pytest.approx(math.atan2(10, 60))


def test_blazeface_anchors_and_decoding() -> None:
    anchors = ssd_anchors()
    assert anchors.shape == (896, 2)
    assert anchors[0] == pytest.approx([0.5 / 16, 0.5 / 16]) and anchors[1] == pytest.approx(anchors[0])
    assert anchors[512] == pytest.approx([0.5 / 8, 0.5 / 8])  # stride 16 starts after 16 x 16 x 2
    regressors = np.zeros((896, 16), np.float32)
    logits = np.full(896, -10.0, np.float32)
    # Anchor 600 (stride 16): a 32 x 40 px face shifted 4 px right, eyes 8 px either side.
    regressors[600, :4] = [4, 0, 32, 40]
    regressors[600, 4:8] = [-8, -6, 8, -6]
    logits[600] = 3.0
    boxes, kps, scores = decode_detections(regressors, logits)
    assert len(boxes) == 1 and scores[0] == pytest.approx(1 / (1 + math.exp(-3)))
    centre = anchors[600] + np.array([4, 0]) / 128
    half = np.array([16.0, 20.0]) / 128
    assert boxes[0] == pytest.approx(np.concatenate([centre - half, centre + half]), abs=1e-6)
    assert kps[0, 0] == pytest.approx(anchors[600] + np.array([-8, -6]) / 128, abs=1e-6)


def test_weighted_nms_averages_overlapping_boxes_by_score() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    kps = np.zeros((3, 6, 2), np.float32)
    kps[1] += 1.0
    scores = np.array([0.9, 0.6, 0.8], np.float32)
    clusters = weighted_nms(boxes, kps, scores)
    assert [round(c[2], 2) for c in clusters] == [0.9, 0.8]
    merged = clusters[0][0]
    assert merged == pytest.approx((boxes[0] * 0.9 + boxes[1] * 0.6) / 1.5)
    assert clusters[0][1][0, 0] == pytest.approx(0.6 / 1.5)
