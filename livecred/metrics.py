"""Prometheus metrics: what an operator needs to see the service work, and nothing biometric.

One :class:`ServiceMetrics` per app, on a registry of its own (several apps in one process, as
in the tests, never share counters). Labels come from small fixed sets only: the route
*template* (``/sessions/{session_id}``, never the raw path), the method, the status class, a
model part, a pool, a reason code. Never a score, an embedding, a holder DID, a session id or a
client address: a label is stored and shipped forever, and those are personal data.

What is measured where:

* HTTP requests and latency: :class:`MetricsMiddleware`, around every HTTP request.
* Inference time per model part: the engine's :class:`liveness.InferenceObserver` hook.
* Pool queues, live takes in progress, engine / database / prover state: read at scrape time
  (``livecred/routes/metrics.py``).
* Live takes passed and failed by reason code: ``livecred/routes/capture.py``.
* Credentials issued and verified: the routes that issue or verify.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveness import INFERENCE_PARTS

__all__ = ["MetricsMiddleware", "ServiceMetrics"]

UNMATCHED = "unmatched"
# A reason code is a short snake_case word; anything else is folded into "other" so that a
# label can never carry something a client sent.
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_INFERENCE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
COMPONENTS = ("engine", "database", "prover")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ISSUE_CHANNELS = ("admin", "wallet", "oid4vci")
VERIFY_KINDS = ("credential", "presentation")


def reason_label(code: str) -> str:
    return code if _REASON.match(code) else "other"


class ServiceMetrics:
    """The service's collectors, on ``self.registry``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "livecred_http_requests", "HTTP requests answered.", ["route", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "livecred_http_request_duration_seconds",
            "Time from the request's arrival to the end of its response.",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.inference = Histogram(
            "livecred_inference_duration_seconds",
            "Time of one call into a model part (liveness/timing.py).",
            ["model"],
            buckets=_INFERENCE_BUCKETS,
            registry=r,
        )
        self.pool_running = Gauge("livecred_pool_running", "Jobs running on a pool.", ["pool"], registry=r)
        self.pool_waiting = Gauge("livecred_pool_waiting", "Jobs waiting for a pool (queue).", ["pool"], registry=r)
        self.pool_capacity = Gauge("livecred_pool_capacity", "Jobs a pool runs at once.", ["pool"], registry=r)
        self.live_takes_active = Gauge("livecred_live_takes_active", "Live takes in progress.", registry=r)
        self.component_up = Gauge(
            "livecred_component_up",
            "1 when the component works (engine: models loaded; database, prover: the /health probes).",
            ["component"],
            registry=r,
        )
        self.takes = Counter("livecred_live_takes", "Live takes finished, by outcome.", ["outcome"], registry=r)
        self.take_failures = Counter(
            "livecred_live_take_failures",
            "Reason codes of failed live takes (one take may have several).",
            ["reason"],
            registry=r,
        )
        self.issued = Counter("livecred_credentials_issued", "Credentials issued, by channel.", ["channel"], registry=r)
        self.verified = Counter(
            "livecred_credentials_verified",
            "Credential and presentation verifications answered, by kind and verdict.",
            ["kind", "verified"],
            registry=r,
        )
        # Every fixed series exists from the start, so a dashboard sees 0 rather than nothing.
        for part in INFERENCE_PARTS:
            self.inference.labels(part)
        for outcome in ("passed", "failed"):
            self.takes.labels(outcome)
        for channel in ISSUE_CHANNELS:
            self.issued.labels(channel)
        for kind in VERIFY_KINDS:
            for verdict in ("true", "false"):
                self.verified.labels(kind, verdict)
        for component in COMPONENTS:
            self.component_up.labels(component)

    def observe_inference(self, part: str, seconds: float) -> None:
        """The engine's :class:`liveness.InferenceObserver`."""
        self.inference.labels(part).observe(seconds)

    def live_take(self, passed: bool, reasons: Iterable[str]) -> None:
        self.takes.labels("passed" if passed else "failed").inc()
        if not passed:
            for reason in dict.fromkeys(reason_label(r) for r in reasons):
                self.take_failures.labels(reason).inc()

    def credential_issued(self, channel: str) -> None:
        self.issued.labels(channel).inc()

    def verification(self, kind: str, verified: bool) -> None:
        self.verified.labels(kind, "true" if verified else "false").inc()


def route_template(scope: Scope) -> str:
    """The matched route's path template; ``unmatched`` when no route matched (404, preflight)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request by route template, method and status class."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = route_template(scope)
            method = str(scope.get("method", "GET"))
            method = method if method in _METHODS else "other"
            self.metrics.requests.labels(route, method, f"{status // 100}xx").inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - start)
