"""Key pairs shared by the fhe tests: built once per session (about 0.1 s each)."""

from __future__ import annotations

import numpy as np
import pytest

from fhe import CipherFace, Metric, ModelSpec
from livecred.fhe_engine import engine_model_spec


@pytest.fixture(scope="session")
def spec() -> ModelSpec:
    return engine_model_spec()


@pytest.fixture(scope="session")
def key_holder(spec: ModelSpec) -> CipherFace:
    """The on-prem side: default parameters, euclidean, holds the secret key."""
    return CipherFace(spec, metric=Metric.EUCLIDEAN)


@pytest.fixture(scope="session")
def cloud(key_holder: CipherFace) -> CipherFace:
    """The cloud side: loaded from the public context only."""
    return CipherFace.from_bytes(key_holder.public_context(), public_only=True)


@pytest.fixture(scope="session")
def stranger(spec: ModelSpec) -> CipherFace:
    """Another key pair with the same model, metric and parameters."""
    return CipherFace(spec, metric=Metric.EUCLIDEAN)


def random_embedding(seed: int, dimension: int = 128) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dimension)
