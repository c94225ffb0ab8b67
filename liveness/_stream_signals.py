"""Pure per-frame measures of a live take: motion between frames, repeats, action progress,
3D parallax, and the take-level aggregates. No models here, so each is tested on its own;
``liveness.stream`` gathers the inputs and ``StreamConfig`` holds the limits.

Every length is divided by the inter-ocular distance (IOD) so that nothing depends on how far
the face is from the camera, and every motion is divided by the time between the two frames, so
that a bound holds at any frame rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from liveness.challenges import CHALLENGE_TYPES, ChallengeThresholds, ChallengeType, SmileScorer, measure_challenge
from liveness.mesh import FaceMeasures, HeadPose, MouthGeometry, inter_ocular_distance
from liveness.types import BoundingBox, Face

__all__ = [
    "PARALLAX_POINTS",
    "THUMB_SIZE",
    "FrameMotion",
    "action_progress",
    "face_from_mesh",
    "frame_motion",
    "gray_thumbnail",
    "median_measures",
    "parallax_points",
    "parallax_residual",
    "repeat_distance",
    "scene_change",
    "trimmed_median",
]

# Points that sit on the skull, not on the mobile parts of the face: eye corners, nose bridge,
# tip and wings, chin, brows' inner ends, cheekbones, the face oval at the temples and the jaw.
# A head turn moves the nose tip against the cheeks and eye corners (it stands ~0.5 IOD in front
# of them); a warped photo keeps all of them on one homography.
PARALLAX_POINTS = (33, 133, 362, 263, 168, 6, 1, 4, 98, 327, 152, 107, 336, 50, 280, 234, 454, 132, 361, 10)
_EYES_RIGHT, _EYES_LEFT, _NOSE_TIP, _MOUTH = (33, 133), (362, 263), 1, (61, 291)
_NOSE_INDEX = PARALLAX_POINTS.index(_NOSE_TIP)
THUMB_SIZE = (160, 120)  # width, height of the grey thumbnail a frame is compared by


@dataclass(frozen=True, slots=True)
class FrameMotion:
    """How fast the face moved between two frames, per second.

    ``shift``: median landmark displacement (IOD/s); ``scale``: |log| of the IOD ratio (1/s);
    ``deformation``: median displacement left after the best similarity alignment, i.e. the
    non-rigid part (IOD/s); ``yaw``/``pitch``/``roll``: degrees per second.
    """

    shift: float
    scale: float
    deformation: float
    yaw: float
    pitch: float
    roll: float


def face_from_mesh(points: np.ndarray, box: tuple[float, float, float, float]) -> Face:
    """A detector-style ``Face`` from the mesh: the five ArcFace points (eye centres as the mean
    of their corners, nose tip, mouth corners) and the mesh's bounding box mapped by ``box``
    (width scale, height scale, centre shift in widths, in heights) onto the box YuNet would
    give, so that the anti-spoofing crops (trained on a detector's box) see the same thing."""
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    five = np.stack(
        [
            pts[list(_EYES_RIGHT)].mean(axis=0),
            pts[list(_EYES_LEFT)].mean(axis=0),
            pts[_NOSE_TIP],
            pts[_MOUTH[0]],
            pts[_MOUTH[1]],
        ]
    )
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    (w, h), (cx, cy) = hi - lo, (lo + hi) / 2
    width, height = float(w) * box[0], float(h) * box[1]
    cx, cy = float(cx) + box[2] * float(w), float(cy) + box[3] * float(h)
    return Face(
        box=BoundingBox(cx - width / 2, cy - height / 2, width, height),
        landmarks=tuple((float(x), float(y)) for x, y in five),
        score=1.0,
    )


def gray_thumbnail(image: np.ndarray) -> np.ndarray:
    """The whole frame as a small grey image (``THUMB_SIZE``), float32: what repeats and cuts are
    judged on. Area averaging takes out most pixel noise, not the motion of a face."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def _thumb_region(box: tuple[float, float, float, float], image_size: tuple[int, int]) -> tuple[slice, slice]:
    """The thumbnail pixels of an image-pixel box (x1, y1, x2, y2), at least 2 x 2."""
    w, h = image_size
    sx, sy = THUMB_SIZE[0] / w, THUMB_SIZE[1] / h
    x1 = int(np.clip(math.floor(box[0] * sx), 0, THUMB_SIZE[0] - 2))
    y1 = int(np.clip(math.floor(box[1] * sy), 0, THUMB_SIZE[1] - 2))
    x2 = int(np.clip(math.ceil(box[2] * sx), x1 + 2, THUMB_SIZE[0]))
    y2 = int(np.clip(math.ceil(box[3] * sy), y1 + 2, THUMB_SIZE[1]))
    return slice(y1, y2), slice(x1, x2)


def repeat_distance(
    previous: Sequence[np.ndarray],
    current: np.ndarray,
    box: tuple[float, float, float, float],
    image_size: tuple[int, int],
) -> float:
    """The smallest mean absolute grey-level difference (0-255) between ``current`` and any of the
    ``previous`` thumbnails inside the face box. The same picture sent again (even re-encoded at
    the same quality) stays under the sensor-noise floor of real video. ``inf`` without any."""
    if not previous:
        return math.inf
    rows, cols = _thumb_region(box, image_size)
    stack = np.stack([p[rows, cols] for p in previous])
    return float(np.abs(stack - current[rows, cols]).mean(axis=(1, 2)).min())


def scene_change(previous: np.ndarray, current: np.ndarray) -> float:
    """Mean absolute grey-level difference of two whole thumbnails after removing the change of
    mean brightness (auto exposure): a cut to another picture changes everything at once."""
    diff = current - previous
    return float(np.mean(np.abs(diff - float(diff.mean()))))


def _similarity_residual(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Per-point distance left after the least-squares similarity transform src -> dst."""
    src_c, dst_c = src - src.mean(axis=0), dst - dst.mean(axis=0)
    u, s, vt = np.linalg.svd(dst_c.T @ src_c / len(src))
    d = np.array([1.0, -1.0 if np.linalg.det(u @ vt) < 0 else 1.0])
    rotation = u @ np.diag(d) @ vt
    var = float((src_c**2).sum() / len(src))
    scale = float((s * d).sum() / var) if var > 0 else 1.0
    return np.asarray(np.linalg.norm(scale * src_c @ rotation.T - dst_c, axis=1))


def frame_motion(
    previous: np.ndarray, current: np.ndarray, pose_before: HeadPose, pose_after: HeadPose, dt: float
) -> FrameMotion:
    """Speeds of the face between two meshes ``dt`` seconds apart (``dt`` > 0)."""
    prev, cur = np.asarray(previous, np.float64)[:, :2], np.asarray(current, np.float64)[:, :2]
    iod_prev, iod_cur = inter_ocular_distance(prev), inter_ocular_distance(cur)
    iod = max((iod_prev + iod_cur) / 2, 1e-6)
    shift = float(np.median(np.linalg.norm(cur - prev, axis=1))) / iod
    deformation = float(np.median(_similarity_residual(prev, cur))) / iod
    scale = abs(math.log(max(iod_cur, 1e-6) / max(iod_prev, 1e-6)))
    return FrameMotion(
        shift=shift / dt,
        scale=scale / dt,
        deformation=deformation / dt,
        yaw=abs(pose_after.yaw - pose_before.yaw) / dt,
        pitch=abs(pose_after.pitch - pose_before.pitch) / dt,
        roll=abs(_angle_diff(pose_after.roll, pose_before.roll)) / dt,
    )


def _angle_diff(a: float, b: float) -> float:
    return (a - b + 180.0) % 360.0 - 180.0


def parallax_points(points: np.ndarray) -> np.ndarray:
    """The ``PARALLAX_POINTS`` of a mesh (image x, y): all a frame keeps for the 3D check."""
    return np.asarray(points, np.float32)[list(PARALLAX_POINTS), :2].copy()


def parallax_residual(reference: np.ndarray, turned: np.ndarray, yaw_change: float) -> float:
    """How far the nose tip moved against the rest of the face, beyond what one homography of the
    reference explains, in the direction of the turn (over the inter-ocular distance).

    The least-squares homography takes the reference frame's ``parallax_points`` onto the turned
    frame's. A planar picture, however warped, keeps every point on it: the nose's residual is
    the mesh's jitter, of either sign. A turning head moves its nose (which stands ~0.5 IOD in
    front of the eye corners and cheeks) further in the direction of the turn: a residual of
    the turn's sign (``yaw_change``: positive = nose to the image's right). A misfit mesh gives
    large residuals of random sign, so the sign matters as much as the size."""
    src = np.asarray(reference, np.float64)
    dst = np.asarray(turned, np.float64)
    matrix, _ = cv2.findHomography(src, dst, 0)  # plain least squares over every point
    if matrix is None:
        return 0.0
    projected = cv2.perspectiveTransform(src.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    eyes = dst[:4]  # PARALLAX_POINTS starts with the four eye corners
    axis = eyes[2:].mean(axis=0) - eyes[:2].mean(axis=0)  # subject's right eye -> left eye
    iod = float(np.linalg.norm(axis))
    if iod < 1e-6:
        return 0.0
    nose = dst[_NOSE_INDEX] - projected[_NOSE_INDEX]
    return float(nose @ (axis / iod)) / iod * (1.0 if yaw_change >= 0 else -1.0)


def median_measures(frames: Sequence[FaceMeasures]) -> FaceMeasures:
    """The per-field median of several frames' measures: one steady reference."""

    def med(values: Sequence[float]) -> float:
        return float(np.median(np.asarray(values, dtype=np.float64)))

    return FaceMeasures(
        inter_ocular=med([m.inter_ocular for m in frames]),
        ear_right=med([m.ear_right for m in frames]),
        ear_left=med([m.ear_left for m in frames]),
        mouth=MouthGeometry(
            width=med([m.mouth.width for m in frames]),
            opening=med([m.mouth.opening for m in frames]),
            corner_elevation=med([m.mouth.corner_elevation for m in frames]),
        ),
        pose=HeadPose(
            yaw=med([m.pose.yaw for m in frames]),
            pitch=med([m.pose.pitch for m in frames]),
            roll=med([m.pose.roll for m in frames]),
        ),
        eyes_refined=all(m.eyes_refined for m in frames),
    )


def action_progress(
    reference: FaceMeasures,
    open_eye_level: float,
    current: FaceMeasures,
    thresholds: ChallengeThresholds,
    smile: SmileScorer,
    *,
    smile_scores: tuple[float, float] | None = None,
) -> Mapping[str, float]:
    """Each challenge type's progress in ``current``: ``measure_challenge``'s change over its
    threshold against the neutral ``reference`` (blink: against the take's open-eye level),
    never below 0; >= 1 exactly when ``measure_challenge`` would pass (a smile must also reach
    the smiling score). ``smile_scores``: the (reference, current) smile scores when the caller
    scored the frames (see ``measure_challenge``)."""
    eyes_open = FaceMeasures(
        inter_ocular=reference.inter_ocular,
        ear_right=open_eye_level,
        ear_left=open_eye_level,
        mouth=reference.mouth,
        pose=reference.pose,
        eyes_refined=reference.eyes_refined,
    )
    progress: dict[str, float] = {}
    for kind in CHALLENGE_TYPES:
        typed: ChallengeType = kind  # type: ignore[assignment]
        base = eyes_open if kind == "blink" else reference
        measured = measure_challenge(typed, base, current, thresholds, smile, smile_scores=smile_scores)
        value = measured.change / measured.threshold if measured.threshold > 0 else 0.0
        if kind == "smile" and thresholds.smile_score > 0:
            value = min(value, measured.challenge / thresholds.smile_score)
        progress[kind] = max(0.0, value)
    return progress


def trimmed_median(values: Sequence[float]) -> float:
    """The median (robust to the few frames a model misjudges); 0 for no values."""
    return float(np.median(np.asarray(values, dtype=np.float64))) if len(values) else 0.0
