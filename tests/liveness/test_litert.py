"""The LiteRT model pool: thread-safe, bounded, and the same answers from every interpreter."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from liveness.models import ModelStore, TFLiteModel
from tests.conftest import MODELS_DIR


@pytest.fixture(scope="module")
def detector_bytes() -> bytes:
    return ModelStore(MODELS_DIR).read_verified("facemesh_detector")


def test_concurrent_runs_match_sequential_ones_and_the_pool_stays_bounded(detector_bytes: bytes) -> None:
    model = TFLiteModel(detector_bytes, pool_size=2)
    assert model.input_shape == (1, 128, 128, 3)
    assert set(model.output_names) == {"regressors", "classificators"}
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, (1, 128, 128, 3)).astype(np.float32) for _ in range(6)]
    expected = [model.run(x)["classificators"] for x in inputs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda x: model.run(x)["classificators"], inputs * 4))
    for i, out in enumerate(got):
        assert np.array_equal(out, expected[i % len(inputs)])
    assert model._created <= 2  # six threads shared two interpreters


def test_pool_size_must_be_positive(detector_bytes: bytes) -> None:
    with pytest.raises(ValueError, match="pool_size"):
        TFLiteModel(detector_bytes, pool_size=0)
