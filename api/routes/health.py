"""GET /health: ready only when every default-engine model loaded and verified."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.schemas import HealthResponse, ModelInfo
from liveness.models import FETCH_HINT

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(request: Request) -> JSONResponse:
    state = request.app.state
    ready = state.engine is not None
    body = HealthResponse(
        status="ok" if ready else "not_ready",
        ready=ready,
        models=[ModelInfo(name=s.name, state=s.state) for s in state.model_status],
        missing_models=list(state.missing_models),
        hint=None if ready else FETCH_HINT,
        issuer_did=state.issuer.did,
    )
    return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())
