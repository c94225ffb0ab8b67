"""Fixtures of the DeepFace backend tests: a models directory holding the real files that exist here
(YuNet, the FasNet ``.pth`` files, from the shared models) and weight files built with DeepFace's own
architectures.

DeepFace's Keras weights are not available here, so :func:`build_weight_file` runs DeepFace's own
``load_model`` for a model with the weight loader swapped for one that saves the freshly built,
seeded random weights under DeepFace's exact file name instead of loading them. The backend then
loads that file through its real path (verification, the private copy, DeepFace's builder), so the
tests check the plumbing, shapes and preprocessing, not accuracy. The hash of each built file is
recorded in ``deepface/SHA256SUMS`` as a first fetch would.

OpenCV's Haar cascades: OpenCV 5 wheels ship none, so ``LIVECRED_CASCADES_DIR`` names a folder
holding the two ``.xml`` files (CI's ``.ci/cascades.sh`` extracts them from an OpenCV 4 wheel and
checks them against the registry's pins); the models directory then holds them as a fetch would.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# DeepFace's models are Keras 2 models: the process sets this before TensorFlow loads, as the
# DeepFace worker does (docs/deepface.md).
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# TenSEAL before TensorFlow: both carry protobuf's C++ runtime, and TenSEAL loaded second crashes
# (segfault) or fails to serialise (test_cipherface.py needs both in this process).
# The session collects this file before any DeepFace test runs, so TenSEAL is loaded before the
# first model build loads TensorFlow; a module collected earlier that imported TensorFlow would
# break that order, and is named here rather than left to crash test_cipherface.py.
if "tensorflow" in sys.modules and "tenseal" not in sys.modules:
    pytest.fail("TensorFlow was imported before TenSEAL in this session: import tenseal first", pytrace=False)
pytest.importorskip("tenseal")

# Found, not imported: TensorFlow loads when a test builds a model, not when the session collects.
if importlib.util.find_spec("deepface") is None or importlib.util.find_spec("tf_keras") is None:
    pytest.skip("the DeepFace backend is not installed: pip install -e '.[deepface]'", allow_module_level=True)

from tests.conftest import MODELS_DIR

CASCADES_ENV = "LIVECRED_CASCADES_DIR"

# model -> (DeepFace module holding the builder, builder function name)
BUILDERS: dict[str, tuple[str, str]] = {
    "Facenet": ("deepface.models.facial_recognition.tf.Facenet", "load_facenet128d_model"),
    "Facenet512": ("deepface.models.facial_recognition.tf.Facenet", "load_facenet512d_model"),
    "ArcFace": ("deepface.models.facial_recognition.tf.ArcFace", "load_model"),
    "VGG-Face": ("deepface.models.facial_recognition.tf.VGGFace", "load_model"),
    "Emotion": ("deepface.models.demography.tf.Emotion", "load_model"),
}


def build_weight_file(model: str, target: Path, seed: int = 7) -> None:
    """Save seeded random weights of DeepFace's ``model`` architecture to ``target``."""
    import tensorflow as tf
    from deepface.commons import weight_utils

    if model == "retinaface":
        _build_retinaface(target, seed)
        return

    module_name, function = BUILDERS[model]
    module = importlib.import_module(module_name)

    def save_instead(model: Any, weight_file: str) -> Any:
        model.save_weights(str(target))
        return model

    def no_download(file_name: str, *args: Any, **kwargs: Any) -> str:
        return str(target)

    original = (weight_utils.download_weights_if_necessary, weight_utils.load_model_weights)
    tf.keras.utils.set_random_seed(seed)
    weight_utils.download_weights_if_necessary, weight_utils.load_model_weights = no_download, save_instead
    try:
        getattr(module, function)()
    finally:
        weight_utils.download_weights_if_necessary, weight_utils.load_model_weights = original
    tf.keras.backend.clear_session()


def _build_retinaface(target: Path, seed: int) -> None:
    """retina-face builds its Keras model in ``retinaface_model.build_model`` and loads weights in
    that module's ``load_weights``: swapped here for a saver."""
    import tensorflow as tf
    from retinaface.model import retinaface_model

    def save_instead(model: Any) -> Any:
        model.save_weights(str(target))
        return model

    original = retinaface_model.load_weights
    tf.keras.utils.set_random_seed(seed)
    retinaface_model.load_weights = save_instead
    try:
        retinaface_model.build_model()
    finally:
        retinaface_model.load_weights = original
    tf.keras.backend.clear_session()


def record(directory: Path, name: str) -> None:
    sums = directory / "deepface" / "SHA256SUMS"
    digest = hashlib.sha256((directory / "deepface" / name).read_bytes()).hexdigest()
    with sums.open("a", encoding="utf-8") as out:
        out.write(f"{digest}  {name}\n")


@pytest.fixture(scope="session")
def deepface_models(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``deepface_models("Facenet512", ...)``: the models directory, with those models' test weights."""
    from liveness.backends.deepface import weights_for

    directory = tmp_path_factory.mktemp("deepface-models")
    for sub in ("yunet", "minifasnet"):
        (directory / sub).symlink_to(MODELS_DIR / sub, target_is_directory=True)
    (directory / "deepface").mkdir()
    cascades = os.environ.get(CASCADES_ENV)
    if cascades:
        for weight in weights_for("opencv"):
            source = Path(cascades) / weight.name
            if not source.is_file():
                pytest.fail(f"{CASCADES_ENV} is set but holds no {weight.name} (run .ci/cascades.sh)")
            (directory / weight.path).symlink_to(source.resolve())

    def with_models(*models: str) -> Path:
        for model in models:
            (weight,) = weights_for(model)
            if not (directory / weight.path).is_file():
                build_weight_file(model, directory / weight.path)
                record(directory, weight.name)
        return directory

    return with_models
