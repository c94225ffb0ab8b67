"""CipherFace: face matching where the party computing the distance never sees an embedding.

Roles (as in CipherFace, Serengil & Ozpinar 2025):

* the **key holder** ("on-prem") builds the cryptosystem, keeps the private key, encrypts
  embeddings, and is the only one who can read a distance and decide;
* the **cloud** gets the public context only (public key, relinearisation keys, and Galois keys
  for the rotations the distance needs). It can encrypt embeddings and compute the encrypted
  distance between two of them, never decrypt.

The encrypted computation is ``|a - b|^2`` (euclidean) or ``a·b`` (cosine) on L2-normalised,
zero-padded embeddings: one multiplication, then log2(n) rotations that leave the sum in every
slot. The key holder turns it into ``sqrt(|a - b|^2)`` or ``1 - a·b`` and compares it with the
model's threshold for that metric (``ModelSpec``), which takes the same decision as plaintext
matching (see ``fhe/models.py``).

Keys and ciphertexts are bound together by a key fingerprint (``fhe/_envelope.py``); a mix-up is
a :class:`KeyMismatch`. A ciphertext that lies about its key is caught when decrypting: a
distance made under this key holds the same value in all slots, one made under another key
decrypts to noise that differs from slot to slot.

Not provided: circuit privacy (the noise in a decrypted distance is not smudged, so a key holder
who crafted the other input could learn a little beyond the distance) and integrity (a cloud can
return any ciphertext). CKKS is approximate: see ``SLOT_TOLERANCE`` and docs/fhe.md's measurements.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fhe import _tenseal
from fhe._envelope import MAGIC, Kind, key_fingerprint, pack, unpack
from fhe._exceptions import (
    InputTooLarge,
    InvalidCiphertext,
    InvalidKey,
    InvalidParameters,
    KeyMismatch,
    NoEmbedder,
    SecretKeyRefused,
    SecretKeyRequired,
)
from fhe._keyfile import check_context_fields, check_fits, matching_spec, resolve_model, write_atomic
from fhe._proto import ProtoError, parse_context
from fhe.ciphertexts import EncryptedDistance, EncryptedEmbedding
from fhe.models import Embedder, Metric, ModelSpec
from fhe.params import DEFAULT_PARAMS, CKKSParams
from fhe.plaintext import normalise, pad
from fhe.transport import FHELimits, decode_base64

__all__ = ["SLOT_TOLERANCE", "CipherFace"]

# A distance made under this key holds one value in every slot, up to CKKS noise (measured below
# 1e-4 at the 128-bit preset, 1e-6 at the others); a ciphertext made under another key decrypts to
# values hundreds apart. Anything in between is refused.
SLOT_TOLERANCE = 1e-2

EncryptedInput = EncryptedEmbedding | bytes | str
DistanceInput = EncryptedDistance | bytes | str


class CipherFace:
    """A CKKS cryptosystem for one recognition model and one distance metric.

    ``CipherFace(model)`` builds a new key pair; :meth:`load` / :meth:`from_bytes` read a private
    key or a public context back. ``model`` is an :class:`Embedder` (needed for
    :meth:`securely_embed`), a :class:`ModelSpec` (encrypt vectors computed elsewhere), or a name:
    CipherFace's ``VGG-Face``, ``Facenet`` and ``Facenet512``, embedded through the DeepFace backend
    when it is installed (:func:`fhe.models.named_embedder`).

    Not thread-safe: give each thread its own instance (loading one is cheap next to the work).
    """

    def __init__(
        self,
        model: Embedder | ModelSpec | str,
        *,
        metric: Metric | str = Metric.EUCLIDEAN,
        params: CKKSParams = DEFAULT_PARAMS,
    ) -> None:
        spec, embedder = resolve_model(model)
        metric = Metric.parse(metric)
        check_fits(spec, params)
        secret_ctx = _tenseal.new_secret_context(params)
        fields = parse_context(_tenseal.private_context_bytes(secret_ctx))
        fingerprint = key_fingerprint(fields.encryption_parameters, fields.public_key)
        self._setup(spec, embedder, metric, params, fingerprint, secret_ctx=secret_ctx, public_ctx=None)

    def _setup(
        self,
        spec: ModelSpec,
        embedder: Embedder | None,
        metric: Metric,
        params: CKKSParams,
        fingerprint: str,
        *,
        secret_ctx: Any,
        public_ctx: Any,
        public_payload: bytes | None = None,
    ) -> None:
        self._spec = spec
        self._embedder = embedder
        self._metric = metric
        self._params = params
        self._fingerprint = fingerprint
        self._secret_ctx = secret_ctx
        self._public_ctx = public_ctx
        self._public_payload = public_payload
        self._lock = threading.Lock()

    # -- what this cryptosystem is -------------------------------------------------------------

    @property
    def model(self) -> ModelSpec:
        return self._spec

    @property
    def metric(self) -> Metric:
        return self._metric

    @property
    def params(self) -> CKKSParams:
        return self._params

    @property
    def fingerprint(self) -> str:
        """128-bit hex identifier of the key pair (hash of the parameters and the public key)."""
        return self._fingerprint

    @property
    def has_secret_key(self) -> bool:
        return self._secret_ctx is not None

    @property
    def threshold(self) -> float:
        """The largest distance, in this metric, that still counts as the same person."""
        return self._spec.threshold(self._metric)

    def __repr__(self) -> str:
        role = "private" if self.has_secret_key else "public"
        return (
            f"CipherFace(model={self._spec.name!r}, metric={self._metric.value!r}, "
            f"N={self._params.poly_modulus_degree}, {role}, fingerprint={self._fingerprint!r})"
        )

    # -- keys ------------------------------------------------------------------------------------

    def _header(self) -> dict[str, Any]:
        return {
            "fingerprint": self._fingerprint,
            "model": self._spec.as_dict(),
            "metric": self._metric.value,
            "params": self._params.as_dict(),
        }

    def _distance_context(self) -> Any:
        """The context holding the Galois keys; built from the secret key on first use."""
        with self._lock:
            if self._public_ctx is None:
                payload = self._public_context_payload()
                steps = _tenseal.rotation_steps(self._spec.padded_dimension)
                self._public_ctx = _tenseal.load_context(payload, self._params, steps)
            return self._public_ctx

    def _public_context_payload(self) -> bytes:
        if self._public_payload is None:
            steps = _tenseal.rotation_steps(self._spec.padded_dimension)
            self._public_payload = _tenseal.public_context_bytes(self._secret_ctx, self._params, steps)
        return self._public_payload

    def public_context(self) -> bytes:
        """The public context (public key and evaluation keys, no secret key) as bytes."""
        with self._lock:
            payload = self._public_context_payload()
        return pack(Kind.PUBLIC_KEY, self._header(), payload)

    def private_key(self) -> bytes:
        """The full context, secret key included, as bytes. Keep it secret."""
        if self._secret_ctx is None:
            raise SecretKeyRequired("this cryptosystem was loaded from a public context: it has no private key")
        return pack(Kind.PRIVATE_KEY, self._header(), _tenseal.private_context_bytes(self._secret_ctx))

    def export_public_key(self, target_path: str | os.PathLike[str]) -> None:
        write_atomic(Path(target_path), self.public_context(), mode=0o644)

    def export_private_key(self, target_path: str | os.PathLike[str]) -> None:
        """Write the private key, readable by its owner only (mode 0600)."""
        write_atomic(Path(target_path), self.private_key(), mode=0o600)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        embedder: Embedder | None = None,
        public_only: bool = False,
    ) -> CipherFace:
        """Load a private key or a public context from a file (raw bytes or base64 text)."""
        raw = Path(path).read_bytes()
        limit = FHELimits().max_context_bytes
        if raw.startswith(MAGIC) and len(raw) > limit:
            raise InputTooLarge(f"over the limit of {limit} bytes", field="key")
        data = raw if raw.startswith(MAGIC) else decode_base64(raw, max_bytes=limit, field="key")
        return cls.from_bytes(data, embedder=embedder, public_only=public_only)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        embedder: Embedder | None = None,
        public_only: bool = False,
        field: str | None = None,
    ) -> CipherFace:
        """Load a private key or a public context; ``public_only`` refuses a secret key.

        Everything cheap is checked before TenSEAL deserializes anything: the envelope, the
        parameters, that a public context holds no secret key, that the fingerprint matches the
        key material, and that every SEAL object in it has the shape of the parameters (no Galois
        keys but the distance's, a bounded size once inflated). After loading, the parameters SEAL
        reports must match the envelope and a public context must hold the evaluation keys the
        distance needs.
        """
        envelope = unpack(data, (Kind.PUBLIC_KEY, Kind.PRIVATE_KEY), InvalidKey, field=field)
        if envelope.kind is Kind.PRIVATE_KEY and public_only:
            raise SecretKeyRefused("a private key was sent where only a public context is accepted", field=field)
        try:
            spec = ModelSpec.from_dict(envelope.header.get("model"))
            metric = Metric.parse(str(envelope.header.get("metric")))
            params = CKKSParams.from_dict(envelope.header.get("params"))
            check_fits(spec, params)
        except InvalidParameters as exc:
            raise InvalidKey(f"the key's description is invalid: {exc.message}", field=field) from None
        try:
            fields = parse_context(envelope.payload)
        except ProtoError:
            raise InvalidKey("the key material is malformed", field=field) from None
        private = envelope.kind is Kind.PRIVATE_KEY
        check_context_fields(fields, private=private, field=field)
        if key_fingerprint(fields.encryption_parameters, fields.public_key) != envelope.fingerprint:
            raise InvalidKey("the key's fingerprint does not match its key material", field=field)
        if embedder is not None:
            spec = matching_spec(embedder, spec)

        steps = _tenseal.rotation_steps(spec.padded_dimension)
        ctx = _tenseal.load_context(envelope.payload, params, steps, field=field)
        n, bits, scale = _tenseal.context_params(ctx)
        if (n, bits) != (params.poly_modulus_degree, params.coeff_mod_bit_sizes) or scale != params.scale:
            raise InvalidKey("the key material does not have the parameters its envelope states", field=field)
        if private != bool(ctx.is_private()):
            raise InvalidKey("the key material does not match its kind", field=field)
        if not private and not _tenseal.has_distance_keys(ctx, n, steps):
            raise InvalidKey(
                "the public context lacks the public, relinearisation or Galois keys the distance needs",
                field=field,
            )
        self = cls.__new__(cls)
        self._setup(
            spec,
            embedder,
            metric,
            params,
            envelope.fingerprint,
            secret_ctx=ctx if private else None,
            public_ctx=None if private else ctx,
            public_payload=None if private else envelope.payload,
        )
        return self

    # -- the key holder's and the cloud's operations ----------------------------------------------

    def represent(self, image: np.ndarray) -> list[np.ndarray]:
        """The L2-normalised embedding of every face in ``image``, largest face first."""
        if self._embedder is None:
            raise NoEmbedder(
                f"no embedding function: build or load this cryptosystem with an Embedder for {self._spec.name!r}"
            )
        return [normalise(v, self._spec.dimension) for v in self._embedder.embed_faces(image)]

    def securely_embed(self, image: np.ndarray) -> list[EncryptedEmbedding]:
        """Encrypted embeddings of every face in ``image`` (largest first; empty without a face)."""
        return [self.encrypt(v) for v in self.represent(image)]

    def encrypt(self, embedding: ArrayLike) -> EncryptedEmbedding:
        """Encrypt an embedding computed elsewhere (it is L2-normalised and padded first)."""
        vector = pad(normalise(embedding, self._spec.dimension), self._spec.padded_dimension)
        ctx = self._secret_ctx if self._secret_ctx is not None else self._distance_context()
        return EncryptedEmbedding(self._fingerprint, self._spec.dimension, _tenseal.encrypt(ctx, vector))

    def calculate_encrypted_distance(
        self, a: EncryptedInput, b: EncryptedInput, *, fields: tuple[str, str] = ("a", "b")
    ) -> EncryptedDistance:
        """The encrypted distance between two encrypted embeddings; needs only the public context."""
        first, second = (self._embedding(x, name) for x, name in zip((a, b), fields, strict=True))
        ctx = self._distance_context()
        size = self._spec.padded_dimension
        va = _tenseal.load_vector(ctx, first.payload, self._params, size=size, fresh=True, field=fields[0])
        vb = _tenseal.load_vector(ctx, second.payload, self._params, size=size, fresh=True, field=fields[1])
        if self._metric is Metric.EUCLIDEAN:
            payload = _tenseal.squared_distance(va, vb, identical=first.payload == second.payload)
        else:
            payload = _tenseal.dot_product(va, vb)
        return EncryptedDistance(self._fingerprint, self._metric, payload)

    def restore(self, encrypted_distance: DistanceInput) -> float:
        """Decrypt a distance: ``|a - b|`` (euclidean) or ``1 - a·b`` (cosine). Private key only."""
        if self._secret_ctx is None:
            raise SecretKeyRequired("decrypting needs the private key; this cryptosystem holds the public context only")
        distance = _coerce_distance(encrypted_distance)
        if distance.fingerprint != self._fingerprint:
            raise KeyMismatch("the encrypted distance was made under another key", field="distance")
        if distance.metric is not self._metric:
            raise InvalidCiphertext(
                f"the distance is {distance.metric.value}, this cryptosystem uses {self._metric.value}",
                field="distance",
            )
        vector = _tenseal.load_vector(self._secret_ctx, distance.payload, self._params, size=1, fresh=False)
        slots = _tenseal.decrypt_slots(self._secret_ctx, vector)
        value = float(slots[0])
        low, high = (0.0, 4.0) if self._metric is Metric.EUCLIDEAN else (-1.0, 1.0)
        spread = float(np.max(np.abs(slots - value)))
        if not (
            math.isfinite(value) and spread <= SLOT_TOLERANCE and low - SLOT_TOLERANCE <= value <= high + SLOT_TOLERANCE
        ):
            raise InvalidCiphertext(
                "the encrypted distance does not decrypt consistently under this key: "
                "it was not computed from embeddings encrypted under it",
                field="distance",
            )
        if self._metric is Metric.EUCLIDEAN:
            return math.sqrt(max(value, 0.0))
        return 1.0 - value

    def verify(self, distance: float) -> bool:
        """Same person when ``distance <= threshold`` (the plaintext decision; NaN never matches)."""
        return bool(distance <= self.threshold)

    # -- helpers -----------------------------------------------------------------------------------

    def _embedding(self, value: EncryptedInput, field: str) -> EncryptedEmbedding:
        if isinstance(value, str):
            value = EncryptedEmbedding.from_base64(value, limits=FHELimits(), field=field)
        elif isinstance(value, bytes):
            value = EncryptedEmbedding.from_bytes(value, field=field)
        if value.fingerprint != self._fingerprint:
            raise KeyMismatch(f"'{field}' was encrypted under another key than this context's", field=field)
        if value.dimension != self._spec.dimension:
            raise InvalidCiphertext(
                f"'{field}' holds a {value.dimension}-value embedding, the model has {self._spec.dimension}",
                field=field,
            )
        return value


def _coerce_distance(value: DistanceInput) -> EncryptedDistance:
    if isinstance(value, str):
        return EncryptedDistance.from_base64(value, field="distance")
    if isinstance(value, bytes):
        return EncryptedDistance.from_bytes(value, field="distance")
    return value
