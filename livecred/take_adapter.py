"""The liveness engine's live take, handed to the wallet's capture machine.

``wallet`` never imports ``liveness``: it names what it needs from a take in
:class:`wallet.capture.TakeJudge` (``add`` a frame, ``finish`` the take), and the engine's
``LiveTake`` has that shape. This module is the one place where the two meet.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from starlette.requests import HTTPConnection

from livecred.deps import get_engine
from wallet import TakeJudge


class LiveTake(TakeJudge, Protocol):
    """A take as the API uses it: the wallet's judge, plus the ID photo given before the frames."""

    def set_id_image(self, image: np.ndarray) -> None: ...


def open_take(connection: HTTPConnection) -> LiveTake:
    """A fresh live take from the app's engine (503 ``models_unavailable`` when it is not ready)."""
    take: LiveTake = get_engine(connection).stream.start_take(connection.app.state.stream_config)
    return take
