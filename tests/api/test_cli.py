"""The livecred command line: models list and fetch."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from livecred.cli import app
from liveness.models import DEFAULT_ENGINE_MODELS, ModelStore
from tests.conftest import MODELS_DIR

runner = CliRunner()


def test_models_list_reports_verified_models() -> None:
    result = runner.invoke(app, ["models", "list", "--models-dir", str(MODELS_DIR)])
    assert result.exit_code == 0, result.output
    for name in DEFAULT_ENGINE_MODELS:
        assert name in result.output


def test_models_list_fails_with_the_fix_when_models_are_missing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "list", "--models-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "missing" in result.output and "livecred models fetch" in result.output


def test_models_fetch_from_a_mirror(tmp_path: Path) -> None:
    target = tmp_path / "models"
    result = runner.invoke(app, ["models", "fetch", "--models-dir", str(target), "--from", str(MODELS_DIR)])
    assert result.exit_code == 0, result.output
    assert all(s.state == "ok" for s in ModelStore(target).status(DEFAULT_ENGINE_MODELS))
    again = runner.invoke(app, ["models", "fetch", "--models-dir", str(target), "--from", str(MODELS_DIR)])
    assert again.exit_code == 0


def test_models_fetch_from_a_bad_mirror_fails_cleanly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "fetch", "--models-dir", str(tmp_path / "m"), "--from", str(tmp_path)])
    assert result.exit_code == 1
    assert "not found in mirror" in result.output
    assert not list((tmp_path / "m").rglob("*.onnx"))
