"""Encrypted embeddings and encrypted distances as typed values that travel.

Each is the TenSEAL serialization of one CKKS vector (``payload``) plus what the receiver checks
before using it: the fingerprint of the key it was made under, and the embedding size or the
metric. ``from_bytes`` / ``from_base64`` parse and check the envelope only (cheap); the CKKS
payload is deserialized against a context by :class:`fhe.CipherFace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fhe._envelope import Kind, pack, unpack
from fhe._exceptions import InvalidCiphertext
from fhe.models import Metric
from fhe.transport import FHELimits, decode_base64, encode_base64

__all__ = ["EncryptedDistance", "EncryptedEmbedding"]


@dataclass(frozen=True, slots=True)
class EncryptedEmbedding:
    """One L2-normalised embedding, zero-padded to a power of two and encrypted (CKKS)."""

    fingerprint: str
    dimension: int
    payload: bytes = field(repr=False)

    def to_bytes(self) -> bytes:
        return pack(Kind.EMBEDDING, {"fingerprint": self.fingerprint, "dimension": self.dimension}, self.payload)

    def to_base64(self) -> str:
        return encode_base64(self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes, *, field: str | None = None) -> EncryptedEmbedding:
        envelope = unpack(data, (Kind.EMBEDDING,), InvalidCiphertext, field=field)
        dimension = envelope.header.get("dimension")
        if not (isinstance(dimension, int) and not isinstance(dimension, bool) and 1 <= dimension <= 8192):
            raise InvalidCiphertext("corrupted encrypted embedding: no valid dimension", field=field)
        return cls(envelope.fingerprint, dimension, envelope.payload)

    @classmethod
    def from_base64(
        cls, text: str | bytes, *, limits: FHELimits | None = None, field: str | None = None
    ) -> EncryptedEmbedding:
        limits = limits or FHELimits()
        return cls.from_bytes(decode_base64(text, max_bytes=limits.max_ciphertext_bytes, field=field), field=field)


@dataclass(frozen=True, slots=True)
class EncryptedDistance:
    """An encrypted distance: the squared euclidean distance, or the cosine similarity, in every slot.

    Only the holder of the secret key can read it (:meth:`fhe.CipherFace.restore`), which turns
    it into the metric's distance: ``sqrt`` of the squared distance, or ``1 - similarity``.
    """

    fingerprint: str
    metric: Metric
    payload: bytes = field(repr=False)

    def to_bytes(self) -> bytes:
        return pack(Kind.DISTANCE, {"fingerprint": self.fingerprint, "metric": self.metric.value}, self.payload)

    def to_base64(self) -> str:
        return encode_base64(self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes, *, field: str | None = None) -> EncryptedDistance:
        envelope = unpack(data, (Kind.DISTANCE,), InvalidCiphertext, field=field)
        try:
            metric = Metric(str(envelope.header.get("metric")))
        except ValueError:
            raise InvalidCiphertext("corrupted encrypted distance: no valid metric", field=field) from None
        return cls(envelope.fingerprint, metric, envelope.payload)

    @classmethod
    def from_base64(
        cls, text: str | bytes, *, limits: FHELimits | None = None, field: str | None = None
    ) -> EncryptedDistance:
        limits = limits or FHELimits()
        return cls.from_bytes(decode_base64(text, max_bytes=limits.max_ciphertext_bytes, field=field), field=field)
