"""The pure measures of a live take (liveness._stream_signals, _stream_verdict, _stream_tracker):
no models, synthetic inputs whose answer is known."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from liveness._blazeface import BlazeDetection
from liveness._stream_flow import nose_parallax
from liveness._stream_signals import (
    PARALLAX_POINTS,
    action_progress,
    face_from_mesh,
    frame_motion,
    gray_thumbnail,
    parallax_residual,
    repeat_distance,
    scene_change,
)
from liveness._stream_tracker import count_faces
from liveness._stream_verdict import ScoredFrame, build_template, judge_take, turn_parallax
from liveness.challenges import ChallengeThresholds, GeometricSmile, measure_challenge
from liveness.config import EngineConfig
from liveness.mesh import FaceMeasures, HeadPose, MouthGeometry
from liveness.stream import StreamConfig
from liveness.types import BoundingBox, Face

RNG = np.random.default_rng(7)


def head_points(yaw_degrees: float = 0.0) -> np.ndarray:
    """A 3D 'head': the parallax points on a curved surface (the nose in front), rotated by
    ``yaw`` and projected orthographically. Returns 468 x 3; the other points sit on the nose bridge."""
    points = np.zeros((468, 3))
    # Eye corners, nose bridge/tip/wings, chin, brows, cheeks, oval, forehead: x, y, depth.
    layout = [
        (-45, 0, 10), (-15, 0, 5), (15, 0, 5), (45, 0, 10), (0, -5, -5), (0, 15, -15), (0, 45, -35),
        (0, 40, -25), (-12, 45, -10), (12, 45, -10), (0, 110, 5), (-12, -20, 0), (12, -20, 0),
        (-40, 40, 10), (40, 40, 10), (-70, 10, 40), (70, 10, 40), (-55, 80, 30), (55, 80, 30), (0, -60, 10),
    ]  # fmt: skip
    a = math.radians(yaw_degrees)
    for index, (x, y, z) in zip(PARALLAX_POINTS, layout, strict=True):
        # Positive yaw takes the nose (in front: negative depth) to the image's right, as in the mesh.
        points[index] = (320 + x * math.cos(a) - z * math.sin(a), 240 + y, x * math.sin(a) + z * math.cos(a))
    others = np.setdiff1d(np.arange(468), PARALLAX_POINTS)
    points[others] = points[168]
    return points


def test_a_homography_of_the_points_has_no_parallax_and_a_turned_head_has() -> None:
    flat = head_points()[list(PARALLAX_POINTS), :2]
    h = np.array([[0.8, 0.05, 30.0], [-0.02, 1.0, 5.0], [0.0004, 0.0, 1.0]])
    warped = cv2.perspectiveTransform(flat.reshape(-1, 1, 2), h).reshape(-1, 2)
    assert abs(parallax_residual(flat, warped, 20.0)) < 1e-6
    for yaw in (25.0, -25.0):
        turned = head_points(yaw)[list(PARALLAX_POINTS), :2]
        assert parallax_residual(flat, turned, yaw) > StreamConfig().min_parallax
        # The nose moved the other way than the turn: not a head turning.
        assert parallax_residual(flat, turned, -yaw) < 0


def test_repeat_distance_is_zero_for_the_same_picture_and_sees_a_small_move() -> None:
    image = RNG.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    image = cv2.GaussianBlur(image, (0, 0), 4)
    box = (200.0, 100.0, 440.0, 380.0)
    a = gray_thumbnail(image)
    assert repeat_distance([a], gray_thumbnail(image.copy()), box, (640, 480)) == 0.0
    moved = np.roll(image, 2, axis=1)
    assert repeat_distance([a], gray_thumbnail(moved), box, (640, 480)) > StreamConfig().repeat_floor


def test_scene_change_ignores_exposure_and_sees_a_cut() -> None:
    def scene() -> np.ndarray:
        blocks = RNG.integers(0, 255, (6, 8, 3), dtype=np.uint8)
        return cv2.resize(blocks, (640, 480), interpolation=cv2.INTER_NEAREST)

    image, other = scene(), scene()
    brighter = cv2.add(image, np.full_like(image, 12))
    assert scene_change(gray_thumbnail(image), gray_thumbnail(brighter)) < 1.0
    assert scene_change(gray_thumbnail(image), gray_thumbnail(other)) > StreamConfig().max_scene_change


def test_frame_motion_is_per_second() -> None:
    before = head_points()
    after = before.copy()
    after[:, 0] += 9.0  # 9 px; the inter-ocular distance here is 60 px
    pose = HeadPose(0.0, 0.0, 0.0)
    slow = frame_motion(before, after, pose, HeadPose(3.0, 0.0, 0.0), 0.1)
    fast = frame_motion(before, after, pose, HeadPose(3.0, 0.0, 0.0), 0.01)
    assert slow.shift == pytest.approx(9.0 / 60.0 / 0.1, rel=1e-3)
    assert slow.yaw == pytest.approx(30.0)
    assert slow.deformation < 1e-6 and slow.scale < 1e-6
    assert fast.shift == pytest.approx(10 * slow.shift)


def measures(*, yaw: float = 0.0, ear: float = 0.3, width: float = 0.9, opening: float = 0.02) -> FaceMeasures:
    return FaceMeasures(60.0, ear, ear, MouthGeometry(width, opening, 0.0), HeadPose(yaw, 0.0, 0.0))


def test_action_progress_is_measure_challenge_over_its_threshold() -> None:
    thresholds, smile = ChallengeThresholds(), GeometricSmile()
    reference = measures()
    turned = measures(yaw=25.0)
    progress = action_progress(reference, 0.3, turned, thresholds, smile)
    assert progress["turn_left"] == pytest.approx(25.0 / thresholds.turn_yaw)
    assert progress["turn_right"] == 0.0
    assert (progress["turn_left"] >= 1) == measure_challenge("turn_left", reference, turned, thresholds, smile).passed
    # Blinks are judged against the take's open-eye level, not the reference frame's EAR.
    closed = measures(ear=0.15)
    assert action_progress(reference, 0.3, closed, thresholds, smile)["blink"] == pytest.approx(0.5 / 0.4)
    assert action_progress(reference, 0.2, closed, thresholds, smile)["blink"] < 1.0
    smiling = measures(width=1.3)
    assert action_progress(reference, 0.3, smiling, thresholds, smile)["smile"] >= 1.0
    assert action_progress(reference, 0.3, reference, thresholds, smile)["smile"] < 0.5


def test_the_anti_spoofing_box_from_the_mesh() -> None:
    points = head_points()
    face = face_from_mesh(points, (1.0, 1.15, 0.0, -0.05))
    xs, ys = points[list(PARALLAX_POINTS), 0], points[list(PARALLAX_POINTS), 1]
    assert face.box.width == pytest.approx(xs.max() - xs.min())
    assert face.box.height == pytest.approx(1.15 * (ys.max() - ys.min()))
    assert face.landmarks[2] == pytest.approx(tuple(points[1, :2]))


def detection(x: float, size: float) -> BlazeDetection:
    return BlazeDetection(np.array([x, 100, x + size, 100 + size]), np.zeros((6, 2)), 0.9)


def test_count_faces_ignores_small_faces_and_keeps_a_missed_tracked_one() -> None:
    assert count_faces([detection(0, 200), detection(300, 150)], None, 0.5) == 2
    assert count_faces([detection(0, 200), detection(300, 60)], None, 0.5) == 1
    assert count_faces([], None, 0.5) == 0
    # A profile BlazeFace missed still counts, as the track's own face.
    assert count_faces([detection(0, 200)], head_points() + np.array([400, 0, 0]), 0.5) == 2


def scored(index: int, spoof: float, embedding: np.ndarray) -> ScoredFrame:
    face = Face(BoundingBox(0, 0, 10, 10), ((0.0, 0.0),) * 5, 1.0)
    return ScoredFrame(index, spoof, embedding / np.linalg.norm(embedding), 1.0, face)


def judge(frames: list[ScoredFrame], **kwargs: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    verdict = judge_take(
        scored=frames,
        frames=100,
        turns=(),
        parallax={},
        id_face=None,
        config=StreamConfig(),
        antispoof_threshold=0.6,
        engine_config=EngineConfig(),
        **kwargs,  # type: ignore[arg-type]
    )
    return verdict.reasons, verdict.checks


def test_liveness_is_the_median_of_the_fit_frames_not_every_frame() -> None:
    person = RNG.normal(size=128)
    same = [person + RNG.normal(scale=0.3, size=128) for _ in range(10)]
    mostly_live = [scored(i, 0.2 if i < 3 else 0.95, e) for i, e in enumerate(same)]
    assert judge(mostly_live) == ((), ("antispoof", "same_person"))
    printed = [scored(i, 0.05, e) for i, e in enumerate(same)]
    assert judge(printed)[0] == ("spoof_detected",)
    assert judge(mostly_live[:3])[0] == ("spoof_detected", "not_enough_live_frames")
    assert judge(mostly_live[5:8])[0] == ("not_enough_live_frames",)


def test_a_take_spliced_from_two_people_is_a_face_mismatch() -> None:
    a, b = RNG.normal(size=128), RNG.normal(size=128)
    frames = [scored(i, 0.9, (a if i < 6 else b) + RNG.normal(scale=0.2, size=128)) for i in range(12)]
    assert "face_mismatch" in judge(frames)[0]


def test_the_template_is_the_mean_of_the_best_frames() -> None:
    """The weight chooses the frames; the chosen ones count equally (measured better on LFW)."""
    a, b, c = np.eye(4)[0], np.eye(4)[1], np.eye(4)[2]
    frames = [
        ScoredFrame(0, 0.9, a, 3.0, scored(0, 0.9, a).face),
        ScoredFrame(1, 0.9, b, 2.0, scored(1, 0.9, b).face),
        ScoredFrame(2, 0.9, c, 0.5, scored(2, 0.9, c).face),  # the worst: left out of a 2-frame template
    ]
    template, best = build_template(frames, 2)
    assert best.index == 0
    assert template @ a == pytest.approx(template @ b) and template @ c == pytest.approx(0.0)
    assert np.linalg.norm(template) == pytest.approx(1.0)


def test_repeat_distance_is_the_closest_recent_frame() -> None:
    pictures = [cv2.GaussianBlur(RNG.integers(0, 255, (480, 640, 3), dtype=np.uint8), (0, 0), 4) for _ in range(3)]
    thumbs = [gray_thumbnail(p) for p in pictures]
    box = (0.0, 0.0, 640.0, 480.0)
    assert repeat_distance(thumbs[:2], thumbs[0], box, (640, 480)) == 0.0  # A B A: the A again
    assert repeat_distance(thumbs[:2], thumbs[2], box, (640, 480)) > 0.5
    assert repeat_distance([], thumbs[0], box, (640, 480)) == math.inf


def test_the_followed_nose_of_a_flat_picture_has_no_parallax() -> None:
    anchor = head_points()[list(PARALLAX_POINTS), :2].astype(np.float32)
    alive = np.ones(len(anchor), bool)
    h = np.array([[0.85, 0.02, 40.0], [0.01, 1.0, -3.0], [0.0005, 0.0, 1.0]])
    warped = cv2.perspectiveTransform(anchor.reshape(-1, 1, 2).astype(np.float64), h).reshape(-1, 2)
    value = nose_parallax(anchor, warped.astype(np.float32), alive, 20.0)
    assert value is not None and abs(value) < 1e-4
    turned = head_points(25.0)[list(PARALLAX_POINTS), :2].astype(np.float32)
    value = nose_parallax(anchor, turned, alive, 25.0)
    assert value is not None and value > StreamConfig().min_parallax
    # The nose lost, or too few points followed: no judgement.
    nose_lost = alive.copy()
    nose_lost[PARALLAX_POINTS.index(1)] = False
    assert nose_parallax(anchor, turned, nose_lost, 25.0) is None
    assert nose_parallax(anchor, turned, np.arange(len(alive)) < 8, 25.0) is None


def test_turn_parallax_takes_the_most_turned_frames_of_the_range() -> None:
    config = StreamConfig()
    record = {3: (12.0, 0.0), 4: (25.0, 0.08), 5: (26.0, 0.07), 6: (27.0, 0.09), 20: (30.0, -0.5)}
    assert turn_parallax(0, 10, record, config) == pytest.approx(0.08)
    assert turn_parallax(11, 19, record, config) is None
    assert turn_parallax(15, 25, record, config) == pytest.approx(-0.5)
