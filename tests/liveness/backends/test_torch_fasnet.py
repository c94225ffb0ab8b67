"""torch FasNet: the official Silent-Face ``.pth`` weights on PyTorch, proven equivalent to the ONNX engine.

Both runtimes get the same image, the same YuNet box (the largest face) and the same crop and
pre-processing code (``liveness.antispoof.silentface_input``); only the network runtime differs.
Measured over every image of the shared test data (5,571 files in this half; YuNet found a face
in all but 2 SMILEsmileD crops), the largest differences were 2.5e-05 on a raw logit, 1.2e-05 on a
member's P(real) and 5.9e-06 on the fused score (all on SMILEsmileD not_smiling/2622.jpg): float32
rounding. The tolerances (1e-3 on logits, EQUIVALENCE_TOLERANCE = 1e-4 on P(real) and the fused
score) are documented in docs/backends.md.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from liveness import LivenessEngine, ModelUnavailable
from liveness.antispoof import ENSEMBLE_MEMBERS, MiniFASNetEnsemble, fuse_members
from liveness.backends.torch_fasnet import (
    EQUIVALENCE_TOLERANCE,
    TORCH_FASNET_MODELS,
    TorchMiniFASNetEnsemble,
    build_torch_fasnet,
    load_state_dict,
)
from liveness.models import REGISTRY, ModelStore
from liveness.types import BoundingBox, Face
from tests.conftest import MODELS_DIR, REPO_ROOT, TESTDATA, read_image

# On the raw 3-class logits (they reach about +-10); P(real) and the fused score use EQUIVALENCE_TOLERANCE.
LOGIT_TOLERANCE = 1e-3
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
# The small labelled sets every fast run covers; the slow test adds LFW, NUAA and SMILEsmileD.
SMALL_SETS = ("deepface_identities", "faceonnx_eye_state", "faceonnx_identities", "silentface_real_spoof")


@pytest.fixture(scope="module")
def onnx_ensemble() -> MiniFASNetEnsemble:
    store = ModelStore(MODELS_DIR)
    return MiniFASNetEnsemble(store.read_verified("minifasnet_v2"), store.read_verified("minifasnet_v1se"))


@pytest.fixture(scope="module")
def torch_ensemble() -> TorchMiniFASNetEnsemble:
    ensemble = build_torch_fasnet(MODELS_DIR)
    assert isinstance(ensemble, TorchMiniFASNetEnsemble)
    return ensemble


def _images(folders: tuple[str, ...] | None = None) -> list[Path]:
    roots = [TESTDATA / f for f in folders] if folders else [TESTDATA]
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _face(engine: LivenessEngine, image: np.ndarray) -> tuple[Face, bool]:
    """The largest YuNet face, or the whole frame when YuNet finds none (the 64x64 SMILEsmileD crops
    are faces already); the flag says which."""
    face = engine.images.detect(image).largest
    if face is not None:
        return face, True
    h, w = image.shape[:2]
    return Face(box=BoundingBox(0.0, 0.0, float(w), float(h)), landmarks=((0.0, 0.0),) * 5, score=0.0), False


def _compare(
    engine: LivenessEngine, onnx: MiniFASNetEnsemble, torch_fas: TorchMiniFASNetEnsemble, files: list[Path]
) -> tuple[dict[str, float], int, list[float]]:
    """Both runtimes on each file; asserts the tolerances image by image. Returns the largest
    differences seen, how many images had a YuNet face, and the torch fused scores."""
    worst = {"logit": 0.0, "member": 0.0, "fused": 0.0}
    detected = 0
    fused: list[float] = []
    for path in files:
        image = read_image(str(path.relative_to(TESTDATA)))
        face, found = _face(engine, image)
        detected += found
        onnx_logits, torch_logits = onnx.member_logits(image, face), torch_fas.member_logits(image, face)
        assert [n for n, _ in onnx_logits] == [n for n, _ in torch_logits] == [n for n, _ in ENSEMBLE_MEMBERS]
        for (_, a), (_, b) in zip(onnx_logits, torch_logits, strict=True):
            assert a.shape == b.shape == (3,)
            worst["logit"] = max(worst["logit"], float(np.max(np.abs(a - b))))
        onnx_scores, torch_scores = fuse_members(onnx_logits), fuse_members(torch_logits)
        for (_, a_p), (_, b_p) in zip(onnx_scores.per_model, torch_scores.per_model, strict=True):
            worst["member"] = max(worst["member"], abs(a_p - b_p))
        worst["fused"] = max(worst["fused"], abs(onnx_scores.real - torch_scores.real))
        fused.append(torch_scores.real)
        path_hint = path.relative_to(TESTDATA)
        assert worst["logit"] <= LOGIT_TOLERANCE, (path_hint, worst)
        assert worst["member"] <= EQUIVALENCE_TOLERANCE, (path_hint, worst)
        assert worst["fused"] <= EQUIVALENCE_TOLERANCE, (path_hint, worst)
    return worst, detected, fused


def test_labelled_images_score_alike_on_both_runtimes(
    engine: LivenessEngine, onnx_ensemble: MiniFASNetEnsemble, torch_ensemble: TorchMiniFASNetEnsemble
) -> None:
    files = _images(SMALL_SETS)
    assert len(files) >= 20, files
    _, detected, fused = _compare(engine, onnx_ensemble, torch_ensemble, files)
    assert detected == len(files)  # every one of these photos has a face YuNet finds
    # Two runtimes that agreed on a constant would prove nothing: these scores span the range.
    assert min(fused) < 0.1 and max(fused) > 0.9, fused


@pytest.mark.slow
def test_every_testdata_image_scores_alike_on_both_runtimes(
    engine: LivenessEngine, onnx_ensemble: MiniFASNetEnsemble, torch_ensemble: TorchMiniFASNetEnsemble
) -> None:
    files = _images()
    folders = {p.relative_to(TESTDATA).parts[0] for p in files}
    assert {"lfw_pairs", "nuaa_antispoof", "smile_smilesmiled", *SMALL_SETS} <= folders, folders
    worst, detected, fused = _compare(engine, onnx_ensemble, torch_ensemble, files)
    print(f"{len(files)} images ({detected} with a YuNet face): largest differences {worst}")
    assert detected > len(files) // 2, (detected, len(files))
    assert min(fused) < 0.1 and max(fused) > 0.9


def test_score_is_the_fused_member_scores(
    engine: LivenessEngine, onnx_ensemble: MiniFASNetEnsemble, torch_ensemble: TorchMiniFASNetEnsemble
) -> None:
    image = read_image("silentface_real_spoof/image_T1.jpg")
    face, _ = _face(engine, image)
    torch_scores, onnx_scores = torch_ensemble.score(image, face), onnx_ensemble.score(image, face)
    assert [n for n, _ in torch_scores.per_model] == ["MiniFASNetV2", "MiniFASNetV1SE"]
    assert torch_scores.real == pytest.approx(np.mean([p for _, p in torch_scores.per_model]), abs=1e-12)
    assert torch_scores.real == pytest.approx(onnx_scores.real, abs=EQUIVALENCE_TOLERANCE)


def test_real_scores_above_spoof_on_the_silentface_samples(
    engine: LivenessEngine, torch_ensemble: TorchMiniFASNetEnsemble
) -> None:
    scores = {}
    for name in ("image_T1.jpg", "image_F1.jpg"):
        image = read_image(f"silentface_real_spoof/{name}")
        face, found = _face(engine, image)
        assert found
        scores[name] = torch_ensemble.score(image, face)
    real, spoof = scores["image_T1.jpg"], scores["image_F1.jpg"]
    assert real.real > 0.9 > 0.3 > spoof.real, (real, spoof)  # 0.3: the engine's default threshold
    for (_, p_real_live), (_, p_real_spoof) in zip(real.per_model, spoof.per_model, strict=True):
        assert p_real_live > p_real_spoof


def test_concurrent_scoring_matches_sequential(engine: LivenessEngine, torch_ensemble: TorchMiniFASNetEnsemble) -> None:
    inputs = []
    for name in (
        "silentface_real_spoof/image_T1.jpg",
        "silentface_real_spoof/image_F1.jpg",
        "faceonnx_identities/brad_1.jpg",
    ):
        image = read_image(name)
        inputs.append((image, _face(engine, image)[0]))
    sequential = [torch_ensemble.score(image, face) for image, face in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda item: torch_ensemble.score(*item), inputs * 4))
    assert concurrent == sequential * 4


# --- loading: verified bytes, weights_only, DataParallel keys --------------------------------------------------


def _pth_bytes(name: str) -> bytes:
    return (MODELS_DIR / REGISTRY[name].file).read_bytes()


@pytest.fixture
def pth_dir(tmp_path: Path) -> Iterator[Path]:
    """A models directory holding copies of the two official .pth files."""
    for name in TORCH_FASNET_MODELS:
        target = tmp_path / REGISTRY[name].file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODELS_DIR / REGISTRY[name].file, target)
    yield tmp_path


def test_official_weights_carry_the_dataparallel_prefix_and_load_without_it() -> None:
    raw = torch.load(io.BytesIO(_pth_bytes("minifasnet_v2_pth")), map_location="cpu", weights_only=True)
    assert all(key.startswith("module.") for key in raw)
    state = load_state_dict(_pth_bytes("minifasnet_v2_pth"), "minifasnet_v2_pth")
    assert set(state) == {key.removeprefix("module.") for key in raw}
    assert "conv1.conv.weight" in state and "prob.weight" in state


def test_a_state_dict_without_the_prefix_gives_the_same_scores(
    engine: LivenessEngine, torch_ensemble: TorchMiniFASNetEnsemble
) -> None:
    plain = {}
    for name in TORCH_FASNET_MODELS:
        buffer = io.BytesIO()
        torch.save(load_state_dict(_pth_bytes(name), name), buffer)
        plain[name] = buffer.getvalue()
    ensemble = TorchMiniFASNetEnsemble(*(plain[name] for name in TORCH_FASNET_MODELS))
    image = read_image("silentface_real_spoof/image_F1.jpg")
    face, _ = _face(engine, image)
    assert ensemble.score(image, face) == torch_ensemble.score(image, face)


_PAYLOAD_RAN: list[str] = []


def _payload() -> dict[str, torch.Tensor]:
    _PAYLOAD_RAN.append("ran")
    return {}


class _CodeCarrying:
    """A pickle that calls a function on load: what a malicious .pth would do."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return _payload, ()


def test_weights_only_loading_refuses_a_pickle_that_runs_code() -> None:
    buffer = io.BytesIO()
    torch.save({"conv1.conv.weight": torch.zeros(1), "trap": _CodeCarrying()}, buffer)
    with pytest.raises(ModelUnavailable, match="weights_only") as info:
        load_state_dict(buffer.getvalue(), "minifasnet_v2_pth")
    assert info.value.missing == ("minifasnet_v2_pth",)
    with pytest.raises(ModelUnavailable):
        TorchMiniFASNetEnsemble(buffer.getvalue(), _pth_bytes("minifasnet_v1se_pth"))
    assert _PAYLOAD_RAN == []


def test_a_file_for_the_other_member_is_refused() -> None:
    with pytest.raises(ModelUnavailable, match="does not fit") as info:
        TorchMiniFASNetEnsemble(_pth_bytes("minifasnet_v1se_pth"), _pth_bytes("minifasnet_v2_pth"))
    assert info.value.missing == ("minifasnet_v2_pth",)


def test_a_tampered_pth_is_refused_before_torch_reads_it(pth_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = pth_dir / REGISTRY["minifasnet_v1se_pth"].file
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit inside a weight tensor: still a loadable pickle
    target.write_bytes(bytes(data))
    loads: list[object] = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(a))
    with pytest.raises(ModelUnavailable, match="sha256") as info:
        build_torch_fasnet(pth_dir)
    assert info.value.missing == ("minifasnet_v1se_pth",)
    assert "livecred models fetch --all" in info.value.message
    assert loads == []


def test_missing_weights_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable) as info:
        build_torch_fasnet(tmp_path)
    assert info.value.missing == TORCH_FASNET_MODELS
    assert info.value.code == "models_unavailable"


def test_the_weights_are_optional_models(pth_dir: Path) -> None:
    from liveness.models import DEFAULT_ENGINE_MODELS

    assert not set(TORCH_FASNET_MODELS) & set(DEFAULT_ENGINE_MODELS)  # fetched with --all only
    assert [s.state for s in ModelStore(pth_dir).status(TORCH_FASNET_MODELS)] == ["ok", "ok"]
    assert isinstance(build_torch_fasnet(pth_dir), TorchMiniFASNetEnsemble)


# --- without torch ---------------------------------------------------------------------------------------------


def test_missing_torch_is_a_clear_error_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ModelUnavailable, match=r"pip install 'livecred\[torch\]'") as info:
        build_torch_fasnet(MODELS_DIR)
    assert info.value.code == "models_unavailable"
    assert info.value.missing == ("torch",)
    with pytest.raises(ModelUnavailable, match=r"livecred\[torch\]"):
        TorchMiniFASNetEnsemble(b"", b"")


def test_importing_the_backend_does_not_import_torch() -> None:
    code = "import sys, liveness.backends.torch_fasnet; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT, timeout=120)
