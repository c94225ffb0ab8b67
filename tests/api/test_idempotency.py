"""``POST /credentials/issue`` with an ``Idempotency-Key``: a retry gets the first credential again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from tests.api.test_credentials_api import ADMIN, PUBLIC, TOKEN, credential
from tests.conftest import MODELS_DIR


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("idempotency"),
        admin_token=TOKEN,
        public_url=PUBLIC,
        rate_limits_enabled=False,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _count(api: TestClient) -> int:
    return int(api.app.state.issuer.store.count())  # type: ignore[attr-defined]


def _issue(api: TestClient, body: dict[str, Any], key: str | None) -> Any:
    headers = {**ADMIN, **({"Idempotency-Key": key} if key is not None else {})}
    return api.post("/credentials/issue", json=body, headers=headers)


def test_a_retry_with_the_same_key_gets_the_same_credential(api: TestClient) -> None:
    body = {"credential": credential()}
    first = _issue(api, body, '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    assert first.status_code == 201, first.text
    issued = _count(api)
    for key in ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"):
        again = _issue(api, {"options": {}, **body}, key)  # quoted or not; key order does not matter
        assert again.status_code == 201 and again.json() == first.json()
    assert _count(api) == issued
    # Without a key, or with another one, each request is a new credential, as before.
    assert _issue(api, body, None).json() != first.json()
    assert _issue(api, body, "another-key").json() != first.json()
    assert _count(api) == issued + 2


def test_the_same_key_with_another_body_is_refused(api: TestClient) -> None:
    assert _issue(api, {"credential": credential()}, "key-reused").status_code == 201
    issued = _count(api)
    other = _issue(api, {"credential": credential(deviceType="desktop")}, "key-reused")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert "key-reused" not in other.text
    assert _count(api) == issued


def test_a_failed_request_does_not_use_up_its_key(api: TestClient) -> None:
    broken = _issue(api, {"credential": {**credential(), "proof": {}}}, "key-after-failure")
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_credential"
    assert _issue(api, {"credential": credential()}, "key-after-failure").status_code == 201


def test_concurrent_requests_with_one_key_issue_one_credential(api: TestClient) -> None:
    body = {"credential": credential()}
    issued = _count(api)
    start = threading.Barrier(8)

    def one(_: int) -> Any:
        start.wait(timeout=60)
        return _issue(api, body, "key-concurrent")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert _count(api) == issued + 1
    won = [a.json() for a in answers if a.status_code == 201]
    lost = [a.json()["code"] for a in answers if a.status_code != 201]
    assert won and all(vc == won[0] for vc in won)
    assert lost == ["idempotency_key_in_use"] * len(lost)
    assert _issue(api, body, "key-concurrent").json() == won[0]  # and afterwards, the winner's answer


@pytest.mark.parametrize("key", ["", '""', "x" * 256, "caf\u00e9", '"unterminated', '"bad\\escape"', 'a"b'])
def test_malformed_keys_are_refused(api: TestClient, key: str) -> None:
    headers = {**ADMIN, "Idempotency-Key": key.encode()}
    answer = api.post("/credentials/issue", json={"credential": credential()}, headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_idempotency_key"


def test_the_header_is_documented(api: TestClient) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/credentials/issue"]["post"]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers and "24 hours" in headers["Idempotency-Key"]["description"]
    assert {"409", "422"} <= set(operation["responses"])
