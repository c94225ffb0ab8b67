"""Loading DeepFace without letting it download anything or write into the user's home.

DeepFace's model builders ask ``weight_utils.download_weights_if_necessary(file_name, url)`` for a
path (``retinaface`` has its own copy of that function) and download into
``$DEEPFACE_HOME/.deepface/weights`` when the file is missing. Here every builder runs inside
:func:`served_weights`: the files it needs are read from the models directory, checked against
their sha256, and written to a private temporary directory (mode 0700) that exists only while the
builder runs; the download functions are replaced for that time by a lookup in that directory that
raises for any other name, and ``gdown.download`` by a function that refuses. So a build either
loads the verified bytes or fails; it never reaches the network, and ``~/.deepface`` is never
created (``deepface.DeepFace``, which creates it at import time, is never imported).

TensorFlow: DeepFace's Keras models are written for Keras 2 (``tf-keras``); DeepFace itself sets
``TF_USE_LEGACY_KERAS=1`` before TensorFlow loads. The engine never touches the environment, so the
process that hosts this backend sets it (the worker does; see docs); :func:`require_deepface` refuses
to build a Keras model on Keras 3 with that instruction instead of failing later on a weight file.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from liveness._exceptions import ModelUnavailable
from liveness.backends.deepface.weights import DeepFaceWeight, WeightFiles

__all__ = ["INSTALL_HINT", "DeepFaceUnavailable", "require_deepface", "served_weights"]

INSTALL_HINT = "the DeepFace backend needs its extra: pip install 'livecred[deepface]'"
LEGACY_KERAS_HINT = (
    "DeepFace's Keras models need Keras 2 (tf-keras): set TF_USE_LEGACY_KERAS=1 in the environment of the "
    "process before TensorFlow is imported (the DeepFace worker does)"
)

# The download functions are module attributes of third-party code: swapping them is process-wide,
# so builds are serialised.
_BUILD_LOCK = threading.Lock()


class DeepFaceUnavailable(ModelUnavailable):
    """The DeepFace backend cannot run here: a package is missing or TensorFlow runs Keras 3."""

    code = "deepface_unavailable"


def require_deepface(*, keras: bool = True) -> None:
    """Import-check DeepFace (and, with ``keras``, TensorFlow on Keras 2) with an install hint."""
    try:
        importlib.import_module("deepface.commons.weight_utils")
    except ImportError as exc:
        raise DeepFaceUnavailable(f"{INSTALL_HINT} ({exc.name} is not installed)", missing=["deepface"]) from exc
    if not keras:
        return
    try:
        models = importlib.import_module("tensorflow.keras.models")
    except ImportError as exc:
        raise DeepFaceUnavailable(f"{INSTALL_HINT} ({exc.name} is not installed)", missing=["tensorflow"]) from exc
    if not str(models.Model.__module__).startswith("tf_keras"):
        raise DeepFaceUnavailable(LEGACY_KERAS_HINT, missing=["tf-keras"])


def _refuse_download(*_args: Any, **_kwargs: Any) -> None:
    raise ModelUnavailable("DeepFace tried to download a file while serving; refused", missing=["deepface"])


@contextlib.contextmanager
def served_weights(files: WeightFiles, weights: Iterable[DeepFaceWeight]) -> Iterator[dict[str, Path]]:
    """Verified copies of ``weights`` in a private directory, answered to DeepFace by file name."""
    weights = tuple(weights)
    with _BUILD_LOCK:
        home = Path(tempfile.mkdtemp(prefix="livecred-deepface-"))
        try:
            os.chmod(home, 0o700)
            paths: dict[str, Path] = {}
            for weight in weights:
                target = home / weight.name
                target.write_bytes(files.read_verified(weight))
                paths[weight.name] = target

            def lookup(file_name: str, *_args: Any, **_kwargs: Any) -> str:
                if file_name not in paths:
                    raise ModelUnavailable(
                        f"DeepFace asked for {file_name!r}, which this backend does not provide",
                        missing=[file_name],
                    )
                return str(paths[file_name])

            with _patched(lookup):
                yield paths
        finally:
            shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def _patched(lookup: Any) -> Iterator[None]:
    targets: list[tuple[Any, str, Any]] = []
    for module_name, attribute, replacement in (
        ("deepface.commons.weight_utils", "download_weights_if_necessary", lookup),
        ("retinaface.commons.weight_utils", "download_weights_if_necessary", lookup),
        ("gdown", "download", _refuse_download),
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        targets.append((module, attribute, getattr(module, attribute)))
        setattr(module, attribute, replacement)
    try:
        yield
    finally:
        for module, attribute, original in reversed(targets):
            setattr(module, attribute, original)
