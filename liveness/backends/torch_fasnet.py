"""Anti-spoofing on PyTorch from Silent-Face's official ``.pth`` files: the same ensemble, another runtime.

Teams migrating from the original service (DeepFace's FasNet runs these very files on torch) keep
their weights: :class:`TorchMiniFASNetEnsemble` implements :class:`~liveness.antispoof.AntiSpoof`
with the default engine's crops (:func:`~liveness.antispoof.silentface_input`) and fusion
(:func:`~liveness.antispoof.fuse_members`); only the network runs elsewhere. On every image of the
shared test data its scores agree with the ONNX ensemble within :data:`EQUIVALENCE_TOLERANCE`
(tests/liveness/backends/test_torch_fasnet.py, docs/backends.md).

What this module decides:

* torch is imported here and only here, when an ensemble is built; without it the error is
  :class:`~liveness.ModelUnavailable` with the install hint ``pip install 'livecred[torch]'``.
* Weights come through the :class:`~liveness.models.ModelStore`: the bytes are checked against
  the registry's sha256 and the *same bytes* go to ``torch.load(..., weights_only=True)``, which
  refuses any pickle that is not plain tensors and containers. DataParallel's ``module.`` key
  prefix is dropped, and the state dict must fit the network exactly (``strict=True``).
* Inference runs under ``torch.inference_mode`` on modules in eval mode, which hold no mutable
  state, so one ensemble serves concurrent requests. torch's intra-op pool is process-wide and an
  80x80 network gains nothing from many threads, so the ensemble sets it to ``threads``
  (default :data:`DEFAULT_THREADS`) unless told ``None``; concurrency comes from requests.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from liveness._exceptions import ModelUnavailable
from liveness.antispoof import ENSEMBLE_MEMBERS, AntiSpoof, AntiSpoofScores, fuse_members, silentface_input
from liveness.models.store import ModelStore
from liveness.types import Face

if TYPE_CHECKING:
    from liveness.backends._minifasnet_torch import MiniFASNet

__all__ = [
    "DEFAULT_THREADS",
    "EQUIVALENCE_TOLERANCE",
    "INSTALL_HINT",
    "TORCH_FASNET_MODELS",
    "TorchMiniFASNetEnsemble",
    "build_torch_fasnet",
    "load_state_dict",
]

INSTALL_HINT = "pip install 'livecred[torch]'"
# Registry names of the official weights, in ENSEMBLE_MEMBERS order (V2 x2.7, V1SE x4.0).
TORCH_FASNET_MODELS: tuple[str, str] = ("minifasnet_v2_pth", "minifasnet_v1se_pth")
DEFAULT_THREADS = 1
# Largest allowed difference from the ONNX ensemble, per member P(real) and fused score, on the same
# image and face box. Two float32 runtimes sum in different orders; over the 5,571 images of the
# shared test data the largest measured difference was 1.2e-05 (docs/backends.md).
EQUIVALENCE_TOLERANCE = 1e-4

_DATAPARALLEL_PREFIX = "module."


def _import_torch() -> ModuleType:
    try:
        import torch
    except ImportError as exc:
        # ``missing`` names what to install, as the other backends do (``/health`` lists it).
        raise ModelUnavailable(
            f"the torch anti-spoofing backend needs PyTorch, which is not installed: {INSTALL_HINT}",
            missing=["torch"],
        ) from exc
    return torch


def load_state_dict(data: bytes, name: str) -> dict[str, Any]:
    """Unpickle verified ``.pth`` bytes as plain tensors only, without DataParallel's key prefix.

    ``weights_only=True`` makes torch's unpickler refuse every global that is not a tensor type or
    a plain container, so a crafted file cannot run code; anything it refuses, or that is not a
    mapping of names to tensors, is :class:`ModelUnavailable`.
    """
    torch = _import_torch()
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise ModelUnavailable(
            f"model {name!r} is not a plain PyTorch state dict (refused by weights_only loading)", missing=[name]
        ) from exc
    if not isinstance(state, dict) or not state or not all(isinstance(key, str) for key in state):
        raise ModelUnavailable(f"model {name!r} is not a state dict of named tensors", missing=[name])
    if all(key.startswith(_DATAPARALLEL_PREFIX) for key in state):
        state = {key[len(_DATAPARALLEL_PREFIX) :]: value for key, value in state.items()}
    return state


class TorchMiniFASNetEnsemble:
    """MiniFASNetV2 (x2.7) + MiniFASNetV1SE (x4.0) on PyTorch CPU. ``score`` is thread-safe.

    ``v2`` and ``v1se`` are the bytes of the official ``.pth`` files, already verified (use
    :func:`build_torch_fasnet` to read them from a models directory).
    """

    def __init__(self, v2: bytes, v1se: bytes, *, threads: int | None = DEFAULT_THREADS) -> None:
        torch = _import_torch()
        from liveness.backends._minifasnet_torch import minifasnet_v1se, minifasnet_v2

        if threads is not None:
            if threads < 1:
                raise ValueError(f"threads must be at least 1, got {threads}")
            torch.set_num_threads(threads)
        self._torch = torch
        builders: tuple[Callable[[], MiniFASNet], ...] = (minifasnet_v2, minifasnet_v1se)
        members = []
        for (member, scale), registry_name, build, data in zip(
            ENSEMBLE_MEMBERS, TORCH_FASNET_MODELS, builders, (v2, v1se), strict=True
        ):
            members.append((member, scale, self._load(build(), data, registry_name)))
        self._members = tuple(members)

    @staticmethod
    def _load(model: MiniFASNet, data: bytes, name: str) -> MiniFASNet:
        try:
            model.load_state_dict(load_state_dict(data, name), strict=True)
        except RuntimeError as exc:  # missing, unexpected or mis-shaped keys
            raise ModelUnavailable(
                f"model {name!r} does not fit the MiniFASNet network (wrong file for this member?)", missing=[name]
            ) from exc
        model.eval()
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        return model

    def member_logits(self, image: np.ndarray, face: Face) -> tuple[tuple[str, np.ndarray], ...]:
        """Each member's raw 3-class logits, in :data:`~liveness.antispoof.ENSEMBLE_MEMBERS` order."""
        torch = self._torch
        result = []
        with torch.inference_mode():
            for name, scale, model in self._members:
                logits = model(torch.from_numpy(silentface_input(image, face.box, scale)))
                result.append((name, logits[0].numpy().copy()))
        return tuple(result)

    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores:
        return fuse_members(self.member_logits(image, face))


def build_torch_fasnet(models_dir: Path | str, *, threads: int | None = DEFAULT_THREADS) -> AntiSpoof:
    """The torch ensemble from a models directory; never downloads.

    Raises :class:`ModelUnavailable` when torch is missing (with the install hint) or when either
    ``.pth`` file is missing or fails its sha256 check (naming both at once, with the fetch
    command: ``livecred models fetch --all``).
    """
    _import_torch()
    store = ModelStore(models_dir)
    bad = [status for status in store.status(TORCH_FASNET_MODELS) if status.state != "ok"]
    if bad:
        reason = {"missing": "missing", "corrupt": "fails its sha256 check"}
        detail = ", ".join(f"{s.name} ({reason[s.state]}: {s.path})" for s in bad)
        raise ModelUnavailable(
            f"torch anti-spoofing weights not available: {detail}; "
            "run `livecred models fetch --all` (or `--all --from DIR` to copy from a mirror)",
            missing=[s.name for s in bad],
        )
    # read_verified hashes the bytes it returns, so the bytes torch.load sees are the checked ones.
    v2, v1se = (store.read_verified(name) for name in TORCH_FASNET_MODELS)
    return TorchMiniFASNetEnsemble(v2, v1se, threads=threads)
