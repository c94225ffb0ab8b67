"""The issuer's state on disk is the owner's only, and the database limits come from settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool

from livecred import Settings, create_app
from livecred.issuer_setup import issuer_store
from tests.conftest import MODELS_DIR

TOKEN = "test-admin-token-0123456789abcdef"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_state_dir_and_its_database_are_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "srv" / "livecred"
    settings = Settings(models_dir=MODELS_DIR, state_dir=state, admin_token=TOKEN, public_url="http://testserver")
    old = os.umask(0o022)  # the usual umask, under which the database used to be created 0644
    try:
        with TestClient(create_app(settings)) as client:
            body = {
                "credential": {
                    "@context": ["https://www.w3.org/2018/credentials/v1", "http://testserver/contexts/liveness/v1"],
                    "type": ["VerifiableCredential", "LivenessCredential"],
                    "credentialSubject": {
                        "id": "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd",
                        "deviceType": "mobile",
                        "timestamp": "2026-11-21T10:00:00Z",
                    },
                    "credentialSchema": {
                        "id": "http://testserver/schemas/LivenessCredential.json",
                        "type": "JsonSchema",
                    },
                }
            }
            headers = {"Authorization": f"Bearer {TOKEN}"}
            assert client.post("/credentials/issue", json=body, headers=headers).status_code == 201
            assert _mode(state) == 0o700
            for name in ("livecred.db", "livecred.db-wal", "livecred.db-shm", "issuer-key.json"):
                assert _mode(state / name) == 0o600, name
    finally:
        os.umask(old)


def test_pool_size_and_timeout_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_DB_POOL_SIZE", "3")
    monkeypatch.setenv("LIVECRED_DB_TIMEOUT_SECONDS", "2.5")
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path)
    assert (settings.db_pool_size, settings.db_timeout_seconds) == (3, 2.5)
    store = issuer_store(settings)
    try:
        pool = store.engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool.timeout(), pool._max_overflow) == (3, 2.5, 0)
    finally:
        store.close()
