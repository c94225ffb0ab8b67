"""``livecred verify-images ID SELFIE`` on real pairs (deepface_identities/pairs.csv): a one-line
verdict, exit 0 verified, 1 not verified, 2 unusable input; scores only with --verbose."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from livecred.cli import app
from tests.conftest import MODELS_DIR, TESTDATA, labelled_pairs

FOLDER = "deepface_identities"
PAIRS = labelled_pairs(FOLDER)
SAME = next((x, y) for x, y, same in PAIRS if same)
DIFFERENT = next((x, y) for x, y, same in PAIRS if not same)
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["verify-images", "--models-dir", str(MODELS_DIR), *args])
    return result.exit_code, result.output


def test_the_same_live_person_is_verified_in_one_line() -> None:
    code, output = _run(str(TESTDATA / FOLDER / SAME[0]), str(TESTDATA / FOLDER / SAME[1]))
    assert code == 0, output
    assert output.strip() == "verified: live, same person"


def test_two_people_are_not_verified_and_verbose_shows_the_scores() -> None:
    code, output = _run("--verbose", str(TESTDATA / FOLDER / DIFFERENT[0]), str(TESTDATA / FOLDER / DIFFERENT[1]))
    assert code == 1, output
    verdict, scores = output.strip().splitlines()
    assert verdict.startswith("not verified:") and "not the same person" in verdict
    assert "match confidence" in scores and "threshold" in scores


@pytest.mark.parametrize("selfie", ["missing.jpg", "not-an-image.txt"])
def test_unusable_input_exits_2(tmp_path: Path, selfie: str) -> None:
    (tmp_path / "not-an-image.txt").write_text("hello")
    code, output = _run(str(TESTDATA / FOLDER / SAME[0]), str(tmp_path / selfie))
    assert code == 2, output
    assert output.startswith("unusable:")
