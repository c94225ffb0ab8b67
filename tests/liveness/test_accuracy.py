"""CI-sized accuracy floors at the shipped thresholds, on real models and research sets.

A regression in decoding, detection, alignment or preprocessing moves these numbers long before
it breaks an example: 400 LFW View 2 pairs (100 of each fold x same/different, drawn with a fixed
seed) and 60 NUAA images (30 real, 30 printed-photo attacks). The full sets are measured by
``bench/accuracy`` (docs/MODEL_CARD.md); the sets are read in place, never copied.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from liveness import LivenessEngine
from liveness.embed import cosine_similarity
from liveness.evaluation import accuracy_at, pad_error_rates, stratified_sample, two_fold_accuracy
from tests.conftest import TESTDATA, read_image


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def lfw_scores(engine: LivenessEngine) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cosine, same person, fold) of the CI subset; a pair with no face scores -1 (a reject)."""
    rows = _rows(TESTDATA / "lfw_pairs" / "pairs.csv")
    rows = [rows[i] for i in stratified_sample([(r["lfw_fold"], r["same_person"]) for r in rows], 100)]
    embeddings: dict[str, np.ndarray | None] = {}
    for name in {r["file_x"] for r in rows} | {r["file_y"] for r in rows}:
        image = read_image(f"lfw_pairs/{name}")
        face = engine.images.detect(image).largest
        embeddings[name] = None if face is None else engine.images.embedder.embed(image, face)
    scores = []
    for r in rows:
        a, b = embeddings[r["file_x"]], embeddings[r["file_y"]]
        scores.append(-1.0 if a is None or b is None else cosine_similarity(a, b))
    same = np.array([r["same_person"] == "yes" for r in rows])
    return np.array(scores), same, np.array([r["lfw_fold"] for r in rows])


def test_lfw_subset_accuracy_at_the_calibrated_point(
    engine: LivenessEngine, lfw_scores: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    scores, same, folds = lfw_scores
    assert same.sum() == 200 and (~same).sum() == 200
    calibrated = engine.config.match_mapping.cosine_for(0.3)  # the LFW-calibrated operating point
    assert accuracy_at(scores[same], scores[~same], calibrated) >= 0.985
    # The protocol itself: a threshold chosen on one fold holds on the other.
    held_out, _ = two_fold_accuracy({f: (scores[same & (folds == f)], scores[~same & (folds == f)]) for f in "12"})
    assert held_out >= 0.975


def test_lfw_subset_at_the_default_operating_points_accepts_no_impostor(
    engine: LivenessEngine, lfw_scores: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    scores, same, _ = lfw_scores
    mapping = engine.config.match_mapping
    for confidence in (engine.config.min_match_confidence, engine.config.min_same_person_confidence):
        threshold = mapping.cosine_for(confidence)
        assert (scores[~same] >= threshold).sum() == 0, confidence
        assert (scores[same] >= threshold).mean() >= 0.85, confidence


def test_nuaa_subset_apcer_and_bpcer_at_the_shipped_threshold(engine: LivenessEngine) -> None:
    rows = _rows(TESTDATA / "nuaa_antispoof" / "labels.csv")
    rows = [rows[i] for i in stratified_sample([r["label"] for r in rows], 30)]
    real, attack = [], []
    for r in rows:
        image = read_image(f"nuaa_antispoof/{r['file']}")
        face = engine.images.detect(image).largest
        score = 0.0 if face is None else engine.images.check_spoof(image, face=face).score
        (real if r["label"] == "real" else attack).append(score)
    rates = pad_error_rates(real, attack, engine.config.antispoof_threshold)
    assert (rates.bona_fide, rates.attacks) == (30, 30)
    assert rates.apcer <= 0.02 and rates.bpcer <= 0.02, rates
