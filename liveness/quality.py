"""Face quality gate: is a detected face usable for matching at all?

A face too small, too blurred or turned too far gives an embedding the match threshold cannot
judge: a genuine pair then scores like an impostor pair and the caller gets a low-confidence
guess. The gate measures the face before matching and lets the caller refuse it with a reason
("retake the photo") instead. Everything is computed from what the detector already returns
(box, five landmarks) and the 112x112 aligned crop the embedder sees, so it costs well under a
millisecond and needs no extra model:

* ``face_too_small``: the inter-ocular distance in pixels of the source image. The embedder's
  template puts the eyes 35 px apart; below ``min_inter_ocular`` the crop is upsampled so much
  that the embedding degrades (see the model card for the measured curve).
* ``face_too_blurred``: the variance of the Laplacian of the aligned grey crop, i.e. at the
  embedder's own scale, so it compares faces of any source size. Below ``min_sharpness``
  the fine detail the embedding relies on is gone (out of focus, motion blur, heavy upscaling).
* ``face_off_frontal``: yaw and pitch proxies from the five landmarks, in the frame where the
  eyes are level: the nose tip's horizontal offset from the eye midpoint over the inter-ocular
  distance (0 frontal, about 0.5 at 45 degrees), and where the nose sits between the eye line and
  the mouth line (about 0.45-0.6 frontal). Outside the limits the five-point alignment no
  longer brings the face onto the frontal template.
* ``eyes_not_visible``: an eye landmark outside the image, or the two eye landmarks nearly on
  top of each other relative to the face width (one eye hidden in a profile). Geometric only:
  dark glasses over visible eye positions are not detected.

The result is a verdict (a frozen dataclass with the reasons); the match paths turn a failed
gate into :class:`FaceQualityTooLow` for the caller. Thresholds come from ``bench/accuracy``
(numbers in docs/MODEL_CARD.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from liveness.embed import align_face
from liveness.types import Face

__all__ = ["QUALITY_REASONS", "QualityConfig", "QualityResult", "assess_face_quality", "landmark_pose"]

QUALITY_REASONS = ("face_too_small", "face_too_blurred", "face_off_frontal", "eyes_not_visible")


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Limits of the gate; the defaults are the calibrated, shipped ones."""

    min_inter_ocular: float = 15.0
    min_sharpness: float = 25.0
    max_yaw: float = 0.6
    min_pitch: float = 0.2
    max_pitch: float = 0.85
    min_eye_span: float = 0.2  # inter-ocular distance over the box width

    def __post_init__(self) -> None:
        if self.min_inter_ocular < 0 or self.min_sharpness < 0 or self.max_yaw <= 0 or self.min_eye_span < 0:
            raise ValueError("quality limits must be non-negative (max_yaw positive)")
        if not self.min_pitch < self.max_pitch:
            raise ValueError("min_pitch must be below max_pitch")


@dataclass(frozen=True, slots=True)
class QualityResult:
    """The gate's verdict for one face: ``passed`` when ``reasons`` is empty.

    ``reasons`` are drawn from :data:`QUALITY_REASONS`, in that order. The measures are returned
    for diagnostics: ``inter_ocular`` (px), ``sharpness`` (Laplacian variance of the aligned
    crop), ``yaw`` (signed, in inter-ocular units; positive when the nose is to the image's
    right), ``pitch`` (nose position between eye line and mouth line, 0..1).
    """

    passed: bool
    reasons: tuple[str, ...]
    inter_ocular: float
    sharpness: float
    yaw: float
    pitch: float
    config: QualityConfig


def landmark_pose(landmarks: np.ndarray) -> tuple[float, float, float]:
    """(inter-ocular distance, yaw proxy, pitch proxy) from the five landmarks (see the module doc)."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    right_eye, left_eye, nose, mouth_r, mouth_l = points
    eye_mid, mouth_mid = (right_eye + left_eye) / 2, (mouth_r + mouth_l) / 2
    axis = left_eye - right_eye
    inter_ocular = float(np.hypot(*axis))
    if inter_ocular < 1e-6:
        return 0.0, 0.0, 0.5
    x_axis = axis / inter_ocular
    y_axis = np.array([-x_axis[1], x_axis[0]])  # image "down" when the eyes are level
    yaw = float((nose - eye_mid) @ x_axis / inter_ocular)
    eye_to_mouth = float((mouth_mid - eye_mid) @ y_axis)
    pitch = float((nose - eye_mid) @ y_axis / eye_to_mouth) if eye_to_mouth > 1e-6 else 0.5
    return inter_ocular, yaw, pitch


def sharpness(aligned: np.ndarray) -> float:
    """Variance of the Laplacian of the grey aligned crop (higher is sharper)."""
    grey = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY) if aligned.ndim == 3 else aligned
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def assess_face_quality(image: np.ndarray, face: Face, config: QualityConfig | None = None) -> QualityResult:
    """Measure ``face`` in ``image`` and judge it against ``config``."""
    config = config or QualityConfig()
    landmarks = face.landmarks_array()
    inter_ocular, yaw, pitch = landmark_pose(landmarks)
    crop_sharpness = sharpness(align_face(image, landmarks))
    height, width = image.shape[:2]
    eyes = landmarks[:2]
    eyes_inside = bool(np.all((eyes >= 0) & (eyes < np.array([width, height]))))
    eye_span = inter_ocular / face.box.width if face.box.width > 0 else 0.0
    failed = {
        "face_too_small": inter_ocular < config.min_inter_ocular,
        "face_too_blurred": crop_sharpness < config.min_sharpness,
        "face_off_frontal": abs(yaw) > config.max_yaw or not config.min_pitch <= pitch <= config.max_pitch,
        "eyes_not_visible": not eyes_inside or eye_span < config.min_eye_span,
    }
    reasons = tuple(reason for reason in QUALITY_REASONS if failed[reason])
    return QualityResult(
        passed=not reasons,
        reasons=reasons,
        inter_ocular=inter_ocular,
        sharpness=crop_sharpness,
        yaw=yaw,
        pitch=pitch,
        config=config,
    )
