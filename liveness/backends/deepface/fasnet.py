"""DeepFace's FasNet anti-spoofing (PyTorch MiniFASNet V2 + V1SE) as livecred's ``AntiSpoof``.

DeepFace's PyTorch ``Fasnet`` loads Silent-Face's two ``.pth`` files, the same files livecred keeps
under ``minifasnet/`` (``weights.py``), into DeepFace's copy of the MiniFASNet architecture. Its
``analyze`` returns the *winning* class and that class's mean probability, which is not a P(real)
a threshold can be put on; so the two members run here on DeepFace's own crops (``FasNetUtils.crop``
at x2.7 and x4.0, 80x80, raw 0-255 BGR as DeepFace feeds them) and the result is each member's
softmax P(real) (class 1) and their mean, the same scale as the default engine's
``MiniFASNetEnsemble``, so ``antispoof_threshold`` keeps its meaning.

Needs ``torch`` (installed with ``livecred[deepface]``); runs on CPU.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from liveness.antispoof import AntiSpoofScores
from liveness.backends.deepface._runtime import INSTALL_HINT, DeepFaceUnavailable, require_deepface, served_weights
from liveness.backends.deepface.weights import WeightFiles, weights_for
from liveness.types import Face

__all__ = ["REAL_CLASS", "DeepFaceFasNet"]

REAL_CLASS = 1
_MEMBERS = (("MiniFASNetV2", 2.7), ("MiniFASNetV1SE", 4.0))


class DeepFaceFasNet:
    """DeepFace's FasNet as a livecred ``AntiSpoof``; ``score`` is thread-safe."""

    def __init__(self, models_dir: Path | str) -> None:
        require_deepface(keras=False)
        try:
            import torch
        except ImportError as exc:
            raise DeepFaceUnavailable(f"{INSTALL_HINT} (torch is not installed)", missing=["torch"]) from exc
        files = WeightFiles(models_dir)
        files.require(["Fasnet"])
        from deepface.models.spoofing.pytorch.FasNet import Fasnet

        with served_weights(files, weights_for("Fasnet")):
            client = Fasnet()
        client.device = torch.device("cpu")
        self._models = (client.first_model.to("cpu").eval(), client.second_model.to("cpu").eval())
        self._lock = threading.Lock()

    @staticmethod
    def preprocess(image: np.ndarray, face: Face, scale: float) -> np.ndarray:
        """DeepFace's crop for one member: 1 x 3 x 80 x 80 float32, raw 0-255 BGR."""
        from deepface.models.spoofing.FasNetUtils import crop

        box = face.box
        patch = crop(image, (box.x, box.y, max(box.width, 1.0), max(box.height, 1.0)), scale, 80, 80)
        return np.ascontiguousarray(np.asarray(patch, dtype=np.float32).transpose(2, 0, 1)[None])

    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores:
        import torch

        per_model = []
        for (name, scale), model in zip(_MEMBERS, self._models, strict=True):
            tensor = torch.from_numpy(self.preprocess(image, face, scale))
            with self._lock, torch.no_grad():
                probabilities = torch.softmax(model(tensor), dim=1)[0].numpy()
            per_model.append((name, float(probabilities[REAL_CLASS])))
        return AntiSpoofScores(real=float(np.mean([p for _, p in per_model])), per_model=tuple(per_model))
