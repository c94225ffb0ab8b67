"""Bounded pools, shed load, isolation: a full pool answers 503 + Retry-After before doing work, a
stuck database does not hold the face routes, abandoned requests are not computed, every 503
says when to come back, and /health reports the database and the prover."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from issuer import StoreUnavailable
from livecred import Settings, create_app
from livecred.capacity import BoundedPool, ClientDisconnected, ServerBusy
from tests.api.wallet_client import Holder, open_session
from tests.conftest import MODELS_DIR, read_b64

SELFIE = "silentface_real_spoof/image_T1.jpg"
OTHER = "deepface_identities/img2.jpg"
HANG_GUARD_S = 120  # a hang detector, not a timing assertion


# -- the pool on its own ------------------------------------------------------------------------


def test_a_full_pool_refuses_at_once_and_never_runs_the_job() -> None:
    release = threading.Event()
    ran: list[str] = []

    async def scenario() -> None:
        pool = BoundedPool("test", capacity=1, max_waiting=1, retry_after=2)
        async with anyio.create_task_group() as tg:
            tg.start_soon(pool.run, release.wait)  # running
            tg.start_soon(pool.run, lambda: ran.append("queued"))  # waiting
            await anyio.sleep(0.05)
            assert pool.full and pool.stats() == {"capacity": 1, "running": 1, "waiting": 1}
            with pytest.raises(ServerBusy) as info:
                await pool.run(lambda: ran.append("refused"))
            assert info.value.code == "server_busy" and info.value.retry_after >= 2
            release.set()
        assert ran == ["queued"] and pool.pending == 0

    anyio.run(scenario)


def test_a_job_whose_client_left_while_waiting_is_not_run() -> None:
    ran: list[str] = []

    async def gone() -> bool:
        return True

    async def scenario() -> None:
        pool = BoundedPool("test", capacity=1, max_waiting=4)
        with pytest.raises(ClientDisconnected):
            await pool.run(lambda: ran.append("ran"), client_gone=gone)

    anyio.run(scenario)
    assert ran == []


# -- through the app ------------------------------------------------------------------------------


def _settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"models_dir": MODELS_DIR, "state_dir": tmp, **overrides}
    return Settings(**values)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One inference thread and no queue; one database thread and one waiting; one prover slot."""
    settings = _settings(
        tmp_path_factory.mktemp("small"), max_concurrency=1, max_queue=0, db_pool_size=1, db_max_queue=1, zk_max_queue=1
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _hold(client: TestClient, pool: BoundedPool, jobs: int = 1) -> tuple[threading.Event, Callable[[], None]]:
    """Occupy ``jobs`` places of ``pool`` until the returned event is set; the callable waits for them."""
    release = threading.Event()
    futures = [client.portal.start_task_soon(pool.run, release.wait) for _ in range(jobs)]
    client.portal.call(anyio.sleep, 0.05)

    def finish() -> None:
        release.set()
        for f in futures:
            f.result(timeout=HANG_GUARD_S)

    return release, finish


def _wait_for(condition: Callable[[], bool]) -> None:
    for _ in range(HANG_GUARD_S * 100):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition not reached")


def _image_body() -> dict[str, str]:
    return {"image": read_b64(SELFIE)}


def test_a_full_inference_pool_answers_503_with_retry_after(small: TestClient) -> None:
    pools = small.app.state.pools  # type: ignore[attr-defined]
    _, finish = _hold(small, pools.inference)
    try:
        response = small.post("/detect", json=_image_body())
        assert response.status_code == 503
        assert response.json()["code"] == "server_busy"
        assert int(response.headers["Retry-After"]) >= 1
        assert read_b64(SELFIE)[1000:1100] not in response.text
    finally:
        finish()
    assert small.post("/detect", json=_image_body()).status_code == 200


def test_a_stuck_database_does_not_slow_the_face_routes(small: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Database calls hang (as on a stuck PostgreSQL); face routes, on their own pool, still answer,
    and database routes beyond the database pool's line are refused instead of piling up."""
    wallet = small.app.state.wallet  # type: ignore[attr-defined]
    stuck = threading.Event()
    entered = threading.Semaphore(0)

    def hung_get(session_id: str) -> Any:
        entered.release()
        stuck.wait(HANG_GUARD_S)
        raise StoreUnavailable("the issuer database failed (OperationalError)")

    monkeypatch.setattr(wallet.sessions, "get", hung_get)
    with ThreadPoolExecutor(4) as executor:
        # The pool takes one call and lets one wait: two hang, the rest are refused at once.
        hanging = [executor.submit(small.get, f"/sessions/lcs_{n}") for n in range(2)]
        assert entered.acquire(timeout=HANG_GUARD_S)
        database = small.app.state.pools.database  # type: ignore[attr-defined]
        _wait_for(lambda: database.pending == 2)
        refused = small.get("/sessions/lcs_x")
        assert refused.status_code == 503 and refused.json()["code"] == "server_busy"
        assert "Retry-After" in refused.headers
        live = small.post("/liveness", json=_image_body())
        assert live.status_code == 200 and live.json()["is_live"] is True
        assert not any(f.done() for f in hanging), "the face route answered while the database hung"
        stuck.set()
        answers = [f.result(timeout=HANG_GUARD_S) for f in hanging]
    assert {a.status_code for a in answers} == {503}
    assert all(a.json()["code"] == "issuer_store_unavailable" and "Retry-After" in a.headers for a in answers)


def test_face_match_proof_checks_prover_capacity_before_matching(
    small: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = small.app.state.engine.images  # type: ignore[attr-defined]
    calls: list[str] = []
    real_match = engine.match
    monkeypatch.setattr(engine, "match", lambda *a, **k: calls.append("match") or real_match(*a, **k))
    _, finish = _hold(small, small.app.state.pools.prover)  # type: ignore[attr-defined]
    try:
        response = small.post("/face-match-proof", json={"idImage": read_b64(SELFIE), "selfieImage": read_b64(SELFIE)})
    finally:
        finish()
    assert response.status_code == 503 and response.json()["code"] == "prover_busy"
    assert "Retry-After" in response.headers
    assert calls == [], "the face match ran although the prover could not take the proof"


def test_a_request_abandoned_while_queued_is_never_computed(small: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client sends its body, then hangs up while the request waits for an inference thread."""
    settings = small.app.state.settings  # type: ignore[attr-defined]
    app = small.app
    engine = app.state.engine.images  # type: ignore[attr-defined]
    calls: list[str] = []
    monkeypatch.setattr(engine, "detect", lambda *a, **k: calls.append("detect"))
    monkeypatch.setattr(settings, "max_queue", 4)
    pool = app.state.pools.inference  # type: ignore[attr-defined]
    monkeypatch.setattr(pool, "max_waiting", 4)
    body = b'{"image": "' + read_b64(SELFIE).encode() + b'"}'
    statuses: list[int] = []

    async def abandoned_request() -> None:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/detect",
            "raw_path": b"/detect",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
            "client": ("127.0.0.1", 1234),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, receive, send)

    _, finish = _hold(small, pool)
    waiting = small.portal.start_task_soon(abandoned_request)
    small.portal.call(anyio.sleep, 0.1)
    assert pool.pending == 2  # the holder runs, the abandoned request waits its turn
    finish()
    waiting.result(timeout=HANG_GUARD_S)
    assert calls == [] and statuses == [499]


def test_health_reports_the_database_and_the_prover(small: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    small.app.state.health_cache.clear()  # type: ignore[attr-defined]
    body = small.get("/health").json()
    assert body["status"] == "ok" and body["database"] == {"state": "ok", "code": None}
    assert body["prover"]["state"] == "ok"

    def broken() -> None:
        raise StoreUnavailable("the issuer database failed (OperationalError)")

    monkeypatch.setattr(small.app.state.issuer.store, "ping", broken)  # type: ignore[attr-defined]
    small.app.state.health_cache.clear()  # type: ignore[attr-defined]
    response = small.get("/health")
    # The face routes still work: degraded, not pulled out of the load balancer.
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == {"state": "unavailable", "code": "database_unavailable"}
    assert small.post("/detect", json=_image_body()).status_code == 200


def test_every_503_carries_retry_after(tmp_path: Path) -> None:
    """Models missing: the face routes and /health are 503 with Retry-After; a live take is closed
    with 4503 (models_unavailable) before it spends an attempt."""
    settings = Settings(models_dir=tmp_path / "no-models", state_dir=tmp_path / "state", public_url="http://testserver")
    with TestClient(create_app(settings)) as client:
        opened = open_session(client, Holder())
        assert opened.status_code == 201, opened.text
        session = opened.json()
        responses = [
            client.get("/health"),
            client.post("/detect", json=_image_body()),
            client.post("/face-match", json={"idImage": read_b64(SELFIE), "selfieImage": read_b64(OTHER)}),
        ]
        with client.websocket_connect(f"/sessions/{session['sessionId']}/capture") as ws:
            ws.send_json({"type": "start"})
            refused = ws.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert client.get(f"/sessions/{session['sessionId']}").json()["attemptsLeft"] == session["maxAttempts"]
    for response in responses:
        assert response.status_code == 503, response.request.url
        assert int(response.headers["Retry-After"]) >= 1
    assert refused["code"] == "models_unavailable" and closed.value.code == 4503
