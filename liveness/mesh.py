"""Dense face landmarks -> eye aspect ratio, mouth geometry and head pose.

Everything here is a pure function of the landmarks (MediaPipe's 468-point topology, image
pixels), so it is tested without models. Every length is divided by the inter-ocular distance
(between the two eye centres), so the measures do not depend on how far the face is from the
camera; decisions compare them with the same person's own values (a baseline frame, the open-eye
level of a burst), because absolute values differ between people: open eyes measured 0.17-0.40
across the shared test photos.

* Eye aspect ratio (Soukupova & Cech 2016): the mean of three upper-to-lower eyelid distances
  over the corner-to-corner width, from the 16-point eye contour (refined by the iris model when
  it runs). Open eyes measure about 0.2-0.4, closed about 0.03-0.12.
* Mouth: width (corner to corner), opening (inner lips), and lip-corner elevation: how far the
  corners sit above the lip midline, measured perpendicular to the eye line (positive = raised,
  as in a smile).
* Head pose without a reference 3-D model: the face's left-right axis is the mean direction of
  30 mirror-symmetric landmark pairs in the mesh's 3-D output, its vertical axis runs from
  forehead to chin. Yaw is positive when the person turns to their own left (the nose moves to
  the image's right in an unmirrored camera frame), pitch positive looking up, roll positive
  when the eye line turns clockwise in the image. Degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LEFT_EYE_CONTOUR",
    "RIGHT_EYE_CONTOUR",
    "SYMMETRIC_PAIRS",
    "FaceLandmarks",
    "FaceMeasures",
    "HeadPose",
    "MouthGeometry",
    "eye_aspect_ratio",
    "head_pose",
    "inter_ocular_distance",
    "measure_face",
    "mouth_geometry",
]

# Eye contours in the order MediaPipe's iris model returns them: 9 lower-lid points from the
# outer corner to the inner one (subject's right eye, image left: 33 -> 133), then the 7 upper-lid
# points between the corners in the same direction. The left eye mirrors it (263 -> 362).
RIGHT_EYE_CONTOUR = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173)
LEFT_EYE_CONTOUR = (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398)
# Upper-lid / lower-lid positions in a 16-point contour: the three vertical pairs of the EAR.
_EAR_PAIRS = ((10, 2), (12, 4), (14, 6))

_RIGHT_EYE_CORNERS = (33, 133)
_LEFT_EYE_CORNERS = (263, 362)
_MOUTH_CORNERS = (61, 291)  # subject's right, left
_INNER_LIPS = (13, 14)  # upper, lower
_FOREHEAD, _CHIN = 10, 152

# (subject's right side, subject's left side): the eye corners, brows, nose wings, cheeks, face
# oval and lips. Checked on a frontal face: each pair is mirror-symmetric about the midline.
SYMMETRIC_PAIRS = (
    (33, 263), (133, 362), (159, 386), (145, 374), (70, 300), (63, 293), (105, 334), (66, 296),
    (107, 336), (98, 327), (129, 358), (64, 294), (48, 278), (50, 280), (205, 425), (187, 411),
    (123, 352), (117, 346), (234, 454), (127, 356), (93, 323), (132, 361), (58, 288), (172, 397),
    (136, 365), (150, 379), (21, 251), (54, 284), (103, 332), (61, 291),
)  # fmt: skip


@dataclass(frozen=True, slots=True, eq=False)
class FaceLandmarks:
    """The mesh of one face, in the pixels of the image it came from.

    ``points`` is 468 x 3 (x, y, z); z is depth in the same scale as x, smaller = nearer the
    camera. ``right_eye`` / ``left_eye`` are the 16-point eye contours (subject's right = image
    left), refined by the iris model when ``eyes_refined``. ``presence`` is the mesh model's
    face-presence probability.
    """

    points: np.ndarray
    right_eye: np.ndarray
    left_eye: np.ndarray
    presence: float
    eyes_refined: bool


@dataclass(frozen=True, slots=True)
class MouthGeometry:
    """Mouth measures as fractions of the inter-ocular distance."""

    width: float
    opening: float
    corner_elevation: float


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Degrees; see the module docstring for the signs."""

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True, slots=True)
class FaceMeasures:
    """What the challenges compare: eyes, mouth and pose of one face."""

    inter_ocular: float  # pixels, between the eye centres
    ear_right: float
    ear_left: float
    mouth: MouthGeometry
    pose: HeadPose
    eyes_refined: bool = True  # the EARs come from the iris model's contours, not the mesh's

    @property
    def ear(self) -> float:
        """Both eyes' mean eye aspect ratio: a blink closes both."""
        return (self.ear_right + self.ear_left) / 2


def eye_aspect_ratio(contour: np.ndarray) -> float:
    """EAR of a 16-point eye contour (see ``RIGHT_EYE_CONTOUR`` for the order)."""
    pts = np.asarray(contour, dtype=np.float64)[:, :2]
    width = float(np.linalg.norm(pts[0] - pts[8]))
    if width <= 0:
        return 0.0
    heights = [float(np.linalg.norm(pts[up] - pts[low])) for up, low in _EAR_PAIRS]
    return float(np.mean(heights)) / width


def inter_ocular_distance(points: np.ndarray) -> float:
    """Distance between the eye centres (each the mean of its two corners), pixels."""
    right = points[list(_RIGHT_EYE_CORNERS), :2].mean(axis=0)
    left = points[list(_LEFT_EYE_CORNERS), :2].mean(axis=0)
    return float(np.linalg.norm(left - right))


def _eye_line(points: np.ndarray) -> np.ndarray:
    """Unit vector along the eye line, from the subject's right eye to the left (image plane)."""
    right = points[list(_RIGHT_EYE_CORNERS), :2].mean(axis=0)
    left = points[list(_LEFT_EYE_CORNERS), :2].mean(axis=0)
    axis = left - right
    norm = float(np.linalg.norm(axis))
    return np.asarray(axis / norm) if norm > 0 else np.array([1.0, 0.0])


def mouth_geometry(points: np.ndarray, inter_ocular: float | None = None) -> MouthGeometry:
    """Width, opening and corner elevation of the mouth, relative to the inter-ocular distance."""
    iod = inter_ocular if inter_ocular is not None else inter_ocular_distance(points)
    if iod <= 0:
        return MouthGeometry(0.0, 0.0, 0.0)
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    right, left = pts[_MOUTH_CORNERS[0]], pts[_MOUTH_CORNERS[1]]
    upper, lower = pts[_INNER_LIPS[0]], pts[_INNER_LIPS[1]]
    x_axis = _eye_line(pts)
    up = np.array([x_axis[1], -x_axis[0]])  # perpendicular to the eye line, towards the forehead
    centre = (upper + lower) / 2
    elevation = float(((right - centre) @ up + (left - centre) @ up) / 2)
    return MouthGeometry(
        width=float(np.linalg.norm(left - right)) / iod,
        opening=float(np.linalg.norm(lower - upper)) / iod,
        corner_elevation=elevation / iod,
    )


def head_pose(points: np.ndarray) -> HeadPose:
    """Yaw, pitch and roll from the mesh's 3-D points (see the module docstring)."""
    pts = np.asarray(points, dtype=np.float64)
    pairs = np.asarray(SYMMETRIC_PAIRS)
    across = pts[pairs[:, 1]] - pts[pairs[:, 0]]
    across /= np.maximum(np.linalg.norm(across, axis=1, keepdims=True), 1e-9)
    x_axis = across.mean(axis=0)
    x_axis /= max(float(np.linalg.norm(x_axis)), 1e-9)
    down = pts[_CHIN] - pts[_FOREHEAD]
    y_axis = down - (down @ x_axis) * x_axis
    y_axis /= max(float(np.linalg.norm(y_axis)), 1e-9)
    # Image axes: x right, y down, z away from the camera. Turning to one's own left takes the
    # left side of the face away from the camera (x_axis gains +z); looking up brings the chin
    # nearer (y_axis gains -z).
    return HeadPose(
        yaw=math.degrees(math.atan2(x_axis[2], x_axis[0])),
        pitch=math.degrees(math.atan2(-y_axis[2], y_axis[1])),
        roll=math.degrees(math.atan2(x_axis[1], x_axis[0])),
    )


def measure_face(landmarks: FaceLandmarks) -> FaceMeasures:
    """All the measures of one face."""
    iod = inter_ocular_distance(landmarks.points)
    return FaceMeasures(
        inter_ocular=iod,
        ear_right=eye_aspect_ratio(landmarks.right_eye),
        ear_left=eye_aspect_ratio(landmarks.left_eye),
        mouth=mouth_geometry(landmarks.points, iod),
        pose=head_pose(landmarks.points),
        eyes_refined=landmarks.eyes_refined,
    )
