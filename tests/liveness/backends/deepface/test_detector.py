"""DeepFace's detectors on real images, with the weights that exist here (YuNet; OpenCV's cascades
where the models directory or the OpenCV wheel has them), and the landmark completion."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from liveness import ModelUnavailable
from liveness.backends.deepface import build_detector
from liveness.backends.deepface.detector import five_points, template_landmarks
from liveness.backends.deepface.weights import WeightFiles, weights_for
from liveness.embed import ARCFACE_TEMPLATE, similarity_transform
from liveness.types import BoundingBox
from tests.conftest import MODELS_DIR, read_image


class Region:
    def __init__(self, **points: tuple[int, int] | None) -> None:
        self.right_eye = points.get("right_eye")
        self.left_eye = points.get("left_eye")
        self.nose = points.get("nose")
        self.mouth_right = points.get("mouth_right")
        self.mouth_left = points.get("mouth_left")


def test_two_eyes_complete_to_the_template_so_alignment_is_the_eye_alignment() -> None:
    points = np.array(template_landmarks((100.0, 120.0), (160.0, 110.0)))
    assert points.shape == (5, 2)
    assert tuple(points[0]) == (100.0, 120.0) and tuple(points[1]) == (160.0, 110.0)
    # The five points are the template under one similarity transform: aligning them is exact.
    matrix = similarity_transform(points, ARCFACE_TEMPLATE)
    mapped = np.hstack([points, np.ones((5, 1))]) @ matrix.T
    assert np.allclose(mapped, ARCFACE_TEMPLATE, atol=1e-3)
    # The nose sits below the eyes, the mouth below the nose (image y grows downwards).
    assert points[2, 1] > points[:2, 1].mean() and points[3:, 1].mean() > points[2, 1]


def test_five_points_keep_a_detectors_own_landmarks_and_fall_back_to_the_box() -> None:
    box = BoundingBox(10, 20, 112, 112)
    full = Region(right_eye=(1, 2), left_eye=(3, 4), nose=(5, 6), mouth_right=(7, 8), mouth_left=(9, 10))
    assert five_points(full, box) == ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10))
    eyes_only = five_points(Region(right_eye=(40, 70), left_eye=(80, 70)), box)
    assert eyes_only[:2] == ((40.0, 70.0), (80.0, 70.0)) and len(eyes_only) == 5
    none = np.array(five_points(Region(), box))
    assert np.allclose(none, ARCFACE_TEMPLATE + np.array([10, 20]), atol=1e-4)


def test_yunet_through_deepface_finds_the_face_with_five_points() -> None:
    detector = build_detector("yunet", MODELS_DIR)
    image = read_image("silentface_real_spoof/image_T1.jpg")
    result = detector.detect(image)
    assert len(result.faces) == 1
    face = result.faces[0]
    assert 0.9 <= face.score <= 1.0 and len(face.landmarks) == 5
    right, left = face.landmarks[0], face.landmarks[1]
    assert right[0] < left[0]  # the subject's right eye is on the image's left
    x, y, w, h = face.box.x, face.box.y, face.box.width, face.box.height
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks)
    assert detector.detect(np.zeros((200, 300, 3), np.uint8)).faces == ()


def test_mtcnn_through_deepface_agrees_with_yunet_on_the_eyes(tmp_path: Path) -> None:
    pytest.importorskip("mtcnn", reason="the mtcnn package (in livecred[deepface]) is not installed")
    image = read_image("silentface_real_spoof/image_T1.jpg")
    mtcnn = build_detector("mtcnn", tmp_path).detect(image)  # its weights ship inside the package
    yunet = build_detector("yunet", MODELS_DIR).detect(image)
    assert len(mtcnn.faces) == 1 and mtcnn.faces[0].score > 0.9
    ours, theirs = np.array(mtcnn.faces[0].landmarks[:2]), np.array(yunet.faces[0].landmarks[:2])
    inter_ocular = float(np.linalg.norm(theirs[1] - theirs[0]))
    assert np.all(np.linalg.norm(ours - theirs, axis=1) < 0.2 * inter_ocular)


def _cascade_dir(tmp_path: Path, deepface_models: Callable[..., Path]) -> Path:
    for directory in (MODELS_DIR, deepface_models()):  # fetched, or from LIVECRED_CASCADES_DIR (CI)
        files = WeightFiles(directory)
        if all(files.path_of(w).is_file() for w in weights_for("opencv")):
            return directory
    import cv2

    data = Path(cv2.__file__).parent / "data"
    if all((data / w.name).is_file() for w in weights_for("opencv")):
        return tmp_path  # DeepFace reads them from the OpenCV wheel
    pytest.skip(
        "OpenCV's Haar cascades are not here: OpenCV 5 wheels ship none and the models directory has no "
        "deepface/haarcascade_*.xml (`livecred models fetch --backend deepface --model opencv`; "
        "CI: LIVECRED_CASCADES_DIR from .ci/cascades.sh)"
    )


def test_opencv_cascade_finds_the_largest_face_first(tmp_path: Path, deepface_models: Callable[..., Path]) -> None:
    detector = build_detector("opencv", _cascade_dir(tmp_path, deepface_models))
    image = read_image("faceonnx_identities/nicole_1.jpg")
    result = detector.detect(image)
    assert len(result.faces) >= 1
    areas = [f.box.area for f in result.faces]
    assert areas == sorted(areas, reverse=True)
    largest = result.faces[0]
    assert len(largest.landmarks) == 5 and 0.0 <= largest.score <= 1.0
    assert 200 <= largest.box.width <= 600
    # The same face YuNet finds: the cascade's box holds YuNet's eyes.
    (yunet,) = build_detector("yunet", MODELS_DIR).detect(image).faces[:1]
    box = largest.box
    for x, y in yunet.landmarks[:2]:
        assert box.x <= x <= box.x + box.width and box.y <= y <= box.y + box.height


def test_a_detector_without_its_weights_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="livecred models fetch --backend deepface") as info:
        build_detector("retinaface", tmp_path)
    assert info.value.missing == ("retinaface.h5",)
    with pytest.raises(ValueError, match="unknown DeepFace detector"):
        build_detector("dlib", tmp_path)


def test_a_detector_whose_package_is_missing_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mtcnn", None)  # as if not installed
    with pytest.raises(ModelUnavailable, match="mtcnn") as info:
        build_detector("mtcnn", tmp_path)
    assert info.value.code == "deepface_unavailable"


@pytest.mark.slow  # about 90 s on two cores: building retina-face's ResNet50 twice
def test_retinaface_loads_its_weight_file_through_the_verified_copy(deepface_models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """retina-face asks its own ``weight_utils`` for ``retinaface.h5``: it gets the verified copy
    (random weights built with its architecture, so the faces it finds mean nothing)."""
    detector = build_detector("retinaface", deepface_models("retinaface"))
    image = read_image("silentface_real_spoof/image_T1.jpg")
    result = detector.detect(image)
    assert (result.image_width, result.image_height) == (image.shape[1], image.shape[0])
    assert all(len(f.landmarks) == 5 and 0.0 <= f.score <= 1.0 for f in result.faces)
