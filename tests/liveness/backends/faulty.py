"""A test-only backend that misbehaves on demand, for the supervision tests (never registered
outside the tests).

``build_faulty_embedder`` is the real MobileFaceNet, except when the image's top-left pixel is
one of the markers below: then the worker process dies the way real native crashes do, hangs, or
raises. The images are real faces (PNG, so the marker survives encoding), so a route reaches the
embedder exactly as it would with a real backend.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import types
from pathlib import Path

import numpy as np

from liveness.backends.onnx import build_mobilefacenet
from liveness.types import Face

EXIT = (1, 2, 3)  # os._exit: the process vanishes mid-call
SIGKILL = (4, 5, 6)  # killed by a signal, as the OOM killer or a segfault would
HANG = (7, 8, 9)  # never answers: only the timeout ends it
RAISE = (10, 11, 12)  # an ordinary Python exception inside the backend


def mark(image: np.ndarray, marker: tuple[int, int, int]) -> np.ndarray:
    marked = image.copy()
    marked[0, 0] = marker
    return marked


class FaultyEmbedder:
    def __init__(self, models_dir: Path, signal_dir: Path | None = None) -> None:
        self._inner = build_mobilefacenet(models_dir)
        self._signal_dir = signal_dir  # where a hanging call says it has begun

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        pixel = tuple(int(v) for v in image[0, 0])
        if pixel == EXIT:
            os._exit(3)
        if pixel == SIGKILL:
            os.kill(os.getpid(), signal.SIGKILL)
        if pixel == HANG:
            if self._signal_dir is not None:
                (self._signal_dir / "hanging").touch()
            time.sleep(3600)
        if pixel == RAISE:
            raise RuntimeError("the faulty backend raised on purpose")
        return self._inner.embed(image, face)


def build_faulty_embedder(models_dir: Path) -> FaultyEmbedder:
    return FaultyEmbedder(models_dir)


def build_signalling(signal_dir: Path, models_dir: Path) -> FaultyEmbedder:
    return FaultyEmbedder(models_dir, signal_dir)


def build_unless_flagged(flag: Path, models_dir: Path) -> FaultyEmbedder:
    """Dies while building when ``flag`` exists: a worker that crashes at every restart."""
    if flag.exists():
        os._exit(5)
    return FaultyEmbedder(models_dir)


def build_missing_extra(models_dir: Path) -> FaultyEmbedder:
    import livecred_no_such_runtime  # type: ignore[import-not-found]  # noqa: F401

    return FaultyEmbedder(models_dir)


def build_importing(module: str, models_dir: Path) -> FaultyEmbedder:
    """Puts ``module`` into ``sys.modules``, as importing that runtime would."""
    sys.modules.setdefault(module, types.ModuleType(module))
    return FaultyEmbedder(models_dir)


# For a registry entry (whose factory takes only the models directory): the worker inherits the
# test's environment, which says where a hanging call signals and which flag makes starts die.
SIGNAL_DIR_ENV = "LIVECRED_TEST_FAULTY_SIGNAL_DIR"
DIE_FLAG_ENV = "LIVECRED_TEST_FAULTY_DIE_FLAG"


def build_from_env(models_dir: Path) -> FaultyEmbedder:
    flag, signal_dir = os.environ.get(DIE_FLAG_ENV), os.environ.get(SIGNAL_DIR_ENV)
    if flag and Path(flag).exists():
        os._exit(5)
    return FaultyEmbedder(models_dir, Path(signal_dir) if signal_dir else None)
