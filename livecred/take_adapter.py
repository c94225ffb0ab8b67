"""The liveness engine's live take, handed to the wallet's capture machine.

``wallet`` never imports ``liveness``: it names what it needs from a take in
:class:`wallet.capture.TakeJudge` (``add`` a frame, ``finish`` the take), and the engine's
``LiveTake`` has that shape. This module is the one place where the two meet.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from liveness import ImageLimits, ModelUnavailable
from liveness.models import FETCH_HINT
from wallet import TakeJudge


class LiveTake(TakeJudge, Protocol):
    """A take as the API uses it: the wallet's judge, plus the ID photo given before the frames."""

    def set_id_image(self, image: np.ndarray) -> None: ...


def open_take(state: Any) -> LiveTake:
    """A fresh live take from the app's engine (503 ``models_unavailable`` when it is not ready)."""
    engine = state.engine
    if engine is None:
        missing = list(state.missing_models)
        raise ModelUnavailable(
            f"the liveness engine is not ready: models missing or corrupt ({', '.join(missing)}); {FETCH_HINT}",
            missing=missing,
        )
    take: LiveTake = engine.stream.start_take(state.stream_config)
    return take


def id_image_limits(state: Any) -> ImageLimits:
    """The ID photo is a whole image (the single-image limits), not a camera frame."""
    limits: ImageLimits = state.image_limits
    return limits
