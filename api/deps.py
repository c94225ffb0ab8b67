"""Request-scoped access to what the lifespan built, and the way blocking work is run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from fastapi import Request

from liveness import FrameLimits, ImageLimits, LivenessEngine, ModelUnavailable
from liveness.models import FETCH_HINT

T = TypeVar("T")


def get_engine(request: Request) -> LivenessEngine:
    engine: LivenessEngine | None = request.app.state.engine
    if engine is None:
        missing = list(request.app.state.missing_models)
        raise ModelUnavailable(
            f"the liveness engine is not ready: models missing or corrupt ({', '.join(missing)}); {FETCH_HINT}",
            missing=missing,
        )
    return engine


def get_limits(request: Request) -> ImageLimits:
    limits: ImageLimits = request.app.state.image_limits
    return limits


def get_frame_limits(request: Request) -> FrameLimits:
    limits: FrameLimits = request.app.state.frame_limits
    return limits


async def run_blocking(request: Request, func: Callable[[], T]) -> T:
    """Run CPU-bound work (decode + inference) off the event loop, bounded by max_concurrency."""
    return await anyio.to_thread.run_sync(func, limiter=request.app.state.limiter)
