"""The inference timing hook: each call into a part reports its name and duration, nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from liveness import INFERENCE_PARTS, load_default_engine
from liveness.antispoof import AntiSpoofScores
from liveness.timing import TimedAntiSpoof, TimedDetector, TimedEmbedder
from liveness.types import DetectionResult, Face
from tests.conftest import MODELS_DIR, read_image


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def __call__(self, part: str, seconds: float) -> None:
        self.calls.append((part, seconds))

    def parts(self) -> set[str]:
        return {part for part, _ in self.calls}


class _Detector:
    def detect(self, image: np.ndarray) -> DetectionResult:
        return DetectionResult(faces=(), image_width=image.shape[1], image_height=image.shape[0])


class _BrokenEmbedder:
    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        raise RuntimeError("broken model")


class _AntiSpoof:
    def score(self, image: np.ndarray, face: Face) -> AntiSpoofScores:
        return AntiSpoofScores(real=0.9, per_model=(("m", 0.9),))


def test_a_wrapped_part_answers_as_the_part_and_reports_its_time() -> None:
    seen = _Recorder()
    image = np.zeros((20, 30, 3), np.uint8)
    assert TimedDetector(_Detector(), seen).detect(image).image_width == 30
    assert TimedAntiSpoof(_AntiSpoof(), seen).score(image, None).real == 0.9  # type: ignore[arg-type]
    assert [p for p, _ in seen.calls] == ["detector", "antispoof"]
    assert all(s >= 0 for _, s in seen.calls)


def test_a_failing_part_is_still_timed_and_its_error_passes_through() -> None:
    seen = _Recorder()
    with pytest.raises(RuntimeError, match="broken model"):
        TimedEmbedder(_BrokenEmbedder(), seen).embed(np.zeros((2, 2, 3), np.uint8), None)  # type: ignore[arg-type]
    assert seen.parts() == {"embedder"}


def test_the_default_engine_reports_every_part() -> None:
    seen = _Recorder()
    engine = load_default_engine(MODELS_DIR, observer=seen)
    selfie = read_image("faceonnx_identities/brad_1.jpg")
    result = engine.images.verify(selfie, selfie, check_quality=False)
    assert result.match.matched
    engine.interactive.smile_check(selfie)
    assert seen.parts() == set(INFERENCE_PARTS)
    # The observer sees a part's name and a duration: nothing of the face.
    assert all(isinstance(p, str) and isinstance(s, float) for p, s in seen.calls)
