"""Composition of the issuer from settings: which key, which DID, which database.

Domain packages never read the environment; this is where settings become an ``Issuer``. The key
comes from ``LIVECRED_ISSUER_KEY``, else ``LIVECRED_ISSUER_KEY_FILE``, else the state directory
(generated there, 0600, on first start). With ``LIVECRED_ISSUER_DOMAIN`` the DID is ``did:web``
for that domain, otherwise the ``did:key`` of the key.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from did import (
    DIDError,
    Ed25519KeyPair,
    Fetcher,
    FetchPolicy,
    did_web_from_domain,
    load_or_create_key_file,
    read_key_file,
)
from issuer import (
    Issuer,
    IssuerConfig,
    IssuerError,
    IssuerKeyError,
    IssuerStore,
    database_engine,
)
from livecred.settings import Settings
from wallet import CapturePolicy, Lockout, LockoutPolicy, SessionPolicy, SessionStore, Wallet, WalletConfig
from zk import scale_threshold

logger = logging.getLogger("livecred.issuer")

KEY_FILE_NAME = "issuer-key.json"


def load_issuer_key(settings: Settings) -> Ed25519KeyPair:
    try:
        if settings.issuer_key is not None:
            return Ed25519KeyPair.from_multibase(settings.issuer_key.get_secret_value())
        if settings.issuer_key_file is not None:
            return read_key_file(settings.issuer_key_file)
        path = settings.state_dir / KEY_FILE_NAME
        key, created = load_or_create_key_file(path)
        if created:
            logger.info("generated a new issuer key in %s", path)
        return key
    except DIDError as exc:
        raise IssuerKeyError(f"issuer key: {exc.message}") from exc
    except OSError as exc:
        raise IssuerKeyError(f"issuer key: cannot use the state directory ({exc.strerror})") from exc


def issuer_did(settings: Settings) -> str | None:
    """The did:web DID when a domain is configured; ``None`` means the key's did:key."""
    return did_web_from_domain(settings.issuer_domain) if settings.issuer_domain else None


def issuer_config(settings: Settings) -> IssuerConfig:
    days = settings.credential_validity_days
    return IssuerConfig(
        public_url=settings.resolved_public_url,
        validity=timedelta(days=days) if days else None,
        proof_type=settings.proof_type,
        status_purpose=settings.status_purpose,
        trusted_context_urls=tuple(settings.trusted_context_urls),
        trusted_issuers=tuple(settings.trusted_issuers),
        status_mode=settings.verify_status,
        max_age=timedelta(seconds=settings.verify_max_age_seconds) if settings.verify_max_age_seconds else None,
        min_face_match_threshold=scale_threshold(settings.credential_min_face_match_confidence),
        zk_trusted_keys=tuple(zk_trusted_key(entry) for entry in settings.zk_trusted_keys),
    )


def zk_trusted_key(entry: str) -> tuple[str, int, int]:
    """``DID=x:y`` (validated by the settings) as (DID, x, y)."""
    did, _, point = entry.rpartition("=")
    x, _, y = point.partition(":")
    return did, int(x), int(y)


def issuer_store(settings: Settings) -> IssuerStore:
    """The issuer database, with a bounded pool and timeouts (``LIVECRED_DB_*``)."""
    timeout = settings.db_timeout_seconds
    engine = database_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        pool_timeout_s=timeout,
        connect_timeout_s=timeout,
        statement_timeout_s=timeout,
    )
    return IssuerStore(engine, list_size=settings.status_list_size)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """did:web and status list fetches (issue 13). A ``LIVECRED_DID_WEB_TIMEOUT`` set without
    ``LIVECRED_OUTBOUND_DEADLINE_SECONDS`` is still honoured, now as the total deadline."""
    deadline = settings.outbound_deadline_seconds
    if "did_web_timeout" in settings.model_fields_set and "outbound_deadline_seconds" not in settings.model_fields_set:
        deadline = settings.did_web_timeout
    return FetchPolicy(
        deadline_seconds=deadline,
        max_concurrency=settings.outbound_max_concurrency,
        allow_hosts=tuple(settings.outbound_allow_hosts),
        ca_file=settings.outbound_ca_file,
        failure_ttl_seconds=settings.outbound_failure_ttl_seconds,
    )


def build_issuer(settings: Settings) -> Issuer:
    """A started issuer (database schema created, key metadata recorded)."""
    if settings.database_url is None:
        try:  # owner-only: it holds the issuer key and the database
            settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise IssuerError(f"cannot create the state directory ({exc.strerror})") from exc
    key = load_issuer_key(settings)
    store = issuer_store(settings)
    issuer = Issuer(
        key,
        store,
        issuer_config(settings),
        did=issuer_did(settings),
        fetcher=Fetcher(fetch_policy(settings)),
    )
    issuer.start()
    return issuer


def build_wallet(settings: Settings, issuer: Issuer, engine_name: str | None = None) -> Wallet:
    """Sessions, lockout, holder binding and OpenID4VCI on top of ``issuer`` (same database)."""
    counts = settings.session_challenge_count
    engine = issuer.store.engine
    sessions = SessionStore(
        engine,
        policy=SessionPolicy(
            ttl=timedelta(seconds=settings.session_ttl_seconds),
            max_attempts=settings.session_max_attempts,
            challenge_types=tuple(settings.session_challenges.split(",")),
            min_challenges=min(2, counts),
            max_challenges=counts,
        ),
    )
    # Lockout subjects are stored as HMACs under a secret only the issuer key can produce (an
    # Ed25519 signature is deterministic, so every replica sharing the key derives the same one).
    secret = hashlib.sha256(issuer.key.sign(b"livecred/lockout-subjects/v1")).digest()
    lockout = Lockout(
        engine,
        secret,
        LockoutPolicy(
            failures=settings.lockout_failures,
            window=timedelta(seconds=settings.lockout_window_seconds),
            duration=timedelta(seconds=settings.lockout_seconds),
        ),
    )
    wallet = Wallet(issuer, sessions, lockout, config=WalletConfig(engine=engine_name))
    wallet.create_schema()
    return wallet


def capture_policy(settings: Settings) -> CapturePolicy:
    """The live-capture protocol's numbers from the settings (the rest keep their defaults)."""
    low = settings.capture_delay_min_seconds
    return CapturePolicy(
        min_fps=settings.capture_min_fps,
        max_fps=settings.capture_max_fps,
        max_gap=settings.capture_max_gap_seconds,
        min_reaction=settings.capture_min_reaction_seconds,
        max_reaction=settings.capture_max_reaction_seconds,
        delay=(low, max(low, settings.capture_delay_max_seconds)),
        max_duration=settings.capture_max_seconds,
    )
