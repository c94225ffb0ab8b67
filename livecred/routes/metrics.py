"""GET /metrics: the Prometheus exposition of ``livecred/metrics.py``.

Open by default, as Prometheus endpoints usually are (keep it off the public side of the proxy);
with ``LIVECRED_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>``. Gauges that
describe the moment (pool queues, live takes, engine / database / prover state) are read here,
at scrape time; the database and prover states are the ``/health`` probes, cached for a few
seconds, so scrapes never add load on the database.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from livecred.metrics import ServiceMetrics
from livecred.routes.capture import capture_slots
from livecred.routes.health import component_health

router = APIRouter(tags=["operations"])


def _authorised(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if not _authorised(request):
        return Response(
            '{"code": "unauthorized", "message": "/metrics needs Authorization: Bearer <LIVECRED_METRICS_TOKEN>"}',
            status_code=401,
            media_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    state = request.app.state
    collected: ServiceMetrics = state.metrics
    for pool in state.pools.all():
        stats = pool.stats()
        collected.pool_running.labels(pool.name).set(stats["running"])
        collected.pool_waiting.labels(pool.name).set(stats["waiting"])
        collected.pool_capacity.labels(pool.name).set(stats["capacity"])
    collected.live_takes_active.set(capture_slots(state).active)
    database, prover = await component_health(request)
    collected.component_up.labels("engine").set(1 if state.engine is not None else 0)
    collected.component_up.labels("database").set(1 if database.state == "ok" else 0)
    collected.component_up.labels("prover").set(1 if prover.state == "ok" else 0)
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
