"""What fhe needs to know about a face-recognition model, and how it gets embeddings.

fhe never imports the liveness engine (architecture rule): the composition root (``api/``)
passes an :class:`Embedder`, an object that turns a decoded image into one embedding per face,
and describes its model with a :class:`ModelSpec`.

Thresholds. Embeddings are L2-normalised before encryption, so for unit vectors a, b with cosine
similarity c::

    cosine distance     1 - c
    euclidean distance  |a - b| = sqrt(2 - 2c)        (|a - b|^2 = 2 - 2c)

A model calibrated as "same person when c >= t" therefore has the equivalent thresholds
``1 - t`` (cosine distance) and ``sqrt(2 - 2t)`` (euclidean distance), and every metric takes the
same decision as the plaintext cosine rule (:meth:`ModelSpec.from_cosine_similarity`).

CipherFace's model names ``VGG-Face``, ``Facenet`` and ``Facenet512`` (128, 512 and 4096 values)
are provided by an installed backend, found through the ``livecred.fhe_embedders`` entry point
(:func:`named_embedder`): livecred registers its DeepFace backend there (``livecred/fhe_deepface.py``),
so fhe itself never imports an engine. Without one, the names say what is missing
(:func:`unavailable_model`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np

from fhe._exceptions import InvalidParameters, ModelBackendUnavailable, UnsupportedModel

__all__ = [
    "DEEPFACE_MODELS",
    "EMBEDDER_ENTRY_POINTS",
    "Embedder",
    "Metric",
    "ModelSpec",
    "named_embedder",
    "unavailable_model",
]

# CipherFace's recognition models; each needs DeepFace's Keras weights.
DEEPFACE_MODELS = ("VGG-Face", "Facenet", "Facenet512")
# Entry points named after a backend ("deepface"): a callable taking a model name, returning an Embedder.
EMBEDDER_ENTRY_POINTS = "livecred.fhe_embedders"


class Metric(StrEnum):
    """Distance metric; the encrypted computation is a squared distance or a dot product."""

    EUCLIDEAN = "euclidean"
    COSINE = "cosine"

    @classmethod
    def parse(cls, value: Metric | str) -> Metric:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise InvalidParameters(f"unknown distance metric {value!r}; use one of: {names}") from None


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A recognition model: its name, embedding size, and the largest distance that still matches."""

    name: str
    dimension: int
    max_cosine_distance: float
    max_euclidean_distance: float

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 64:
            raise InvalidParameters("a model name needs 1 to 64 characters")
        if not 1 <= self.dimension <= 8192:
            raise InvalidParameters("an embedding dimension must be between 1 and 8192")
        if not (0.0 <= self.max_cosine_distance <= 2.0 and 0.0 <= self.max_euclidean_distance <= 2.0):
            raise InvalidParameters("thresholds of normalised embeddings lie in [0, 2]")

    @classmethod
    def from_cosine_similarity(cls, name: str, dimension: int, min_similarity: float) -> ModelSpec:
        """Thresholds equivalent to "same person when cosine similarity >= ``min_similarity``"."""
        if not -1.0 <= min_similarity <= 1.0:
            raise InvalidParameters("a cosine-similarity threshold lies in [-1, 1]")
        return cls(name, dimension, 1.0 - min_similarity, math.sqrt(2.0 - 2.0 * min_similarity))

    def threshold(self, metric: Metric) -> float:
        return self.max_cosine_distance if metric is Metric.COSINE else self.max_euclidean_distance

    @property
    def padded_dimension(self) -> int:
        """The embedding size rounded up to a power of two (zeros appended; distances unchanged).

        TenSEAL replicates a vector across all slots; with a power-of-two length that divides the
        slot count, summing by rotations leaves the whole sum in *every* slot, so no slot ever
        holds a partial sum that would reveal single coordinates to the key holder.
        """
        return 1 << (self.dimension - 1).bit_length()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "dimension": self.dimension,
            "max_cosine_distance": self.max_cosine_distance,
            "max_euclidean_distance": self.max_euclidean_distance,
        }

    @classmethod
    def from_dict(cls, data: object) -> ModelSpec:
        if not isinstance(data, dict):
            raise InvalidParameters("a model description must be an object")
        name, dim = data.get("name"), data.get("dimension")
        cos, euc = data.get("max_cosine_distance"), data.get("max_euclidean_distance")
        if not (isinstance(name, str) and isinstance(dim, int) and not isinstance(dim, bool)):
            raise InvalidParameters("a model description needs a string name and an integer dimension")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (cos, euc)):
            raise InvalidParameters("a model description needs finite thresholds")
        assert isinstance(cos, int | float) and isinstance(euc, int | float)
        return cls(name, dim, float(cos), float(euc))


@runtime_checkable
class Embedder(Protocol):
    """Turns a decoded image (``numpy`` array, as the engine takes it) into embeddings.

    ``embed_faces`` returns one vector of ``spec.dimension`` floats per face, largest face first,
    and an empty sequence when the image holds no face.
    """

    @property
    def spec(self) -> ModelSpec: ...

    def embed_faces(self, image: np.ndarray) -> Sequence[np.ndarray]: ...


def unavailable_model(name: str) -> UnsupportedModel:
    """The error for a model given by name only: fhe itself ships no embedding function."""
    if name in DEEPFACE_MODELS:
        return ModelBackendUnavailable(
            f"the recognition model {name!r} needs the DeepFace backend, which is not installed "
            "(pip install 'livecred[deepface]'); or use the engine's default model (MobileFaceNet)"
        )
    known = ", ".join(DEEPFACE_MODELS)
    return UnsupportedModel(
        f"unknown recognition model {name!r}: pass an Embedder or a ModelSpec (CipherFace names: {known})"
    )


def named_embedder(name: str) -> Embedder:
    """The :class:`Embedder` for one of CipherFace's model names, from the backend that provides it."""
    if name not in DEEPFACE_MODELS:
        raise unavailable_model(name)
    from importlib.metadata import entry_points

    for entry in entry_points(group=EMBEDDER_ENTRY_POINTS, name="deepface"):
        embedder = entry.load()(name)
        if not isinstance(embedder, Embedder):
            raise TypeError(f"the {entry.value} entry point did not return an Embedder")
        return embedder
    raise unavailable_model(name)
