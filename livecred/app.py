"""create_app(settings): the FastAPI application, with the engine built once in the lifespan.

Settings are resolved when the app starts (not when this module is imported), so
``uvicorn livecred.main:app`` and tests with their own ``Settings`` share one code path. A missing or
corrupt model does not stop the service from starting: ``/health`` reports not-ready with the
missing models, and face endpoints answer 503 with the command that fixes it.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI
from starlette.routing import compile_path

from fhe import FHELimits
from issuer.zk_evidence import FaceMatchEvidenceChecker
from livecred.api_keys import ApiKeyMiddleware, ApiKeys
from livecred.capacity import BoundedPool, Pools
from livecred.client_address import TrustedProxies
from livecred.cors import WalletCORSMiddleware
from livecred.errors import install_error_handlers
from livecred.issuer_setup import build_issuer, build_wallet
from livecred.logs import RequestIdMiddleware, configure_logging
from livecred.metrics import MetricsMiddleware, ServiceMetrics
from livecred.middleware import BodyPolicy, ClientTimeouts, RequestGuardMiddleware
from livecred.openapi import install_openapi
from livecred.public_url import FollowBoundPortMiddleware
from livecred.ratelimit import FACE_ROUTES, RateLimitMiddleware, build_rate_limits
from livecred.routes import capture as capture_routes
from livecred.routes import credentials, docs, faces, health, interactive, presentations, publish
from livecred.routes import fhe as fhe_routes
from livecred.routes import metrics as metrics_routes
from livecred.routes import oid4vci as oid4vci_routes
from livecred.routes import oid4vp as oid4vp_routes
from livecred.routes import sessions as sessions_routes
from livecred.routes import web as web_page
from livecred.routes import zk as zk_routes
from livecred.routes import zk_browser as zk_browser_routes
from livecred.routes import zk_presentations as zk_presentation_routes
from livecred.settings import Settings, get_settings
from livecred.zk_state import start_zk
from liveness import EngineConfig, FrameLimits, ImageLimits, ModelUnavailable, QualityConfig, load_default_engine
from liveness.backends import (
    DEFAULT_REGISTRY,
    BackendNotStarted,
    BackendRegistry,
    Backends,
    BackendSelection,
    WorkerConfig,
    assemble_engine,
)
from liveness.models import DEFAULT_ENGINE_MODELS, ModelStatus, ModelStore, RuntimeOptions
from liveness.stream import StreamConfig
from zk import scale_threshold

logger = logging.getLogger("livecred.api")


def _version() -> str:
    try:
        return version("livecred")
    except PackageNotFoundError:
        return "0+unknown"


def _build_state(app: FastAPI, settings: Settings, registry: BackendRegistry | None = None) -> None:
    # uvicorn configures only its own loggers; without this, "engine ready" and "models missing"
    # lines would be lost (and LIVECRED_LOG_FORMAT=json turns every line into JSON).
    configure_logging(settings.log_format)
    app.state.access_log = settings.log_format == "json"
    start = time.perf_counter()
    state = app.state
    state.settings = settings
    # Per-route body limits (path prefix -> bytes) for routes that take more than two images.
    state.body_limits = {
        "/credentials/": 256 * 1024,
        "/presentations/": 256 * 1024,
        "/oid4vp/": 256 * 1024,
        "/zk/presentations/": 16 * 1024,  # a request's choices, or a proof and its ten signals
    }
    # The issuer needs no models; a misconfigured key stops start-up here with a clear message.
    state.issuer = build_issuer(settings)
    state.public_url_pending = settings.public_url_follows_server
    logger.info("issuer %s publishing at %s", state.issuer.did, state.issuer.public_url)
    # Who the client is (X-Forwarded-For only from trusted proxies) and how often it may call.
    state.trusted_proxies = TrustedProxies.parse(settings.trusted_proxies)
    state.rate_limits = build_rate_limits(settings, state.issuer)
    state.api_keys = ApiKeys(settings.api_keys.get_secret_value() if settings.api_keys else "")
    # Unknown backend names stop start-up here; a backend that cannot start only makes /health not ready.
    state.backends = build_backends(settings, registry)
    state.backend_error = None
    state.wallet = build_wallet(settings, state.issuer, engine_name=engine_name(state.backends))
    state.image_limits = ImageLimits(max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)
    state.frame_limits = FrameLimits(
        max_frames=settings.max_frames,
        image=ImageLimits(
            max_bytes=min(settings.max_frame_bytes, settings.max_image_bytes),
            max_pixels=min(settings.max_frame_pixels, settings.max_image_pixels),
        ),
    )
    for burst_route in ("/blink-check", "/passive-monitor"):
        state.body_limits[burst_route] = settings.max_frames_request_bytes
    state.pools = build_pools(settings)
    state.health_cache = {}
    state.client_timeouts = ClientTimeouts(settings.client_body_timeout_seconds, settings.client_min_body_rate)
    state.fhe_limits = FHELimits(settings.fhe_max_context_bytes, settings.fhe_max_ciphertext_bytes)
    # /fhe/ bodies carry a public context (megabytes) and ciphertexts, not images.
    state.body_limits["/fhe/"] = fhe_routes.request_limit(state.fhe_limits)
    state.capture_clock = time.monotonic  # the live take's server clock (tests use a virtual one)
    state.capture_rng = None  # the random delay before each prompt: a CSPRNG unless replaced
    state.stream_config = StreamConfig(
        antispoof_threshold=settings.stream_antispoof_threshold,
        min_scored_frames=settings.stream_min_scored_frames,
        min_parallax=settings.stream_min_parallax,
    )
    state.zk = start_zk(settings)  # the prover worker process; closed in the lifespan's exit
    if state.zk.verification_key is not None:
        # Credentials carrying a Groth16 face-match proof are checked against our key, by the
        # worker when it runs and by the pure-Python verifier otherwise.
        prover = state.zk.prover
        state.issuer.verifier.evidence_checker = FaceMatchEvidenceChecker(
            state.zk.verification_key,
            min_threshold=scale_threshold(settings.credential_min_face_match_confidence),
            fast_verify=prover.verify if prover is not None else None,
        )
    store = ModelStore(settings.models_dir)
    state.engine = None
    try:
        # Loading reads and verifies every model; only a failure needs the per-model detail.
        engine = load_default_engine(
            settings.models_dir,
            runtime=RuntimeOptions(intra_op_threads=settings.inference_threads),
            config=engine_config(settings),
            observer=app.state.metrics.observe_inference,
        )
        if state.backends.isolated:
            state.backends.start()  # the workers build their parts (TensorFlow, torch) in their own processes
            engine = assemble_engine(
                engine, state.backends, stream=state.stream_config, observer=app.state.metrics.observe_inference
            )
        state.engine = engine
    except ModelUnavailable as exc:
        state.model_status = store.status(DEFAULT_ENGINE_MODELS)
        state.missing_models = list(exc.missing)
        logger.error("liveness engine not ready: %s", exc.message)
        return
    except BackendNotStarted as exc:
        state.model_status = [ModelStatus(n, store.path_of(n), "ok", None) for n in DEFAULT_ENGINE_MODELS]
        state.missing_models = list(exc.missing)
        state.backend_error = exc
        logger.error("liveness engine not ready: %s", exc.message)
        return
    if settings.warm_up:
        # Before the lifespan yields, so no request (and no ready /health) meets a cold engine.
        warm_start = time.perf_counter()
        state.engine.warm_up()
        logger.info("liveness engine warmed up in %.0f ms", (time.perf_counter() - warm_start) * 1000)
    state.model_status = [ModelStatus(n, store.path_of(n), "ok", None) for n in DEFAULT_ENGINE_MODELS]
    state.missing_models = []
    logger.info("liveness engine ready in %.0f ms", (time.perf_counter() - start) * 1000)


def build_backends(settings: Settings, registry: BackendRegistry | None = None) -> Backends:
    """The parts the settings select (not started); raises ``UnknownBackend`` for an unknown name."""
    selection = BackendSelection(settings.detector, settings.recognition, settings.antispoof, settings.smile)
    config = WorkerConfig(
        timeout_s=settings.backend_timeout_seconds,
        max_pending=settings.backend_max_queue,
        start_timeout_s=settings.backend_start_timeout_seconds,
        restart_backoff_s=min(1.0, settings.backend_restart_backoff_max_seconds),
        restart_backoff_max_s=settings.backend_restart_backoff_max_seconds,
        environment=dict(os.environ),  # the base a runtime's own variables are added to, in its worker only
    )
    return Backends(selection, settings.models_dir, registry=registry or DEFAULT_REGISTRY, config=config)


def engine_name(backends: Backends) -> str:
    """What the credential evidence names as the engine: the default parts and any backends."""
    chosen = [f"{part}={a.name}" for part, a in backends.parts.items()]
    selected = f"; {', '.join(chosen)}" if chosen else ""
    return f"livecred {_version()} (YuNet, MiniFASNet V2+V1SE, MobileFaceNet, FaceMesh{selected})"


def engine_config(settings: Settings) -> EngineConfig:
    """The engine's decision thresholds from the settings (every other field keeps its default)."""
    return EngineConfig(
        antispoof_threshold=settings.antispoof_threshold,
        min_match_confidence=settings.min_face_match_confidence,
        min_same_person_confidence=settings.same_person_min_confidence,
        quality=QualityConfig(
            min_inter_ocular=settings.quality_min_inter_ocular,
            min_sharpness=settings.quality_min_sharpness,
            max_yaw=settings.quality_max_yaw,
        ),
        quality_gate=settings.quality_gate,
    )


def build_pools(settings: Settings) -> Pools:
    """One bounded pool per kind of blocking work (see livecred/capacity.py)."""
    return Pools(
        inference=BoundedPool("inference", settings.max_concurrency, settings.max_queue),
        verification=BoundedPool("verification", settings.verify_concurrency, settings.verify_max_queue),
        # Requests whose work may fetch run as many at a time as the fetcher fetches (did/fetch.py).
        outbound=BoundedPool("outbound", settings.outbound_max_concurrency, settings.outbound_max_queue),
        database=BoundedPool("database", settings.db_pool_size, settings.db_max_queue),
        # The prover worker has its own bounded queue (zk_max_queue); these threads only wait on it.
        prover=BoundedPool("prover", settings.zk_max_queue, 0),
        # Live-take frames: each take has at most one frame in line, so admitted takes are never refused.
        stream=BoundedPool("stream", settings.max_concurrency, settings.capture_max_sessions),
    )


# Routes whose work runs on a pool: when that pool is full they are refused before the body is
# read. Everything else is admitted (its route may still refuse later).
_ADMISSION: tuple[tuple[re.Pattern[str], str], ...] = (
    *((compile_path(path)[0], "inference") for path in FACE_ROUTES),
    (compile_path("/credentials/verify")[0], "verification"),
    (compile_path("/presentations/verify")[0], "verification"),
    (compile_path("/oid4vp/response")[0], "verification"),
    (compile_path("/credentials/issue")[0], "verification"),
    (compile_path("/zk/presentations/verify")[0], "verification"),
)


def body_limit(state: Any, path: str) -> int:
    """The request-body limit for ``path``: the longest matching prefix in
    ``state.body_limits``, else ``settings.max_request_bytes`` (sized for two images)."""
    best, limit = -1, int(state.settings.max_request_bytes)
    for prefix, prefix_limit in state.body_limits.items():
        if path.startswith(prefix) and len(prefix) > best:
            best, limit = len(prefix), prefix_limit
    return limit


def body_policy(state: Any, path: str) -> BodyPolicy:
    pool_name = next((name for pattern, name in _ADMISSION if pattern.match(path)), None)
    pool = getattr(state.pools, pool_name) if pool_name else None
    return BodyPolicy(body_limit(state, path), pool)


def create_app(settings: Settings | None = None, *, backend_registry: BackendRegistry | None = None) -> FastAPI:
    """Build the app; ``settings`` defaults to the environment (read at start-up).
    ``backend_registry`` replaces the registry of optional backends (tests add their own)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            _build_state(app, settings or get_settings(), backend_registry)
            yield
        finally:
            # Also when start-up fails part-way: the zk and backend workers are processes and must
            # not outlive us.
            app.state.engine = None
            parts = ("issuer", "zk", "backends")
            for part in (getattr(app.state, name, None) for name in parts):
                if part is not None:
                    part.close()

    app = FastAPI(
        title="livecred",
        version=_version(),
        description=(
            "Face liveness, anti-spoofing and face matching on CPU, with no image ever stored; "
            "LivenessCredential issuance and verification."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by routes/docs.py with local assets (no CDN)
        redoc_url=None,
    )
    app.add_middleware(
        RequestGuardMiddleware,
        policy=lambda path: body_policy(app.state, path),
        timeouts=lambda: app.state.client_timeouts,
    )
    app.add_middleware(ApiKeyMiddleware)  # before the body is read, after the rate limit counts
    app.add_middleware(RateLimitMiddleware)  # a refused client's body is never read
    # Outside the refusals, so that a wallet page on another origin can read a 429 or a 413 too.
    app.add_middleware(WalletCORSMiddleware, origins=lambda: app.state.settings.cors_origins)
    app.state.metrics = ServiceMetrics()
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(FollowBoundPortMiddleware)  # the URL is right before anything inside runs
    app.add_middleware(RequestIdMiddleware, access_log=lambda: getattr(app.state, "access_log", False))  # outermost
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(web_page.router)
    app.include_router(docs.router)
    app.include_router(health.router)
    app.include_router(metrics_routes.router)
    app.include_router(faces.router)
    app.include_router(interactive.router)
    app.include_router(credentials.router)
    app.include_router(presentations.router)
    app.include_router(publish.router)
    app.include_router(fhe_routes.router)
    app.include_router(zk_routes.router)
    app.include_router(zk_browser_routes.router)
    app.include_router(zk_presentation_routes.router)
    app.include_router(sessions_routes.router)
    app.include_router(capture_routes.router)
    app.include_router(oid4vci_routes.router)
    app.include_router(oid4vp_routes.router)
    return app
