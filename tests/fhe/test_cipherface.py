"""CipherFace's roles and failure modes: keys, the public context, foreign and damaged input."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from fhe import (
    PARAMS_128,
    PARAMS_256,
    CipherFace,
    EncryptedDistance,
    EncryptedEmbedding,
    InputTooLarge,
    InvalidCiphertext,
    InvalidEncoding,
    InvalidKey,
    KeyMismatch,
    Metric,
    ModelMismatch,
    ModelSpec,
    NoEmbedder,
    SecretKeyRefused,
    SecretKeyRequired,
    encode_base64,
    plaintext_distance,
)
from fhe._envelope import Kind, pack, unpack
from fhe._proto import parse_context
from tests.fhe.conftest import random_embedding

A, B = random_embedding(1), random_embedding(2)


def test_public_context_round_trip_gives_the_plaintext_distance(key_holder: CipherFace, cloud: CipherFace) -> None:
    assert not cloud.has_secret_key and cloud.fingerprint == key_holder.fingerprint
    # Either side can encrypt; the cloud computes; only the key holder reads the result.
    distance = cloud.calculate_encrypted_distance(key_holder.encrypt(A), cloud.encrypt(B))
    restored = key_holder.restore(distance)
    assert restored == pytest.approx(plaintext_distance(A, B, Metric.EUCLIDEAN), abs=1e-5)
    assert key_holder.verify(restored) is (restored <= key_holder.threshold)


def test_transport_forms_round_trip(key_holder: CipherFace, cloud: CipherFace) -> None:
    a, b = key_holder.encrypt(A), key_holder.encrypt(B)
    assert EncryptedEmbedding.from_base64(a.to_base64()) == a
    distance = cloud.calculate_encrypted_distance(a.to_base64(), b.to_bytes())
    assert EncryptedDistance.from_bytes(distance.to_bytes()) == distance
    assert key_holder.restore(distance.to_base64()) == pytest.approx(key_holder.restore(distance), abs=1e-9)


def test_public_context_cannot_decrypt(key_holder: CipherFace, cloud: CipherFace) -> None:
    distance = cloud.calculate_encrypted_distance(cloud.encrypt(A), cloud.encrypt(B))
    with pytest.raises(SecretKeyRequired, match="private key"):
        cloud.restore(distance)
    with pytest.raises(SecretKeyRequired):
        cloud.private_key()


def test_public_context_holds_no_secret_key_and_only_the_needed_rotations(key_holder: CipherFace) -> None:
    envelope = unpack(key_holder.public_context(), (Kind.PUBLIC_KEY,), InvalidKey)
    fields = parse_context(envelope.payload)
    assert not fields.holds_secret_key and fields.public_key and fields.relin_keys and fields.galois_keys
    private = parse_context(unpack(key_holder.private_key(), (Kind.PRIVATE_KEY,), InvalidKey).payload)
    assert private.secret_key


def test_key_files(tmp_path: Path, key_holder: CipherFace, spec: ModelSpec) -> None:
    key_holder.export_private_key(tmp_path / "me.key")
    key_holder.export_public_key(tmp_path / "me.pub")
    assert stat.S_IMODE((tmp_path / "me.key").stat().st_mode) == 0o600
    private = CipherFace.load(tmp_path / "me.key")
    public = CipherFace.load(tmp_path / "me.pub")
    assert private.has_secret_key and not public.has_secret_key
    assert private.fingerprint == public.fingerprint == key_holder.fingerprint
    assert (private.model, private.metric, private.params) == (spec, Metric.EUCLIDEAN, key_holder.params)
    # A reloaded private key decrypts what the original's public context produced.
    distance = public.calculate_encrypted_distance(public.encrypt(A), public.encrypt(B))
    assert private.restore(distance) == pytest.approx(plaintext_distance(A, B, Metric.EUCLIDEAN), abs=1e-5)
    # A private key can also compute (it builds its Galois keys on first use).
    assert private.restore(private.calculate_encrypted_distance(private.encrypt(A), private.encrypt(A))) < 1e-2
    # Base64 text files are read too.
    (tmp_path / "me.pub.b64").write_text(encode_base64(public.public_context()) + "\n")
    assert CipherFace.load(tmp_path / "me.pub.b64").fingerprint == key_holder.fingerprint


def test_a_secret_key_is_refused_where_only_a_public_context_is_accepted(key_holder: CipherFace) -> None:
    with pytest.raises(SecretKeyRefused):
        CipherFace.from_bytes(key_holder.private_key(), public_only=True)
    # The same secret material relabelled as a public context is caught from the key material.
    envelope = unpack(key_holder.private_key(), (Kind.PRIVATE_KEY,), InvalidKey)
    disguised = pack(
        Kind.PUBLIC_KEY, {k: v for k, v in envelope.header.items() if not k.startswith("payload")}, envelope.payload
    )
    with pytest.raises(SecretKeyRefused):
        CipherFace.from_bytes(disguised, public_only=True)


def test_a_ciphertext_from_another_key_is_refused(
    key_holder: CipherFace, cloud: CipherFace, stranger: CipherFace
) -> None:
    foreign = stranger.encrypt(A)
    with pytest.raises(KeyMismatch) as err:
        cloud.calculate_encrypted_distance(cloud.encrypt(B), foreign)
    assert err.value.field == "b"
    foreign_distance = stranger.calculate_encrypted_distance(foreign, stranger.encrypt(B))
    with pytest.raises(KeyMismatch):
        key_holder.restore(foreign_distance)


def test_a_ciphertext_lying_about_its_key_does_not_give_a_wrong_answer(
    key_holder: CipherFace, stranger: CipherFace
) -> None:
    # Same parameters, so the payload loads; the envelope claims the key holder's key.
    forged = EncryptedDistance(
        key_holder.fingerprint,
        Metric.EUCLIDEAN,
        stranger.calculate_encrypted_distance(stranger.encrypt(A), stranger.encrypt(B)).payload,
    )
    with pytest.raises(InvalidCiphertext, match="does not decrypt consistently"):
        key_holder.restore(forged)


def test_damaged_ciphertexts_are_refused(key_holder: CipherFace, cloud: CipherFace) -> None:
    data = key_holder.encrypt(A).to_bytes()
    for damaged in (data[:40], data[: len(data) // 2], data[:-1], data + b"\0", b"", b"LCFHE", b"garbage" * 10):
        with pytest.raises(InvalidCiphertext):
            cloud.calculate_encrypted_distance(damaged, data)
    flipped = bytearray(data)
    flipped[-100] ^= 0xFF
    with pytest.raises(InvalidCiphertext, match="digest"):
        cloud.calculate_encrypted_distance(bytes(flipped), data)
    # A payload that is not a CKKS vector, in a well-formed envelope.
    bogus = EncryptedEmbedding(key_holder.fingerprint, 128, b"\x0a\x03abc")
    with pytest.raises(InvalidCiphertext):
        cloud.calculate_encrypted_distance(bogus, data)
    # A distance where an embedding is expected, and the reverse.
    distance = cloud.calculate_encrypted_distance(data, data)
    with pytest.raises(InvalidCiphertext, match="expected an encrypted embedding"):
        cloud.calculate_encrypted_distance(distance.to_bytes(), data)
    with pytest.raises(InvalidCiphertext):
        key_holder.restore(EncryptedDistance(key_holder.fingerprint, Metric.EUCLIDEAN, key_holder.encrypt(A).payload))
    with pytest.raises(InvalidEncoding):
        cloud.calculate_encrypted_distance("%%% not base64 %%%", data)


def test_damaged_keys_are_refused(key_holder: CipherFace) -> None:
    public = key_holder.public_context()
    for damaged in (public[:100], public[: len(public) // 2], public[:-1], b"", b"\0" * 64):
        with pytest.raises(InvalidKey):
            CipherFace.from_bytes(damaged)
    envelope = unpack(public, (Kind.PUBLIC_KEY,), InvalidKey)
    header = {k: v for k, v in envelope.header.items() if not k.startswith("payload")}
    with pytest.raises(InvalidKey, match="fingerprint"):
        CipherFace.from_bytes(pack(Kind.PUBLIC_KEY, {**header, "fingerprint": "0" * 32}, envelope.payload))
    with pytest.raises(InvalidKey, match="parameters"):
        CipherFace.from_bytes(pack(Kind.PUBLIC_KEY, {**header, "params": PARAMS_256.as_dict()}, envelope.payload))
    with pytest.raises(InvalidKey, match="description"):
        CipherFace.from_bytes(pack(Kind.PUBLIC_KEY, {**header, "metric": "manhattan"}, envelope.payload))
    with pytest.raises(InvalidKey):
        CipherFace.from_bytes(pack(Kind.PUBLIC_KEY, header, envelope.payload[:-5]))


def test_a_public_context_without_the_rotation_keys_is_refused(spec: ModelSpec) -> None:
    small = CipherFace(ModelSpec("tiny", 2, 0.5, 1.0), params=PARAMS_128)
    # Its public context has Galois keys for a 2-value vector only (one rotation).
    envelope = unpack(small.public_context(), (Kind.PUBLIC_KEY,), InvalidKey)
    header = {k: v for k, v in envelope.header.items() if not k.startswith("payload")}
    relabelled = pack(Kind.PUBLIC_KEY, {**header, "model": spec.as_dict()}, envelope.payload)
    with pytest.raises(InvalidKey, match="Galois"):
        CipherFace.from_bytes(relabelled)


def test_model_and_metric_mismatches(key_holder: CipherFace, cloud: CipherFace) -> None:
    class OtherModel:
        spec = ModelSpec("Facenet512", 512, 0.3, 0.8)

        def embed_faces(self, image: np.ndarray) -> list[np.ndarray]:
            return []

    with pytest.raises(ModelMismatch):
        CipherFace.from_bytes(key_holder.public_context(), embedder=OtherModel())
    with pytest.raises(NoEmbedder):
        cloud.securely_embed(np.zeros((64, 64, 3), np.uint8))
    cosine = CipherFace.from_bytes(key_holder.private_key())  # same key ...
    cosine._metric = Metric.COSINE  # ... read as another metric
    distance = cloud.calculate_encrypted_distance(cloud.encrypt(A), cloud.encrypt(B))
    with pytest.raises(InvalidCiphertext, match="euclidean"):
        cosine.restore(distance)


def test_oversized_base64_is_refused_before_decoding(key_holder: CipherFace, cloud: CipherFace) -> None:
    huge = "A" * (2 * 1024 * 1024)
    with pytest.raises(InputTooLarge):
        cloud.calculate_encrypted_distance(huge, huge)


@pytest.mark.parametrize("params", [PARAMS_128, PARAMS_256], ids=["128-bit", "256-bit"])
@pytest.mark.parametrize("metric", list(Metric))
def test_other_presets_and_metrics(spec: ModelSpec, params: object, metric: Metric) -> None:
    holder = CipherFace(spec, metric=metric, params=params)  # type: ignore[arg-type]
    cloud = CipherFace.from_bytes(holder.public_context(), public_only=True)
    for b in (B, A, -A):  # typical, identical, antipodal (the largest squared distance, 4)
        restored = holder.restore(cloud.calculate_encrypted_distance(holder.encrypt(A), cloud.encrypt(b)))
        # sqrt near 0 magnifies CKKS noise; compare squares there.
        expected = plaintext_distance(A, b, metric)
        if metric is Metric.EUCLIDEAN:
            assert restored**2 == pytest.approx(expected**2, abs=1e-3)
        else:
            assert restored == pytest.approx(expected, abs=1e-3)
