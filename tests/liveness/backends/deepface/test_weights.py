"""Where DeepFace's weights live and how they are checked, without DeepFace's models."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from liveness import ModelUnavailable
from liveness.backends.deepface import WEIGHTS, WeightFiles, weights_for
from liveness.backends.deepface.weights import FETCHABLE_MODELS, read_records
from tests.conftest import MODELS_DIR


def test_files_keep_deepfaces_names_and_reuse_livecreds_files() -> None:
    assert weights_for("Facenet512")[0].path == "deepface/facenet512_weights.h5"
    assert weights_for("yunet")[0].path == "yunet/face_detection_yunet_2023mar.onnx"
    assert [w.path for w in weights_for("Fasnet")] == [
        "minifasnet/2.7_80x80_MiniFASNetV2.pth",
        "minifasnet/4_0_0_80x80_MiniFASNetV1SE.pth",
    ]
    for weight in WEIGHTS.values():
        assert Path(weight.path).name == weight.name
        assert weight.urls and all(u.startswith("https://") for u in weight.urls)


def test_pinned_hashes_match_the_shared_files() -> None:
    files = WeightFiles(MODELS_DIR)
    for model in ("yunet", "Fasnet"):
        for weight in weights_for(model):
            assert files.read_verified(weight)


def test_a_missing_file_names_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="--backend deepface") as info:
        WeightFiles(tmp_path).require(["Facenet512", "Emotion"])
    assert info.value.missing == ("facenet512_weights.h5", "facial_expression_model_weights.h5")


def test_an_unrecorded_release_file_is_refused(tmp_path: Path) -> None:
    (weight,) = weights_for("Emotion")
    (tmp_path / "deepface").mkdir()
    (tmp_path / weight.path).write_bytes(b"not verified")
    with pytest.raises(ModelUnavailable, match="no pinned or recorded sha256"):
        WeightFiles(tmp_path).read_verified(weight)
    (tmp_path / "deepface" / "SHA256SUMS").write_text(f"{hashlib.sha256(b'other').hexdigest()}  {weight.name}\n")
    assert read_records(tmp_path) == {weight.name: hashlib.sha256(b"other").hexdigest()}
    with pytest.raises(ModelUnavailable, match="fails its sha256 check"):
        WeightFiles(tmp_path).read_verified(weight)


def test_every_fetchable_model_has_its_files() -> None:
    assert {"Facenet", "Facenet512", "ArcFace", "VGG-Face", "Emotion", "Fasnet", "yunet", "opencv"} <= set(
        FETCHABLE_MODELS
    )
    with pytest.raises(KeyError, match="unknown DeepFace model"):
        weights_for("Nope")
