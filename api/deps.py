"""Request-scoped access to what the lifespan built, and the way blocking work is run."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from fastapi import Request

from api.schemas import TimedResponse
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


Timed = TypeVar("Timed", bound=TimedResponse)


async def run_timed(request: Request, work: Callable[[], Timed]) -> Timed:
    """``run_blocking`` for the face routes, filling ``processing_time_ms`` (decode + inference)."""
    start = time.perf_counter()
    response = await run_blocking(request, work)
    response.processing_time_ms = round((time.perf_counter() - start) * 1000, 2)
    return response
