"""Service settings, read from the environment once, in ``create_app`` / the CLI.

``PORT`` and ``ANTISPOOF_THRESHOLD`` keep the names the original liveness service used; every
other variable is ``LIVECRED_<FIELD>`` (``LIVECRED_MODELS_DIR``, ``LIVECRED_STATE_DIR``, ...).
Relative paths are resolved against the working directory.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from limits import parse_many
from platformdirs import user_cache_path, user_data_path
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from did import FetchPolicy
from livecred.client_address import TrustedProxies
from liveness.backends import BackendSpec, UnknownBackend
from liveness.challenges import CHALLENGE_TYPES


def _default_models_dir() -> Path:
    return user_cache_path("livecred") / "models"


def _default_state_dir() -> Path:
    return user_data_path("livecred")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVECRED_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(5003, ge=1, le=65535, validation_alias=AliasChoices("PORT", "LIVECRED_PORT", "port"))
    antispoof_threshold: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        validation_alias=AliasChoices("ANTISPOOF_THRESHOLD", "LIVECRED_ANTISPOOF_THRESHOLD", "antispoof_threshold"),
        description="Default fused P(real) needed to call a face live (cross-validated on NUAA, "
        "docs/MODEL_CARD.md); requests may override it.",
    )
    # Face-match operating points, as confidences: confidence = -log10(estimated FAR) / 6
    # (liveness/embed.py; named points lenient 0.5 = FAR 1e-3, default 0.6667 = 1e-4, strict
    # 0.8333 = 1e-5; measurements in docs/MODEL_CARD.md). Requests may override them.
    min_face_match_confidence: float = Field(
        0.6667, ge=0.0, le=1.0, description="Default minConfidence of /face-match (0.6667 = FAR 1e-4, 'default')."
    )
    verify_min_face_match_confidence: float = Field(
        0.6667, ge=0.0, le=1.0, description="Default minFaceMatchConfidence of /verify (0.6667 = FAR 1e-4)."
    )
    same_person_min_confidence: float = Field(
        0.6667, ge=0.0, le=1.0, description="Frames of one check must show the same person (challenges, bursts)."
    )
    # Face quality gate before matching (liveness/quality.py): an unusable face is refused with
    # 422 face_quality_too_low instead of being matched.
    quality_gate: bool = Field(True, description="Refuse faces that fail the quality gate in /face-match, /verify.")
    quality_min_inter_ocular: float = Field(15.0, ge=0, description="Eye distance in pixels of the source image.")
    quality_min_sharpness: float = Field(25.0, ge=0, description="Laplacian variance of the aligned 112x112 face.")
    quality_max_yaw: float = Field(0.6, gt=0, description="Nose offset from the eye midpoint / eye distance.")
    models_dir: Path = Field(default_factory=_default_models_dir)
    state_dir: Path = Field(default_factory=_default_state_dir)

    max_image_bytes: int = Field(10 * 1024 * 1024, gt=0, description="Per decoded image.")
    max_image_pixels: int = Field(40_000_000, gt=0, description="Width x height, checked before decoding.")
    max_request_bytes: int = Field(0, ge=0, description="Whole request body; 0 = enough for two images.")

    fhe_max_context_bytes: int = Field(
        12 * 1024 * 1024, gt=0, description="Largest public context /fhe/distance accepts (decoded bytes)."
    )
    fhe_max_ciphertext_bytes: int = Field(
        1024 * 1024, gt=0, description="Largest encrypted embedding /fhe/distance accepts (decoded bytes)."
    )
    # Bursts of camera frames (/blink-check, /passive-monitor): their body limit is derived from these.
    max_frames: int = Field(20, ge=3, le=200, description="Frames per burst.")
    max_frame_bytes: int = Field(1024 * 1024, gt=0, description="Per decoded frame.")
    max_frame_pixels: int = Field(4_000_000, gt=0, description="Per frame, width x height.")

    # Groth16 face-match prover (zk/). ZK_SERVICE_URL keeps the original service's name.
    zk_service_url: str | None = Field(
        None,
        validation_alias=AliasChoices("ZK_SERVICE_URL", "LIVECRED_ZK_SERVICE_URL", "zk_service_url"),
        description="A remote prover worker (`node zk/worker/worker.cjs --http ...`); unset = a local worker.",
    )
    zk_node: str = Field("node", description="Node.js executable for the local prover worker.")
    zk_node_modules: Path | None = Field(None, description="node_modules with snarkjs; default: zk/node_modules.")
    zk_artifacts_dir: Path | None = Field(
        None, description="Artifacts of your own ceremony; default: the packaged ones."
    )
    zk_timeout_s: float = Field(30.0, gt=0, description="Per proving or verifying job.")
    zk_max_queue: int = Field(32, gt=0, description="Jobs queued or running in the prover before 503 prover_busy.")

    inference_threads: int = Field(0, ge=0, description="onnxruntime intra-op threads per model; 0 = auto.")
    warm_up: bool = Field(
        True, description="Run every model once at start-up, before the service answers (and /health is ready)."
    )
    max_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    # Optional backends per part (docs/backends.md): "default", or "family[:model]" such as
    # "deepface:Facenet512" or "torch:minifasnet". Non-default parts run in worker processes.
    detector: str = Field("default", description="Face detection backend (LIVECRED_DETECTOR).")
    recognition: str = Field("default", description="Face recognition backend (LIVECRED_RECOGNITION).")
    antispoof: str = Field("default", description="Anti-spoofing backend (LIVECRED_ANTISPOOF).")
    smile: str = Field("default", description="Smile scorer backend (LIVECRED_SMILE).")
    backend_timeout_seconds: float = Field(30.0, gt=0, description="Per call into a backend worker.")
    backend_max_queue: int = Field(16, gt=0, description="Calls queued or running per backend worker before 503.")
    backend_start_timeout_seconds: float = Field(180.0, gt=0, description="A backend worker's start-up.")
    backend_restart_backoff_max_seconds: float = Field(
        30.0, gt=0, description="Longest wait before restarting a backend worker that keeps crashing."
    )

    # Issuer. The key is LIVECRED_ISSUER_KEY (a secretKeyMultibase), else LIVECRED_ISSUER_KEY_FILE,
    # else <state_dir>/issuer-key.json, generated with 0600 permissions on first start.
    issuer_key: SecretStr | None = Field(None, description="Ed25519 secretKeyMultibase (z3u2...).")
    issuer_key_file: Path | None = None
    issuer_domain: str | None = Field(
        None, description="Host[:port][/path] for a did:web issuer DID; did:key when unset."
    )
    public_url: str | None = Field(
        None,
        description="Base URL the service is reached at; default https://<issuer_domain> or http://localhost:<port>.",
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite:///<state_dir>/livecred.db.")
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for the admin endpoints; unset disables them."
    )
    credential_validity_days: float = Field(
        30.0, ge=0, description="expirationDate = issuance + this; 0 = none (liveness is a fact of a moment)."
    )
    proof_type: Literal["eddsa-rdfc-2022", "Ed25519Signature2020"] = "eddsa-rdfc-2022"
    status_purpose: Literal["revocation", "suspension"] = "revocation"
    status_list_size: int = Field(
        131_072, ge=131_072, multiple_of=8, description="Bits per status list (spec: >= 16 KB)."
    )
    trusted_context_urls: list[str] = Field(
        default_factory=list, description="URLs of other livecred deployments' context this verifier accepts."
    )
    credential_min_face_match_confidence: float = Field(
        0.6667,
        ge=0.0,
        le=1.0,
        description="Lowest face-match threshold a credential's Groth16 evidence may prove (0.6667 = FAR 1e-4).",
    )
    # Verification policy (issue 15): who is trusted, and whether status that cannot be checked fails.
    trusted_issuers: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["self"],
        description="Comma-separated issuer DIDs whose credentials verify; 'self' = this service's DID.",
    )
    zk_trusted_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated BabyJubJub keys trusted for zero-knowledge presentations, each "
        "'DID=x:y' (decimal coordinates), besides those in trusted did:web issuers' documents; the only way "
        "to trust a did:key issuer's (docs/zk-presentations.md).",
    )
    verify_status: Literal["strict", "lenient"] = Field(
        "strict",
        description="strict: a status that cannot be checked (or a LivenessCredential without one) fails; "
        "lenient: it is a warning.",
    )
    verify_max_age_seconds: int = Field(
        0, ge=0, description="Oldest liveness check (credentialSubject.timestamp) that verifies; 0 = no limit."
    )
    did_web_timeout: float = Field(
        5.0, gt=0, le=60, description="Deprecated: outbound_deadline_seconds (still honoured when only this is set)."
    )

    # Liveness sessions (the wallet path, /sessions and OpenID4VCI) and the lockout guarding them.
    session_ttl_seconds: int = Field(600, ge=30, le=86_400, description="A session expires this long after creation.")
    session_max_attempts: int = Field(3, ge=1, le=20, description="Live takes (attempts) a session allows.")
    session_challenges: str = Field(
        "smile,blink,turn_left,turn_right",
        description="Challenge types sessions draw from (comma-separated: " + ", ".join(CHALLENGE_TYPES) + ").",
    )
    session_challenge_count: int = Field(
        3, ge=1, le=6, description="Most challenges per session; each draws 2..this (capped at the set size)."
    )
    lockout_failures: int = Field(5, ge=1, le=1000, description="Failures within the window that lock out.")
    lockout_window_seconds: int = Field(180, ge=1, description="Window in which failures are counted.")
    lockout_seconds: int = Field(1800, ge=1, description="How long a device stays locked out.")

    # Live capture (GET /sessions/{id}/capture, a WebSocket): the numbers of wallet.capture's
    # CapturePolicy; docs/wallet.md ("Live capture") gives the measurements behind each.
    capture_min_fps: float = Field(8.0, gt=0, le=60, description="Lowest mean frame rate of a take.")
    capture_max_fps: float = Field(20.0, gt=0, le=60, description="Highest frame rate (2-second window).")
    capture_max_gap_seconds: float = Field(0.6, gt=0, le=10, description="Longest gap between two frames.")
    capture_min_reaction_seconds: float = Field(
        0.25, ge=0, le=5, description="An action before this long after its prompt is not a reaction to it."
    )
    capture_max_reaction_seconds: float = Field(
        3.0, gt=0, le=60, description="The requested action must show within this long after its prompt."
    )
    capture_delay_min_seconds: float = Field(0.8, ge=0, le=10, description="Shortest random wait before a prompt.")
    capture_delay_max_seconds: float = Field(1.6, ge=0, le=10, description="Longest random wait before a prompt.")
    capture_max_seconds: float = Field(60.0, gt=0, le=600, description="Longest take.")
    capture_max_sessions: int = Field(
        16, ge=1, le=10_000, description="Live takes at once in this process; more get 503 server_busy."
    )
    capture_max_frame_bytes: int = Field(256 * 1024, gt=0, description="One encoded frame (JPEG/PNG/WebP).")
    stream_antispoof_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="A take is live when its fit frames' median anti-spoof score reaches this."
    )
    stream_min_scored_frames: int = Field(5, ge=1, le=100, description="Fit frames a take needs to be judged live.")
    stream_min_parallax: float = Field(
        0.012, ge=0.0, le=1.0, description="Nose parallax (inter-ocular distances) a head turn must show."
    )
    api_keys: SecretStr | None = Field(
        None,
        description="Comma-separated keys for the single-image scoring routes (/detect ... /face-match-proof): "
        "when set, they need `Authorization: Bearer <key>` (or X-API-Key); the wallet path never does.",
    )

    # Issue 13: load shedding, isolation and slow clients. Each kind of blocking work has a pool
    # of its own (livecred/capacity.py); a full pool answers 503 server_busy with Retry-After.
    max_queue: int = Field(
        32, ge=0, le=10_000, description="Inference requests that may wait beyond max_concurrency before 503."
    )
    verify_concurrency: int = Field(2, ge=1, le=64, description="Credential verifications/issuances at once.")
    verify_max_queue: int = Field(16, ge=0, le=10_000, description="Verifications that may wait before 503.")
    db_pool_size: int = Field(5, ge=1, le=100, description="Database connections (and threads using them).")
    db_max_queue: int = Field(64, ge=0, le=10_000, description="Database calls that may wait before 503.")
    db_timeout_seconds: float = Field(
        5.0, gt=0, le=300, description="Wait for a pooled connection, to connect, and per statement; then 503."
    )
    client_header_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="`livecred serve`: a request's headers must arrive within this."
    )
    client_body_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="Grace for a request body before the minimum rate applies (408)."
    )
    client_min_body_rate: int = Field(
        16 * 1024, ge=0, description="Bytes per second a request body must keep up after the grace (0 = off)."
    )

    @field_validator("detector", "recognition", "antispoof", "smile")
    @classmethod
    def _backend_name(cls, value: str) -> str:
        try:
            return str(BackendSpec.parse(value))
        except UnknownBackend as exc:
            raise ValueError(exc.message) from None

    @field_validator("session_challenges")
    @classmethod
    def _known_challenges(cls, value: str) -> str:
        types = [t.strip() for t in value.split(",") if t.strip()]
        unknown = [t for t in types if t not in CHALLENGE_TYPES]
        if unknown or not types:
            raise ValueError(f"session challenges must be among {', '.join(CHALLENGE_TYPES)} (got {value!r})")
        return ",".join(dict.fromkeys(types))

    @field_validator("admin_token")
    @classmethod
    def _strong_admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError("LIVECRED_ADMIN_TOKEN must be at least 24 characters (e.g. `openssl rand -hex 32`)")
        return value

    @property
    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.issuer_domain:
            return "https://" + self.issuer_domain.strip("/")
        return f"http://localhost:{self.port}"

    @property
    def public_url_follows_server(self) -> bool:
        """No URL, domain or port configured: the public URL is http://localhost:<the port the
        server bound>, learnt from the first request (livecred/public_url.py)."""
        return not self.public_url and not self.issuer_domain and "port" not in self.model_fields_set

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'livecred.db'}"

    @model_validator(mode="after")
    def _derive_request_limit(self) -> Settings:
        if self.max_request_bytes == 0:
            # Two base64 images (4/3 of the bytes each) plus room for the JSON around them.
            self.max_request_bytes = 2 * ((self.max_image_bytes + 2) // 3 * 4) + 64 * 1024
        return self

    @property
    def max_frames_request_bytes(self) -> int:
        """Body limit of a burst: every frame at its byte limit, base64-encoded, plus the JSON around it."""
        per_frame = (min(self.max_frame_bytes, self.max_image_bytes) + 2) // 3 * 4 + 1024
        return self.max_frames * per_frame + 64 * 1024

    # issue 13: rate limits and client address
    # Limits in `limits` notation ("10/minute;100/hour"), one budget per client address (or holder
    # DID) and family; empty = no limit for that family. Sized for a public deployment: a wallet
    # needs one session, token, nonce and credential per credential and a few live takes,
    # with room for retries and for clients sharing one address (NAT).
    rate_limits_enabled: bool = Field(True, description="Switch every rate limit off (false).")
    rate_limit_storage: str = Field(
        "database",
        description="Where the counters live: database (the issuer database, shared by replicas), "
        "memory (this process only) or a redis:// URL (pip install 'livecred[redis]').",
    )
    rate_limit_sessions: str = Field("10/minute;100/hour", description="POST /sessions per client address.")
    rate_limit_sessions_per_did: str = Field("5/minute;30/hour", description="POST /sessions per holder DID.")
    rate_limit_nonces: str = Field("20/minute;200/hour", description="POST /nonce per client address.")
    rate_limit_tokens: str = Field("20/minute;200/hour", description="POST /token per client address.")
    rate_limit_credentials: str = Field(
        "20/minute;200/hour", description="POST /credential and /sessions/{id}/credential per client address."
    )
    rate_limit_verifications: str = Field(
        "60/minute;1000/hour", description="POST /credentials/verify per client address."
    )
    rate_limit_presentation_requests: str = Field(
        "20/minute;200/hour", description="POST /oid4vp/requests (OpenID4VP requests) per client address."
    )
    rate_limit_presentation_results: str = Field(
        "120/minute;3000/hour",
        description="GET /oid4vp/requests/{id} per client address: a verifier page polls about once a second.",
    )
    rate_limit_faces: str = Field(
        "30/minute;300/hour",
        description="The face routes together (/detect ... /fhe/distance) per client address; a live take counts once.",
    )
    trusted_proxies: str = Field(
        "",
        description="IPs and CIDRs of reverse proxies whose X-Forwarded-For is believed (comma-separated); "
        "empty = trust nobody, the client is the TCP peer.",
    )

    @field_validator(
        "rate_limit_sessions",
        "rate_limit_sessions_per_did",
        "rate_limit_nonces",
        "rate_limit_tokens",
        "rate_limit_credentials",
        "rate_limit_verifications",
        "rate_limit_presentation_requests",
        "rate_limit_presentation_results",
        "rate_limit_faces",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"not a rate limit like '10/minute;100/hour': {value!r}") from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage(cls, value: str) -> str:
        value = value.strip()
        if value not in ("database", "memory") and not value.startswith(("redis://", "rediss://", "redis+")):
            raise ValueError("LIVECRED_RATE_LIMIT_STORAGE must be database, memory or a redis:// URL")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        TrustedProxies.parse(value)  # raises ValueError naming the bad entry
        return value

    # issue 13: outbound fetches (did:web documents, status lists of other issuers; did/fetch.py)
    outbound_deadline_seconds: float = Field(
        5.0, gt=0, le=60, description="Total time for one fetch: name lookup, connect, TLS, headers and body."
    )
    outbound_max_concurrency: int = Field(8, ge=1, le=256, description="Fetches at once; more wait briefly, then 503.")
    outbound_max_queue: int = Field(
        32, ge=0, le=10_000, description="Requests that may fetch (did:web holders) waiting before 503."
    )
    outbound_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host or host:port fetched even at private addresses, on that port (dev, tests).",
    )
    outbound_ca_file: Path | None = Field(None, description="PEM bundle trusted besides certifi's (a development CA).")
    outbound_failure_ttl_seconds: float = Field(
        60.0, ge=0, le=3600, description="A failed host or URL is not fetched again for this long; 0 = always retry."
    )

    @field_validator("trusted_issuers", mode="before")
    @classmethod
    def _split_trusted_issuers(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("trusted_issuers")
    @classmethod
    def _valid_trusted_issuers(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v != "self" and (not v.startswith("did:") or "#" in v or len(v) > 1024)]
        if bad or not value:
            raise ValueError("LIVECRED_TRUSTED_ISSUERS: comma-separated DIDs (no fragments) or 'self'")
        return value

    @field_validator("zk_trusted_keys", mode="before")
    @classmethod
    def _split_zk_trusted_keys(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("zk_trusted_keys")
    @classmethod
    def _valid_zk_trusted_keys(cls, value: list[str]) -> list[str]:
        if any(not _ZK_KEY.fullmatch(v) for v in value):
            raise ValueError("LIVECRED_ZK_TRUSTED_KEYS: comma-separated 'DID=x:y' with decimal coordinates")
        return value

    @field_validator("outbound_allow_hosts", mode="before")
    @classmethod
    def _split_allow_hosts(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("outbound_allow_hosts")
    @classmethod
    def _valid_allow_hosts(cls, value: list[str]) -> list[str]:
        FetchPolicy(allow_hosts=tuple(value))  # ValueError names a malformed entry
        return value

    # issue 16: operations (docs/observability.md)
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token GET /metrics needs; unset = /metrics is open (keep it off the public side)."
    )
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per log line.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated exact origins (https://wallet.example) whose pages may call the API; "
        "empty = none.",
    )

    @field_validator("metrics_token")
    @classmethod
    def _strong_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError("LIVECRED_METRICS_TOKEN must be at least 24 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_cors_origins(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _ORIGIN.match(v)]
        if bad:
            raise ValueError(
                f"LIVECRED_CORS_ORIGINS: exact origins like https://wallet.example[:port], no '*' or path (got {bad})"
            )
        return [v.rstrip("/") for v in value]


_ORIGIN = re.compile(r"^https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?/?$")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


# LIVECRED_ZK_TRUSTED_KEYS entries: a DID (no fragment), '=', then x:y in canonical decimal.
_ZK_KEY = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]{1,1000}=(?:0|[1-9][0-9]{0,76}):(?:0|[1-9][0-9]{0,76})")
