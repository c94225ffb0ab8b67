"""The default engine on real models and real labelled images (../shared/testdata)."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from liveness import FaceNotFound, LivenessEngine
from liveness.embed import operating_point_confidence
from tests.conftest import TESTDATA, labelled_pairs, make_id_card, read_image


def _silentface_labels() -> list[tuple[str, str]]:
    with (TESTDATA / "silentface_real_spoof" / "labels.csv").open() as fh:
        return [(r["file"], r["label"]) for r in csv.DictReader(fh)]


@pytest.mark.slow
@pytest.mark.parametrize(("file", "label"), _silentface_labels())
def test_silentface_real_is_live_and_spoof_is_not(engine: LivenessEngine, file: str, label: str) -> None:
    result = engine.images.check_spoof(read_image(f"silentface_real_spoof/{file}"))
    assert result.threshold == 0.3  # cross-validated over NUAA subjects (docs/MODEL_CARD.md)
    assert result.is_real is (label == "real"), f"{file}: P(real)={result.score:.3f}"
    assert 0.0 <= result.score <= 1.0
    assert {name for name, _ in result.model_scores} == {"MiniFASNetV2", "MiniFASNetV1SE"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "point"),
    [("deepface_identities", "default"), ("deepface_identities", "strict"), ("faceonnx_identities", "strict")],
)
def test_every_labelled_pair_is_decided_correctly(engine: LivenessEngine, folder: str, point: str) -> None:
    # The FaceONNX look-alikes are the named hard-impostor set: ``strict`` (FAR 1e-5) refuses
    # them all; ``default`` (FAR 1e-4 on ordinary impostors) is not chosen by them (model card).
    min_confidence = operating_point_confidence(point)
    pairs = labelled_pairs(folder)
    images = {name: read_image(f"{folder}/{name}") for pair in pairs for name in pair[:2]}
    wrong = []
    for a, b, same in pairs:
        result = engine.images.match(images[a], images[b], min_confidence)
        if result.matched is not same:
            wrong.append(f"{a}-{b} same={same} cosine={result.similarity:.3f} confidence={result.confidence:.3f}")
    assert not wrong, wrong
    assert sum(same for *_, same in pairs) > 0 and sum(not same for *_, same in pairs) > 0


def test_synthetic_id_card_matches_the_same_person_only(engine: LivenessEngine) -> None:
    card = make_id_card(read_image("deepface_identities/img4.jpg"))
    assert engine.images.detect(card).largest is not None
    same = engine.images.match(card, read_image("deepface_identities/img2.jpg"))
    other = engine.images.match(card, read_image("deepface_identities/img13.jpg"))
    assert same.matched, same
    assert not other.matched, other
    assert same.confidence > other.confidence


def test_small_face_on_an_id_scan_is_found_by_upscaling(engine: LivenessEngine) -> None:
    # A 1600x1000 scan whose portrait is only 70x86 px: 28 px after the first 640-px pass.
    card = make_id_card(read_image("faceonnx_identities/brad_pitt_fit.jpg"), size=(1600, 1000), photo=(70, 86))
    face = engine.images.detect(card).largest
    assert face is not None
    assert 30 <= face.box.x <= 120 and face.box.width < 100


def test_landmarks_are_ordered_subject_right_eye_first(engine: LivenessEngine) -> None:
    face = engine.images.detect(read_image("silentface_real_spoof/image_T1.jpg")).largest
    assert face is not None
    (rex, rey), (lex, ley), (nx, ny), (rmx, rmy), (lmx, lmy) = face.landmarks
    assert rex < nx < lex and rmx < lmx
    assert max(rey, ley) < ny < min(rmy, lmy)


def test_largest_face_is_used_when_there_are_several(engine: LivenessEngine) -> None:
    big = read_image("faceonnx_identities/brad_1.jpg")
    small = cv2.resize(read_image("faceonnx_identities/nicole_1.jpg"), (200, 300))
    canvas = np.full((700, 1100, 3), 200, np.uint8)
    canvas[20 : 20 + big.shape[0], 20 : 20 + big.shape[1]] = big[:660, :660]
    canvas[300:600, 850:1050] = small
    detection = engine.images.detect(canvas)
    assert len(detection.faces) >= 2
    assert detection.faces[0].box.x < 700  # Brad's face, on the left, is the largest
    areas = [f.box.area for f in detection.faces]
    assert areas == sorted(areas, reverse=True)
    brad = engine.images.match(canvas, read_image("faceonnx_identities/brad_pitt_fit.jpg"))
    assert brad.matched


def test_no_face_raises_with_the_field_name(engine: LivenessEngine) -> None:
    blank = np.full((480, 640, 3), 127, np.uint8)
    assert engine.images.detect(blank).faces == ()
    with pytest.raises(FaceNotFound) as info:
        engine.images.match(blank, read_image("silentface_real_spoof/image_T1.jpg"))
    assert info.value.field == "idImage"


def test_engine_is_safe_under_concurrent_use(engine: LivenessEngine) -> None:
    images = [read_image(f"faceonnx_identities/{n}") for n in ("brad_1.jpg", "nicole_1.jpg", "sarah_1.jpg")]
    expected = [engine.images.check_spoof(img).score for img in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: engine.images.check_spoof(images[i % 3]).score, range(24)))
    assert results == pytest.approx([expected[i % 3] for i in range(24)], abs=1e-5)
