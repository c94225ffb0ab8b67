"""CI-sized accuracy floors at the shipped operating points, on real models and research sets.

A regression in decoding, detection, alignment or preprocessing, or a confidence map that no
longer means the FAR it claims, moves these numbers long before it breaks an example:

* 400 LFW View 2 pairs (100 of each fold x same/different, fixed seed): the LFW protocol, and
  the ``default`` operating point's genuine acceptance;
* every cross-identity pair of those pairs' images (~75,000 impostor pairs): the FAR the
  ``lenient`` and ``default`` confidences stand for;
* 5-image templates of the 43 LFW people with 6 or more images against one other image: the
  multi-frame FRR at ``default`` on the template scale;
* 60 NUAA images (30 real, 30 printed-photo attacks): APCER / BPCER at the shipped threshold
  and cross-validated over subjects.

The full sets are measured by ``bench/accuracy`` (docs/MODEL_CARD.md); read in place, never copied.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from liveness import LivenessEngine
from liveness.embed import far_for_confidence, mean_template, operating_point_confidence
from liveness.evaluation import cross_validated_pad, pad_error_rates, stratified_sample, two_fold_accuracy
from tests.conftest import TESTDATA, read_image

pytestmark = pytest.mark.slow  # every evaluation set through the real models (docs/testing.md)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _embed(engine: LivenessEngine, files: list[str]) -> dict[str, np.ndarray | None]:
    out: dict[str, np.ndarray | None] = {}
    for name in files:
        image = read_image(f"lfw_pairs/{name}")
        face = engine.images.detect(image).largest
        out[name] = None if face is None else engine.images.embedder.embed(image, face)
    return out


@pytest.fixture(scope="module")
def lfw_subset(engine: LivenessEngine) -> tuple[list[dict[str, str]], dict[str, np.ndarray | None]]:
    rows = _rows(TESTDATA / "lfw_pairs" / "pairs.csv")
    rows = [rows[i] for i in stratified_sample([(r["lfw_fold"], r["same_person"]) for r in rows], 100)]
    files = sorted({r["file_x"] for r in rows} | {r["file_y"] for r in rows})
    return rows, _embed(engine, files)


def _pair_scores(
    rows: list[dict[str, str]], embeddings: dict[str, np.ndarray | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cosine, same person, fold) of the pairs; a pair with no face scores -1 (a reject)."""
    scores = []
    for r in rows:
        a, b = embeddings[r["file_x"]], embeddings[r["file_y"]]
        scores.append(-1.0 if a is None or b is None else float(a @ b))
    same = np.array([r["same_person"] == "yes" for r in rows])
    return np.array(scores), same, np.array([r["lfw_fold"] for r in rows])


def test_lfw_protocol_and_the_default_point_on_the_subset(
    engine: LivenessEngine, lfw_subset: tuple[list[dict[str, str]], dict[str, np.ndarray | None]]
) -> None:
    scores, same, folds = _pair_scores(*lfw_subset)
    assert same.sum() == 200 and (~same).sum() == 200
    held_out, _ = two_fold_accuracy({f: (scores[same & (folds == f)], scores[~same & (folds == f)]) for f in "12"})
    assert held_out >= 0.975  # full folds: 0.990
    default = engine.config.match_mapping.cosine_for(engine.config.min_match_confidence)
    assert (scores[~same] >= default).sum() == 0  # FAR 1e-4: none of 200 LFW impostor pairs
    assert (scores[same] >= default).mean() >= 0.88  # full folds: 0.92 (48 of 600 rejected)


def test_the_confidence_scale_means_the_far_it_claims(
    engine: LivenessEngine, lfw_subset: tuple[list[dict[str, str]], dict[str, np.ndarray | None]]
) -> None:
    """Every cross-identity pair of the subset's images: the share of impostors at or above a
    confidence's cosine is the FAR 10^(-6 x confidence), within the noise of ~75,000 pairs."""
    _, embeddings = lfw_subset
    names = [n for n, e in embeddings.items() if e is not None]
    vectors = np.stack([embeddings[n] for n in names])  # type: ignore[misc]
    people = np.array([n.split("/")[1] for n in names])
    i, j = np.triu_indices(len(names), 1)
    impostor = (vectors @ vectors.T)[i, j][people[i] != people[j]]
    assert impostor.size > 50_000
    mapping = engine.config.match_mapping
    for point, low, high in (("lenient", 0.4, 2.5), ("default", 0.0, 4.0)):
        confidence = operating_point_confidence(point)
        far = float((impostor >= mapping.cosine_for(confidence)).mean())
        claimed = far_for_confidence(confidence)
        assert low * claimed <= far <= high * claimed, (point, far, claimed)


def test_five_frame_templates_beat_one_frame_at_the_default_point(engine: LivenessEngine) -> None:
    labels = _rows(TESTDATA / "lfw_pairs" / "labels.csv")
    counts = Counter(r["identity"] for r in labels)
    files = [r["file"].removeprefix("images/") for r in labels if counts[r["identity"]] >= 6]
    embeddings = _embed(engine, [f"images/{f}" for f in files])
    rng = np.random.default_rng(0)
    people: dict[str, list[np.ndarray]] = {}
    for name, vector in embeddings.items():
        if vector is not None:
            people.setdefault(name.split("/")[1], []).append(vector)
    config = engine.config
    single_cut = config.match_mapping.cosine_for(config.min_match_confidence)
    template_cut = config.template_mapping.cosine_for(config.min_match_confidence)
    single, multi = [], []
    for vectors in people.values():
        for g, photo in enumerate(vectors):
            rest = [v for k, v in enumerate(vectors) if k != g]
            chosen = rng.choice(len(rest), 5, replace=False)
            multi.append(float(mean_template(np.stack([rest[k] for k in chosen])) @ photo) < template_cut)
            single.append(float(rest[int(chosen[0])] @ photo) < single_cut)
    assert len(people) >= 40
    frr_single, frr_multi = float(np.mean(single)), float(np.mean(multi))
    assert frr_multi <= 0.05, frr_multi  # full measurement: 0.016 (10 draws per photo)
    assert frr_multi < frr_single / 2, (frr_multi, frr_single)


def test_nuaa_subset_at_the_shipped_threshold_and_cross_validated(engine: LivenessEngine) -> None:
    rows = _rows(TESTDATA / "nuaa_antispoof" / "labels.csv")
    rows = [rows[i] for i in stratified_sample([r["label"] for r in rows], 30)]
    real, attack, real_subjects, attack_subjects = [], [], [], []
    for r in rows:
        image = read_image(f"nuaa_antispoof/{r['file']}")
        face = engine.images.detect(image).largest
        score = 0.0 if face is None else engine.images.check_spoof(image, face=face).score
        if r["label"] == "real":
            real.append(score)
            real_subjects.append(r["identity"])
        else:
            attack.append(score)
            attack_subjects.append(r["identity"])
    rates = pad_error_rates(real, attack, engine.config.antispoof_threshold)
    assert (rates.bona_fide, rates.attacks) == (30, 30)
    # One print of this half scores 0.385 (every other <= 0.02): the one attack allowed.
    assert rates.attacks_accepted <= 1 and rates.bona_fide_rejected == 0, rates
    cv = cross_validated_pad(real, real_subjects, attack, attack_subjects)
    assert cv.attacks_accepted <= 1 and cv.bona_fide_rejected == 0, cv
