"""Backend names: parsing, resolution, and the errors an operator sees for a wrong name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from liveness.backends import DEFAULT_REGISTRY, Backend, BackendSelection, BackendSpec, UnknownBackend
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(
    ("text", "family", "model"),
    [
        ("default", "default", None),
        (" Default ", "default", None),
        ("deepface:Facenet512", "deepface", "Facenet512"),
        ("torch", "torch", None),
        ("onnx:mobilefacenet", "onnx", "mobilefacenet"),
    ],
)
def test_spec_parsing(text: str, family: str, model: str | None) -> None:
    assert BackendSpec.parse(text) == BackendSpec(family, model)


@pytest.mark.parametrize("text", ["", ":x", "deepface:", "a:b:c", "default:x", "deep face", "x:" + "m" * 65, "x;y"])
def test_malformed_names_are_refused(text: str) -> None:
    with pytest.raises(UnknownBackend):
        BackendSpec.parse(text)


def test_resolution_picks_the_entry_and_the_model() -> None:
    chosen = DEFAULT_REGISTRY.resolve("recognition", "deepface:facenet512")
    assert chosen is not None and chosen.name == "deepface:Facenet512"
    assert chosen.backend.runtime == "tensorflow" and chosen.backend.extra == "deepface"
    only = DEFAULT_REGISTRY.resolve("antispoof", "torch")
    assert only is not None and only.name == "torch:minifasnet" and only.backend.runtime == "torch"
    assert DEFAULT_REGISTRY.resolve("smile", "default") is None
    emotion = DEFAULT_REGISTRY.resolve("smile", "deepface:emotion")
    assert emotion is not None and emotion.name == "deepface:emotion" and emotion.backend.runtime == "tensorflow"
    assert DEFAULT_REGISTRY.known("smile") == ["default", "deepface:emotion"]


def test_unknown_names_list_what_is_known() -> None:
    with pytest.raises(UnknownBackend, match="known: default, onnx:mobilefacenet, deepface:Facenet512"):
        DEFAULT_REGISTRY.resolve("recognition", "insightface")
    with pytest.raises(UnknownBackend, match=r"unknown recognition model 'Facenet1024'.*Facenet512"):
        DEFAULT_REGISTRY.resolve("recognition", "deepface:Facenet1024")
    with pytest.raises(UnknownBackend, match="unknown antispoof backend"):
        BackendSelection(antispoof="uniface").resolve()
    with pytest.raises(UnknownBackend, match="unknown part"):
        DEFAULT_REGISTRY.resolve("mesh", "default")


def test_the_registry_names_runtimes_without_importing_them() -> None:
    # In a fresh interpreter: this session imports torch and TensorFlow for other tests.
    code = (
        "import sys; from liveness.backends import DEFAULT_REGISTRY, PARTS; "
        "[DEFAULT_REGISTRY.resolve(p, n) for p in PARTS for n in DEFAULT_REGISTRY.known(p)]; "
        "heavy = {'tensorflow', 'torch', 'deepface', 'tf_keras'} & set(sys.modules); assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT, timeout=120)
    runtimes = {b.runtime for part in ("detector", "recognition", "antispoof", "smile") for b in _entries(part)}
    assert {"tensorflow", "torch", "onnxruntime"} <= runtimes


def _entries(part: str) -> list[Backend]:
    found = []
    for name in DEFAULT_REGISTRY.known(part)[1:]:
        chosen = DEFAULT_REGISTRY.resolve(part, name)
        assert chosen is not None
        found.append(chosen.backend)
    return found
