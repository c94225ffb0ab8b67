"""DeepFace's FasNet (PyTorch) on the real Silent-Face ``.pth`` files and real images."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="DeepFace's FasNet needs torch: pip install -e '.[deepface]'")

from liveness import ModelUnavailable
from liveness.backends.deepface import build_antispoof
from tests.conftest import MODELS_DIR, read_image


@pytest.fixture(scope="module")
def fasnet():  # type: ignore[no-untyped-def]
    return build_antispoof(MODELS_DIR)


def test_real_face_scores_real_and_the_recaptured_photo_does_not(fasnet, engine) -> None:  # type: ignore[no-untyped-def]
    real, spoof = read_image("silentface_real_spoof/image_T1.jpg"), read_image("silentface_real_spoof/image_F1.jpg")
    live = fasnet.score(real, engine.images.detect(real).largest)
    fake = fasnet.score(spoof, engine.images.detect(spoof).largest)
    assert [name for name, _ in live.per_model] == ["MiniFASNetV2", "MiniFASNetV1SE"]
    assert live.real > 0.9 and fake.real < 0.5
    assert live.real == pytest.approx(sum(p for _, p in live.per_model) / 2)


def test_the_same_weights_agree_with_the_default_engines_onnx_export(fasnet, engine) -> None:  # type: ignore[no-untyped-def]
    image = read_image("silentface_real_spoof/image_F1.jpg")
    face = engine.images.detect(image).largest
    mine = fasnet.score(image, face)
    theirs = engine.images.antispoof.score(image, face)
    for (name_a, p_a), (name_b, p_b) in zip(mine.per_model, theirs.per_model, strict=True):
        assert name_a == name_b and p_a == pytest.approx(p_b, abs=0.02)


def test_missing_pth_files_are_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="--backend deepface"):
        build_antispoof(tmp_path)
