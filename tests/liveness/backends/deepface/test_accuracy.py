"""Accuracy of DeepFace's real weights on the shared test images. DeepFace's Keras weights are
release assets that the shared models do not hold; each test runs when ``livecred models fetch
--backend deepface`` has put the verified file into the models directory and skips, saying so,
otherwise."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from liveness.backends.deepface import WeightFiles, build_embedder, build_smile, weights_for
from liveness.embed import cosine_similarity
from tests.conftest import MODELS_DIR, TESTDATA, labelled_pairs, read_image


def _real_weights(model: str) -> None:
    files = WeightFiles(MODELS_DIR)
    for weight in weights_for(model):
        if not files.path_of(weight).is_file() or files.expected_sha256(weight) is None:
            pytest.skip(
                f"DeepFace's real {model} weights ({weight.name}) are not in the models directory: "
                "`livecred models fetch --backend deepface --model " + model + "` (not available offline here)"
            )


def _auc(positive: list[float], negative: list[float]) -> float:
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


@pytest.mark.parametrize("model", ["Facenet512", "Facenet", "ArcFace", "VGG-Face"])
def test_same_people_score_above_different_people_and_deepfaces_threshold_separates_them(model: str, engine) -> None:  # type: ignore[no-untyped-def]
    _real_weights(model)
    embedder = build_embedder(model, MODELS_DIR)
    vectors: dict[str, np.ndarray] = {}
    pairs = labelled_pairs("deepface_identities")
    for name in {n for pair in pairs for n in pair[:2]}:
        image = read_image(f"deepface_identities/{name}")
        vectors[name] = embedder.embed(image, engine.images.detect(image).largest)
    genuine = [cosine_similarity(vectors[a], vectors[b]) for a, b, same in pairs if same]
    impostor = [cosine_similarity(vectors[a], vectors[b]) for a, b, same in pairs if not same]
    assert _auc(genuine, impostor) >= 0.97
    threshold = embedder.model.min_cosine
    correct = sum(s >= threshold for s in genuine) + sum(s < threshold for s in impostor)
    assert correct / (len(genuine) + len(impostor)) >= 0.9


def test_the_emotion_model_scores_smiles_above_neutral_faces(engine) -> None:  # type: ignore[no-untyped-def]
    _real_weights("Emotion")
    smile = build_smile(MODELS_DIR)
    with (TESTDATA / "smile_smilesmiled" / "labels.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    rows = [r for r in rows if r["label"] == "smiling"][:100] + [r for r in rows if r["label"] == "not_smiling"][:100]
    scores: dict[str, list[float]] = {"smiling": [], "not_smiling": []}
    for row in rows:
        image = read_image(f"smile_smilesmiled/{row['file']}")
        face = engine.images.detect(image).largest
        if face is not None:
            scores[row["label"]].append(smile.score_face(image, face))
    assert _auc(scores["smiling"], scores["not_smiling"]) >= 0.85
