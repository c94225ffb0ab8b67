"""Pure functions on plaintext embeddings: the checks and padding before encryption, and the
reference distance the encrypted one must equal."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from fhe._exceptions import InvalidEmbedding
from fhe.models import Metric

__all__ = ["normalise", "pad", "plaintext_distance"]


def normalise(embedding: ArrayLike, dimension: int) -> np.ndarray:
    """The embedding as a float64 unit vector, after checking its size and values."""
    try:
        vector = np.asarray(embedding, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidEmbedding("an embedding must be a vector of numbers") from None
    if vector.ndim != 1 or vector.shape[0] != dimension:
        raise InvalidEmbedding(f"expected an embedding of {dimension} values, got shape {vector.shape}")
    if not np.all(np.isfinite(vector)):
        raise InvalidEmbedding("the embedding holds NaN or infinite values")
    norm = float(np.linalg.norm(vector))
    if norm == 0.0 or not math.isfinite(norm):
        raise InvalidEmbedding("the embedding has no direction (zero norm)")
    return vector / norm


def pad(vector: np.ndarray, size: int) -> np.ndarray:
    """Zeros appended up to ``size``: neither the squared distance nor the dot product changes."""
    if vector.shape[0] > size:
        raise InvalidEmbedding(f"an embedding of {vector.shape[0]} values does not fit in {size}")
    return np.concatenate([vector, np.zeros(size - vector.shape[0])])


def plaintext_distance(a: ArrayLike, b: ArrayLike, metric: Metric) -> float:
    """The distance :meth:`fhe.CipherFace.restore` returns, computed in the clear.

    Both embeddings are L2-normalised first; euclidean is ``|a - b|``, cosine is ``1 - a·b``.
    """
    first = np.asarray(a, dtype=np.float64)
    dimension = first.shape[0] if first.ndim == 1 else 0
    ua, ub = normalise(first, dimension), normalise(b, dimension)
    if metric is Metric.COSINE:
        return float(1.0 - ua @ ub)
    return float(np.linalg.norm(ua - ub))
