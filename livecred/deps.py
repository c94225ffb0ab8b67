"""Request-scoped access to what the lifespan built, and the way blocking work is run.

Blocking work never runs on anyio's shared default thread pool: each kind goes to its own
bounded pool (``livecred/capacity.py``), which refuses with 503 ``server_busy`` when full and drops
jobs whose client left while they waited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from livecred.capacity import BoundedPool, Pools
from livecred.schemas import TimedResponse
from livecred.zk_state import ZKState
from liveness import FrameLimits, ImageLimits, LivenessEngine, ModelUnavailable
from liveness.models import FETCH_HINT
from wallet import Wallet
from zk import FaceMatchProver, ProverBusy

T = TypeVar("T")


def get_engine(request: HTTPConnection) -> LivenessEngine:
    engine: LivenessEngine | None = request.app.state.engine
    if engine is None:
        backend_error = getattr(request.app.state, "backend_error", None)
        if backend_error is not None:
            raise backend_error  # a selected backend could not start: it names the backend and the fix
        missing = list(request.app.state.missing_models)
        raise ModelUnavailable(
            f"the liveness engine is not ready: models missing or corrupt ({', '.join(missing)}); {FETCH_HINT}",
            missing=missing,
        )
    return engine


def get_wallet(request: Request) -> Wallet:
    wallet: Wallet = request.app.state.wallet
    return wallet


WalletDep = Annotated[Wallet, Depends(get_wallet)]


def get_limits(request: HTTPConnection) -> ImageLimits:
    limits: ImageLimits = request.app.state.image_limits
    return limits


def get_frame_limits(request: Request) -> FrameLimits:
    limits: FrameLimits = request.app.state.frame_limits
    return limits


def get_pools(request: HTTPConnection) -> Pools:
    pools: Pools = request.app.state.pools
    return pools


def require_prover_slot(request: HTTPConnection, zk: ZKState) -> FaceMatchProver:
    """The prover, when it can take a proof now: 503 before any face match is paid for a proof
    that could not be made (``zk_unavailable``, or ``prover_busy`` when its queue is full)."""
    prover = zk.require_prover()
    if get_pools(request).prover.full:
        raise ProverBusy("the prover queue is full; retry shortly")
    return prover


async def run_on(request: Request, pool: BoundedPool, func: Callable[[], T]) -> T:
    """Run ``func`` on ``pool``; skipped (never started) when the client has already gone."""
    return await pool.run(func, client_gone=request.is_disconnected)


async def run_blocking(request: Request, func: Callable[[], T]) -> T:
    """CPU-bound work (decode + inference) on the inference pool, bounded by max_concurrency."""
    return await run_on(request, get_pools(request).inference, func)


async def run_db(request: Request, func: Callable[[], T]) -> T:
    """Database work on the database pool: a stuck database never holds the inference threads."""
    return await run_on(request, get_pools(request).database, func)


async def run_verification(request: Request, func: Callable[[], T]) -> T:
    """Canonicalisation and signature checks on their own small pool, never the inference one."""
    return await run_on(request, get_pools(request).verification, func)


async def run_outbound(request: Request, func: Callable[[], T]) -> T:
    """Work that may wait on other hosts (did:web resolution) on its own pool."""
    return await run_on(request, get_pools(request).outbound, func)


async def run_prover(request: Request, func: Callable[[], T]) -> T:
    """Waiting on the prover worker, on threads of its own."""
    return await run_on(request, get_pools(request).prover, func)


Timed = TypeVar("Timed", bound=TimedResponse)


async def run_timed(request: Request, work: Callable[[], Timed]) -> Timed:
    """``run_blocking`` for the face routes, filling ``processing_time_ms`` (decode + inference)."""
    start = time.perf_counter()
    response = await run_blocking(request, work)
    response.processing_time_ms = round((time.perf_counter() - start) * 1000, 2)
    return response
