"""GET /health: ready when every default-engine model loaded and verified (and every selected
backend's worker started); the database, the prover and each part's backend are reported beside it.

``ready`` (and the status code, 200 or 503) follows the liveness engine alone: a load balancer
that pulled every replica because the shared database or the prover stumbled would take the face
routes down with them. A failing database or prover makes the status ``degraded`` instead. Each
probe is bounded in time and runs on its own pool, so a hung database cannot hang ``/health``,
and results are cached for a few seconds, so a flood of health checks is not a flood of queries.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from issuer import StoreUnavailable
from livecred.capacity import ServerBusy
from livecred.deps import get_pools
from livecred.errors import retry_headers
from livecred.schemas import BackendHealth, ComponentHealth, HealthResponse, ModelInfo
from liveness.models import FETCH_HINT
from zk import ZKError

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_S = 3.0
CACHE_S = 5.0


async def _database(request: Request) -> ComponentHealth:
    issuer = request.app.state.issuer
    try:
        with anyio.fail_after(PROBE_TIMEOUT_S):
            await get_pools(request).database.run(issuer.store.ping)
    except ServerBusy:
        return ComponentHealth(state="busy", code="server_busy")
    except (TimeoutError, StoreUnavailable):
        return ComponentHealth(state="unavailable", code="database_unavailable")
    return ComponentHealth(state="ok")


async def _prover(request: Request) -> ComponentHealth:
    zk = request.app.state.zk
    try:
        with anyio.fail_after(PROBE_TIMEOUT_S):
            ready, details = await get_pools(request).prover.run(zk.status)
    except ServerBusy:
        return ComponentHealth(state="busy", code="prover_busy")
    except (TimeoutError, ZKError):
        return ComponentHealth(state="unavailable", code="zk_unavailable")
    return ComponentHealth(state="ok") if ready else ComponentHealth(state="unavailable", code=details.get("code"))


async def _probe(request: Request, name: str, probe: Any) -> ComponentHealth:
    cache: dict[str, tuple[float, ComponentHealth]] = request.app.state.health_cache
    hit = cache.get(name)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    result: ComponentHealth = await probe(request)
    cache[name] = (time.monotonic() + CACHE_S, result)
    return result


async def component_health(request: Request) -> tuple[ComponentHealth, ComponentHealth]:
    """(database, prover), probed at most every few seconds (also read by ``/metrics``)."""
    return await _probe(request, "database", _database), await _probe(request, "prover", _prover)


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(request: Request) -> JSONResponse:
    state = request.app.state
    ready = state.engine is not None
    database, prover = await component_health(request)
    backends = [
        BackendHealth(
            part=b.part, backend=b.name, isolated=b.isolated, runtime=b.runtime, state=b.state, restarts=b.restarts
        )
        for b in state.backends.status()
    ]
    # An isolated backend that is restarting: the routes of the other parts keep working.
    degraded = database.state != "ok" or prover.state != "ok" or any(b.state != "running" for b in backends)
    backend_error = getattr(state, "backend_error", None)
    body = HealthResponse(
        status="not_ready" if not ready else "degraded" if degraded else "ok",
        ready=ready,
        models=[ModelInfo(name=s.name, state=s.state) for s in state.model_status],
        missing_models=list(state.missing_models),
        hint=None if ready else backend_error.hint if backend_error is not None else FETCH_HINT,
        issuer_did=state.issuer.did,
        database=database,
        prover=prover,
        backends=backends,
    )
    status = 200 if ready else 503
    return JSONResponse(status_code=status, content=body.model_dump(), headers=retry_headers(status))
