"""DeepFace's recognition models end to end on weight files built with their own architectures
(random, seeded): the path from a livecred face to a unit vector, the input each model gets, the
confidence scale, and that nothing is downloaded or written outside the private directory."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from liveness import ModelUnavailable
from liveness.backends.deepface import build_embedder
from liveness.backends.deepface.recognition import RECOGNITION_MODELS, aligned_crop, deepface_mapping
from liveness.embed import ConfidenceMapping, cosine_similarity, operating_point_confidence
from tests.conftest import read_image

DEFAULT = operating_point_confidence("default")


@pytest.mark.parametrize(("model", "threshold"), [("Facenet", 0.40), ("Facenet512", 0.30), ("ArcFace", 0.68)])
def test_deepfaces_own_threshold_is_livecreds_default_confidence(model: str, threshold: float) -> None:
    mapping = RECOGNITION_MODELS[model].mapping
    assert mapping.confidence(1.0 - threshold) == pytest.approx(DEFAULT, abs=1e-4)
    assert mapping.cosine_for(DEFAULT) == pytest.approx(1.0 - threshold, abs=1e-6)
    assert mapping.confidence(1.0 - threshold - 0.01) < DEFAULT < mapping.confidence(1.0 - threshold + 0.01)
    assert mapping.confidence(-1.0) == 0.0 and mapping.confidence(1.0) == 1.0


def test_the_mapping_keeps_the_scale_monotone_and_is_the_identity_at_the_base_anchor() -> None:
    base = ConfidenceMapping()
    same = deepface_mapping(base.cosine_for(DEFAULT))
    assert same.cosines == pytest.approx(base.cosines, abs=1e-6)
    for cosine in (-0.9, 0.05, 0.5, 0.9):
        moved = deepface_mapping(cosine)
        assert all(b > a for a, b in zip(moved.cosines, moved.cosines[1:], strict=False))
    with pytest.raises(ValueError):
        deepface_mapping(1.0)


@pytest.fixture(scope="module")
def face_images(engine):  # type: ignore[no-untyped-def]
    """Real faces and their livecred detections (the default engine's YuNet)."""
    names = ("deepface_identities/img1.jpg", "deepface_identities/img2.jpg", "deepface_identities/img13.jpg")
    images = [read_image(n) for n in names]
    return [(image, engine.images.detect(image).largest) for image in images]


@pytest.fixture(scope="module")
def facenet512(deepface_models: Callable[..., Path]):  # type: ignore[no-untyped-def]
    return build_embedder("Facenet512", deepface_models("Facenet512"))


def test_facenet512_embeds_a_face_as_a_deterministic_unit_vector(facenet512, face_images) -> None:  # type: ignore[no-untyped-def]
    image, face = face_images[0]
    first = facenet512.embed(image, face)
    assert first.shape == (512,) and first.dtype == np.float32
    assert float(np.linalg.norm(first)) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(first, facenet512.embed(image.copy(), face))
    others = [facenet512.embed(i, f) for i, f in face_images[1:]]
    assert all(-1.0 <= cosine_similarity(first, o) < 0.99999 for o in others)


def test_facenet_input_is_deepfaces_letterboxed_base_normalised_crop(facenet512, face_images) -> None:  # type: ignore[no-untyped-def]
    image, face = face_images[0]
    crop = aligned_crop(image, face)
    assert crop.dtype == np.uint8 and crop.ndim == 3
    # The crop is the face box, rotated level: about the box's size.
    assert abs(crop.shape[0] - face.box.height) <= 0.2 * face.box.height
    tensor = facenet512.preprocess(crop)
    assert tensor.shape == (1, 160, 160, 3) and tensor.dtype == np.float32
    assert float(tensor.min()) >= 0.0 and float(tensor.max()) <= 1.0  # DeepFace's "base": BGR in [0, 1]
    # Channel order stays BGR: a blue crop stays blue.
    blue = np.zeros((80, 80, 3), np.uint8)
    blue[..., 0] = 255
    assert facenet512.preprocess(blue)[0, 80, 80].tolist() == pytest.approx([1.0, 0.0, 0.0])


def test_the_vector_is_deepfaces_own_represent_of_the_crop(facenet512, face_images, deepface_models) -> None:  # type: ignore[no-untyped-def]
    """DeepFace's ``represent`` (detector ``skip``) on the aligned crop gives the same vector."""
    from deepface.modules import representation

    from liveness.backends.deepface._runtime import served_weights
    from liveness.backends.deepface.weights import WeightFiles, weights_for

    image, face = face_images[1]
    crop = aligned_crop(image, face)
    with served_weights(WeightFiles(deepface_models("Facenet512")), weights_for("Facenet512")):
        (theirs,) = representation.represent(crop, model_name="Facenet512", detector_backend="skip")
    vector = np.asarray(theirs["embedding"], dtype=np.float32)
    mine = facenet512.embed(image, face)
    assert np.allclose(mine, vector / np.linalg.norm(vector), atol=1e-5)


def test_loading_writes_nothing_outside_its_private_directory(deepface_models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = deepface_models("Facenet")
    before = set(Path(tempfile.gettempdir()).glob("livecred-deepface-*"))
    home_had_deepface = (Path.home() / ".deepface").exists()
    embedder = build_embedder("Facenet", directory)
    assert embedder.dimension == 128
    assert set(Path(tempfile.gettempdir()).glob("livecred-deepface-*")) == before  # the private copy is gone
    assert (Path.home() / ".deepface").exists() == home_had_deepface  # DeepFace's home is never created


def test_facenet_gives_128_values(deepface_models, face_images) -> None:  # type: ignore[no-untyped-def]
    embedder = build_embedder("Facenet", deepface_models("Facenet"))
    image, face = face_images[2]
    vector = embedder.embed(image, face)
    assert vector.shape == (128,) and float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)


def test_a_weight_file_of_another_model_is_refused(deepface_models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Facenet's file under Facenet512's name (its hash recorded): the shapes do not fit."""
    import hashlib

    source = deepface_models("Facenet") / "deepface" / "facenet_weights.h5"
    (tmp_path / "deepface").mkdir()
    (tmp_path / "deepface" / "facenet512_weights.h5").write_bytes(source.read_bytes())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    (tmp_path / "deepface" / "SHA256SUMS").write_text(f"{digest}  facenet512_weights.h5\n")
    with pytest.raises(ModelUnavailable, match="do not load"):
        build_embedder("Facenet512", tmp_path)


def test_missing_weights_name_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="livecred models fetch --backend deepface"):
        build_embedder("ArcFace", tmp_path)
    with pytest.raises(ValueError, match="unknown DeepFace recognition model"):
        build_embedder("OpenFace", tmp_path)


def test_arcface_takes_112_pixels_and_gives_512_values(deepface_models, face_images) -> None:  # type: ignore[no-untyped-def]
    embedder = build_embedder("ArcFace", deepface_models("ArcFace"))
    image, face = face_images[0]
    assert embedder.preprocess(aligned_crop(image, face)).shape == (1, 112, 112, 3)
    vector = embedder.embed(image, face)
    assert vector.shape == (512,) and float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    assert embedder.mapping.cosine_for(DEFAULT) == pytest.approx(0.32)
