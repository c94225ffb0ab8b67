"""The Dockerfile and compose.yaml operators start from: every setting they name is one the
service reads, every path they run exists, and the replica story (shared database, shared issuer
key, trusted proxy, rate-limit storage) is spelled out. The image itself is built and run by
``.ci/run`` (``../shared/ci/container-smoke.sh`` and ``.ci/container-flow.sh``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from livecred import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGE_APP = "/app/"  # where the Dockerfile puts the checkout


def setting_names() -> set[str]:
    """Every environment variable Settings reads: LIVECRED_<FIELD> and the aliases (PORT ...)."""
    names = {f"LIVECRED_{field.upper()}" for field in Settings.model_fields}
    for field in Settings.model_fields.values():
        choices = getattr(field.validation_alias, "choices", [])
        names.update(choice for choice in choices if isinstance(choice, str) and choice.isupper())
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    return data


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (REPO_ROOT / "Dockerfile").read_text()


def test_compose_runs_livecred_on_postgresql_with_an_optional_prover(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"livecred", "db", "prover"}
    assert services["livecred"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["prover"]["profiles"] == ["remote-prover"]  # optional: off unless asked for
    assert "ports" not in services["prover"]  # an unauthenticated worker stays internal


def test_compose_environment_names_only_real_settings(compose: dict[str, Any]) -> None:
    known = setting_names()
    for name in ("livecred", "prover"):
        env = compose["services"][name].get("environment", {})
        unknown = [key for key in env if key not in known]
        assert not unknown, f"{name}: not livecred settings: {unknown}"


def test_compose_shows_the_replica_settings(compose: dict[str, Any]) -> None:
    env = compose["services"]["livecred"]["environment"]
    assert env["LIVECRED_DATABASE_URL"].startswith("postgresql+pg8000://")  # the `postgres` extra's driver
    assert "@db:5432/" in env["LIVECRED_DATABASE_URL"]
    secret = Path(env["LIVECRED_ISSUER_KEY_FILE"]).name
    assert secret in compose["secrets"] and secret in compose["services"]["livecred"]["secrets"]
    assert "LIVECRED_TRUSTED_PROXIES" in env and "LIVECRED_RATE_LIMIT_STORAGE" in env
    assert env["LIVECRED_RATE_LIMIT_STORAGE"].endswith(":-database}")  # shared by replicas, not memory
    assert "ZK_SERVICE_URL" in env


def test_the_remote_prover_runs_files_the_image_has(compose: dict[str, Any]) -> None:
    command = compose["services"]["prover"]["entrypoint"]
    paths = [arg for arg in command if arg.startswith(IMAGE_APP)]
    assert "/app/zk/worker/worker.cjs" in paths and "--http" in command
    for path in paths:
        if not path.endswith("node_modules"):  # installed in the image by `npm ci`
            assert (REPO_ROOT / path.removeprefix(IMAGE_APP)).is_file(), path


def test_dockerfile_builds_a_non_root_image_with_a_health_check(dockerfile: str) -> None:
    assert re.search(r"^FROM debian:bookworm-slim AS build$", dockerfile, re.M)
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    assert final.startswith("debian:bookworm-slim\n")
    assert re.search(r"^USER livecred$", final, re.M) and re.search(r"^VOLUME /var/lib/livecred$", final, re.M)
    assert "HEALTHCHECK" in final and "/health" in final
    assert "torch" not in dockerfile  # not a dependency (docs/MODEL_CARD.md): never installed


def test_dockerfile_sets_only_real_settings(dockerfile: str) -> None:
    env_block = dockerfile.split("\nENV PATH=/opt/venv/bin:$PATH", 2)[-1].split("\nVOLUME")[0]
    names = set(re.findall(r"^\s+([A-Z_]+)=", env_block, re.M))
    assert {"LIVECRED_HOST", "LIVECRED_MODELS_DIR", "LIVECRED_STATE_DIR", "PORT"} <= names
    assert names - {"PYTHONUNBUFFERED"} <= setting_names()


def test_model_weights_never_enter_git() -> None:
    ignored = (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert ".models-mirror/" in ignored
