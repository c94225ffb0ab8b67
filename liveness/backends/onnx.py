"""Factories for the default engine's own ONNX parts, built inside a worker process.

``onnx:yunet``, ``onnx:mobilefacenet`` and ``onnx:minifasnet`` are the same models, weights and
code as the default engine's parts, only run in an isolated onnxruntime worker: the results are
bitwise the same (tests/liveness/backends/test_process.py checks it). Weights are read through the
model store, so they are verified by sha256 before they load.
"""

from __future__ import annotations

from pathlib import Path

from liveness.antispoof import MiniFASNetEnsemble
from liveness.detect import YuNet
from liveness.embed import MobileFaceNet
from liveness.models.store import ModelStore

__all__ = ["build_minifasnet", "build_mobilefacenet", "build_yunet"]


def build_yunet(models_dir: Path | str) -> YuNet:
    return YuNet(ModelStore(models_dir).read_verified("yunet"))


def build_mobilefacenet(models_dir: Path | str) -> MobileFaceNet:
    return MobileFaceNet(ModelStore(models_dir).read_verified("mobilefacenet"))


def build_minifasnet(models_dir: Path | str) -> MiniFASNetEnsemble:
    store = ModelStore(models_dir)
    return MiniFASNetEnsemble(store.read_verified("minifasnet_v2"), store.read_verified("minifasnet_v1se"))
