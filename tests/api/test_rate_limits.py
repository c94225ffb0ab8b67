"""Rate limits over HTTP: 429 with Retry-After per client address and per holder DID, the client
address taken from X-Forwarded-For only through a trusted proxy, counters shared by two app
instances on one database, and a failing counter store that fails open.

Windows are an hour long and the limits a few requests, so nothing depends on timing. The models
directory is empty: every limited route counts before it needs a model.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from did import Ed25519KeyPair
from issuer.store import database_engine
from issuer.store import metadata as issuer_metadata
from livecred import Settings, create_app
from livecred.ratelimit import ROUTE_FAMILIES, RateLimitUnavailable, build_storage
from livecred.ratelimit_storage import rate_limit_counters
from tests.api.wallet_client import Holder

PROXY = "10.0.0.1"
PG_URL = os.environ.get("LIVECRED_TEST_POSTGRES_URL")
LIMITS = {
    "rate_limit_sessions": "3/hour",
    "rate_limit_sessions_per_did": "2/hour",
    "rate_limit_nonces": "2/hour",
    "rate_limit_tokens": "2/hour",
    "rate_limit_faces": "2/hour",
}


def _settings(tmp: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "models_dir": tmp / "no-models",
        "state_dir": tmp / "state",
        "public_url": "http://127.0.0.1:5003",
        "trusted_proxies": f"{PROXY}, 10.2.0.0/16",
        "max_request_bytes": 4096,
        **LIMITS,
    }
    return Settings(**(values | extra))


_HOLDERS: dict[str, Holder] = {}


def _did() -> str:
    holder = Holder()
    _HOLDERS[holder.did] = holder
    return holder.did


def _as(app: FastAPI, peer: str, forwarded_for: str | None = None) -> TestClient:
    """A client whose TCP peer is ``peer``, on an app already started by another client."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return TestClient(app, client=(peer, 40000), headers=headers)


def _open(client: TestClient, holder_did: str | None = None) -> Any:
    """POST /sessions with a valid proof of possession (its c_nonce made directly, so that the
    /nonce budget is not spent)."""
    holder = _HOLDERS[holder_did or _did()]
    c_nonce = client.app.state.wallet.binding.new_nonce()  # type: ignore[attr-defined]
    proof = holder.proof(c_nonce, "http://127.0.0.1:5003")
    return client.post("/sessions", json={"holderDid": holder.did, "deviceType": "desktop", "holderProof": proof})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = create_app(_settings(tmp_path_factory.mktemp("limits")))
    with TestClient(application):
        yield application


def test_over_the_limit_is_429_with_retry_after_naming_the_limit(app: FastAPI) -> None:
    client = _as(app, "203.0.113.10")
    holder = _did()
    assert [_open(client).status_code for _ in range(3)] == [201, 201, 201]
    refused = _open(client, holder)
    assert refused.status_code == 429
    assert 3000 < int(refused.headers["retry-after"]) <= 3600
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert "sessions opened from this client address" in body["message"]
    assert "3 per 1 hour" in body["message"] and "LIVECRED_RATE_LIMIT_SESSIONS" in body["message"]
    assert holder not in refused.text and "203.0.113.10" not in refused.text
    # Other families keep their own budgets; unlimited routes are not counted.
    assert client.post("/nonce").status_code == 200
    assert client.get("/health").status_code in (200, 503)


def test_clients_behind_a_trusted_proxy_are_counted_apart(app: FastAPI) -> None:
    first = _as(app, PROXY, "198.51.100.1")
    assert [_open(first).status_code for _ in range(4)] == [201, 201, 201, 429]
    assert _open(_as(app, PROXY, "198.51.100.2")).status_code == 201
    # A chain of trusted proxies: the first untrusted hop from the right is the client.
    assert _open(_as(app, PROXY, "203.0.113.99, 198.51.100.1, 10.2.3.4")).status_code == 429
    assert _open(_as(app, PROXY, "198.51.100.1, 198.51.100.3, 10.2.3.4")).status_code == 201


def test_forwarded_for_from_an_untrusted_peer_is_ignored(app: FastAPI) -> None:
    # Changing the header does not make a new client...
    answers = [_open(_as(app, "203.0.113.20", f"198.51.100.{50 + n}")).status_code for n in range(4)]
    assert answers == [201, 201, 201, 429]
    # ...nor does naming another client's address spend that client's budget.
    for _ in range(3):
        _open(_as(app, "203.0.113.21", "198.51.100.60"))
    assert _open(_as(app, PROXY, "198.51.100.60")).status_code == 201


def test_the_holder_did_limit_holds_across_client_addresses(app: FastAPI) -> None:
    holder = _did()
    answers = [_open(_as(app, PROXY, f"198.51.100.{70 + n}"), holder) for n in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    refused = answers[-1]
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["retry-after"]) > 0
    assert "sessions opened for this holder DID" in refused.json()["message"]
    assert holder not in refused.text
    assert _open(_as(app, PROXY, "198.51.100.72")).status_code == 201  # another DID, same address


def test_oauth_routes_answer_in_the_oauth_error_shape(app: FastAPI) -> None:
    client = _as(app, "203.0.113.30")
    assert [client.post("/nonce").status_code for _ in range(2)] == [200, 200]
    refused = client.post("/nonce")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.headers["cache-control"] == "no-store"
    assert refused.json()["error"] == "rate_limited"
    assert "nonce requests" in refused.json()["error_description"]
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert [client.post("/token", content=b"x=1", headers=form).status_code for _ in range(2)] == [400, 400]
    refused = client.post("/token", content=b"x=1", headers=form)
    assert refused.status_code == 429 and set(refused.json()) == {"error", "error_description"}


def test_face_routes_share_a_budget_checked_before_the_body_is_read(app: FastAPI) -> None:
    client = _as(app, "203.0.113.40")
    assert client.post("/detect", json={"image": "x"}).status_code == 503  # counted, then no models
    assert client.post("/antispoof", json={"image": "x"}).status_code == 503  # the same budget
    # Over the limit, even a body over the body limit is refused as 429, unread (not 413).
    big = b"{" + b" " * 10_000 + b"}"
    refused = client.post("/liveness", content=big, headers={"content-type": "application/json"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert "face checks" in refused.json()["message"]
    assert _as(app, "203.0.113.41").post("/liveness", json={"image": "x"}).status_code == 503


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    elif not PG_URL:
        pytest.skip("LIVECRED_TEST_POSTGRES_URL not set (.ci/run starts a PostgreSQL and sets it)")
    else:
        url = PG_URL
        engine = database_engine(PG_URL)
        rate_limit_counters.drop(engine, checkfirst=True)
        issuer_metadata.drop_all(engine)
        engine.dispose()
    settings = _settings(tmp_path, database_url=url)
    key = SecretStr(Ed25519KeyPair.generate().secret_multibase)  # replicas share the issuer key
    apps = [
        create_app(settings.model_copy(update={"state_dir": tmp_path / name, "issuer_key": key}))
        for name in ("one", "two")
    ]
    with TestClient(apps[0]), TestClient(apps[1]):
        yield _as(apps[0], "203.0.113.50"), _as(apps[1], "203.0.113.50")


def test_two_app_instances_on_one_database_share_the_counters(replicas: tuple[TestClient, TestClient]) -> None:
    one, two = replicas
    assert [_open(c).status_code for c in (one, two, one)] == [201, 201, 201]
    assert _open(two).status_code == 429
    assert _open(one).status_code == 429
    holder = _did()
    assert [_open(c, holder).status_code for c in (_retarget(one), _retarget(two))] == [201, 201]
    assert _open(_retarget(one, "198.51.100.201"), holder).status_code == 429


def _retarget(client: TestClient, address: str = "198.51.100.200") -> TestClient:
    return _as(client.app, PROXY, address)  # type: ignore[arg-type]


def test_a_failing_counter_store_fails_open_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    application = create_app(_settings(tmp_path, rate_limit_sessions="1/hour"))
    with TestClient(application):
        client = _as(application, "203.0.113.60")
        assert [_open(client).status_code for _ in range(2)] == [201, 429]
        rate_limit_counters.drop(application.state.issuer.store.engine)  # the counters' table is gone
        caplog.set_level(logging.WARNING, logger="livecred.livecred.ratelimit")
        assert [_open(client).status_code for _ in range(3)] == [201, 201, 201]
    warnings = [r for r in caplog.records if r.name == "livecred.livecred.ratelimit"]
    assert len(warnings) == 1  # once, not once per request
    assert "failing open" in warnings[0].getMessage()


def test_limits_switch_off_and_settings_are_checked(tmp_path: Path) -> None:
    application = create_app(_settings(tmp_path, rate_limits_enabled=False))
    with TestClient(application):
        client = _as(application, "203.0.113.70")
        assert {_open(client).status_code for _ in range(5)} == {201}
        assert application.state.rate_limits is None
    with pytest.raises(ValidationError, match="not a rate limit"):
        Settings(rate_limit_sessions="ten a minute")
    with pytest.raises(ValidationError, match="database, memory or a redis"):
        Settings(rate_limit_storage="postgresql://db/limits")
    assert Settings(rate_limit_faces="").rate_limit_faces == ""  # that family unlimited


def test_the_storage_named_in_the_settings() -> None:
    from limits.storage import MemoryStorage

    assert isinstance(build_storage("memory", database_engine("sqlite://")), MemoryStorage)
    try:
        import redis  # noqa: F401
    except ImportError:
        with pytest.raises(RateLimitUnavailable, match=r"livecred\[redis\]"):
            build_storage("redis://localhost:6379", database_engine("sqlite://"))


def test_every_limited_route_exists(app: FastAPI) -> None:
    """A renamed route must not silently lose its limit."""
    paths = _as(app, "203.0.113.80").get("/openapi.json").json()["paths"]
    for method, path in ROUTE_FAMILIES:
        assert method.lower() in paths.get(path, {}), (method, path)
