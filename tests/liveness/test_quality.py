"""The face quality gate: pure landmark geometry, then the real models on real and degraded photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from liveness import FaceQualityTooLow, LivenessEngine, QualityConfig
from liveness.embed import ARCFACE_TEMPLATE
from liveness.quality import landmark_pose
from tests.conftest import encode_b64, read_b64, read_image

GOOD = [
    "deepface_identities/img2.jpg",
    "deepface_identities/img13.jpg",
    "faceonnx_identities/brad_1.jpg",
    "faceonnx_identities/sarah_paulson_fit.jpg",
    "silentface_real_spoof/image_T1.jpg",
    "faceonnx_eye_state/closed_closed.jpg",
    "nuaa_antispoof/images/real/0013/0013_01_07_03_142.jpg",
]


def test_pose_of_the_frontal_template_and_of_a_turned_face() -> None:
    inter_ocular, yaw, pitch = landmark_pose(ARCFACE_TEMPLATE)
    assert inter_ocular == pytest.approx(35.24, abs=0.01)
    assert abs(yaw) < 0.02 and 0.45 < pitch < 0.55
    turned = ARCFACE_TEMPLATE.copy()
    turned[2, 0] += 0.7 * inter_ocular  # nose tip moved sideways: a head turned to one side
    assert landmark_pose(turned)[1] == pytest.approx(0.7 + yaw, abs=1e-4)  # the eye line tilts slightly
    # Rotating the whole face in the image plane changes neither measure.
    angle = np.deg2rad(30)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    rolled = landmark_pose(ARCFACE_TEMPLATE @ rotation.T * 2.0)
    assert rolled == pytest.approx((2 * inter_ocular, yaw, pitch), abs=1e-6)


def test_quality_config_refuses_inconsistent_limits() -> None:
    with pytest.raises(ValueError):
        QualityConfig(min_pitch=0.9, max_pitch=0.5)
    with pytest.raises(ValueError):
        QualityConfig(max_yaw=0)


@pytest.mark.parametrize("name", GOOD)
def test_good_photos_pass_the_gate(engine: LivenessEngine, name: str) -> None:
    image = read_image(name)
    quality = engine.images.assess_quality(image, engine.images.subject(image).face)
    assert quality.passed, quality
    assert quality.reasons == ()


def test_small_blurred_and_turned_faces_are_refused_with_reasons(engine: LivenessEngine) -> None:
    image = read_image("faceonnx_identities/brad_1.jpg")
    face = engine.images.subject(image).face
    tiny = cv2.resize(image, None, fx=0.1, fy=0.1, interpolation=cv2.INTER_AREA)
    tiny_face = engine.images.subject(tiny).face
    assert "face_too_small" in engine.images.assess_quality(tiny, tiny_face).reasons
    blurred = cv2.GaussianBlur(image, (0, 0), 6.0)
    assert engine.images.assess_quality(blurred, engine.images.subject(blurred).face).reasons == ("face_too_blurred",)
    # The same face with its nose landmark moved far to one side reads as a profile.
    points = list(face.landmarks)
    eyes = np.subtract(points[1], points[0])
    points[2] = (points[2][0] + 0.9 * float(np.hypot(*eyes)), points[2][1])
    turned = type(face)(face.box, tuple(points), face.score)
    assert engine.images.assess_quality(image, turned).reasons == ("face_off_frontal",)


def test_match_refuses_an_unusable_face_instead_of_guessing(engine: LivenessEngine) -> None:
    id_photo = read_image("faceonnx_identities/brad_pitt_fit.jpg")
    selfie = cv2.GaussianBlur(read_image("faceonnx_identities/brad_1.jpg"), (0, 0), 6.0)
    with pytest.raises(FaceQualityTooLow) as info:
        engine.images.match(id_photo, selfie)
    assert info.value.field == "selfieImage" and info.value.reasons == ["face_too_blurred"]
    with pytest.raises(FaceQualityTooLow):
        engine.images.verify(id_photo, selfie)
    # Without the gate the same pair is a low-confidence guess.
    guess = engine.images.match(id_photo, selfie, check_quality=False)
    assert guess.confidence < engine.images.match(id_photo, read_image("faceonnx_identities/brad_1.jpg")).confidence


def test_api_answers_422_face_quality_too_low(client: TestClient) -> None:
    blurred = encode_b64(cv2.GaussianBlur(read_image("faceonnx_identities/brad_1.jpg"), (0, 0), 6.0))
    for route, body in (
        ("/face-match", {"idImage": blurred, "selfieImage": read_b64("faceonnx_identities/brad_pitt_fit.jpg")}),
        ("/verify", {"idImage": read_b64("faceonnx_identities/brad_pitt_fit.jpg"), "selfieImage": blurred}),
    ):
        response = client.post(route, json=body)
        assert response.status_code == 422, response.text
        error = response.json()
        assert error["code"] == "face_quality_too_low"
        assert error["reasons"] == ["face_too_blurred"]
        assert error["field"] == ("idImage" if route == "/face-match" else "selfieImage")
