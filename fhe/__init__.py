"""Encrypted face matching (CKKS via TenSEAL): the distance between two face embeddings is computed
while both stay encrypted, and only the holder of the secret key can read it and decide.

``import fhe`` is cheap; TenSEAL is loaded on first use. fhe never imports the liveness engine:
the caller passes an :class:`Embedder` (see ``fhe/models.py``).
"""

from fhe._exceptions import (
    FHEError,
    InputTooLarge,
    InvalidCiphertext,
    InvalidEmbedding,
    InvalidEncoding,
    InvalidKey,
    InvalidParameters,
    KeyMismatch,
    ModelBackendUnavailable,
    ModelMismatch,
    NoEmbedder,
    SecretKeyRefused,
    SecretKeyRequired,
    UnsupportedModel,
)
from fhe.cipherface import SLOT_TOLERANCE, CipherFace
from fhe.ciphertexts import EncryptedDistance, EncryptedEmbedding
from fhe.models import DEEPFACE_MODELS, Embedder, Metric, ModelSpec
from fhe.params import DEFAULT_PARAMS, PARAMS_128, PARAMS_192, PARAMS_256, PRESETS, CKKSParams
from fhe.plaintext import plaintext_distance
from fhe.transport import FHELimits, decode_base64, encode_base64

__all__ = [
    "DEEPFACE_MODELS",
    "DEFAULT_PARAMS",
    "PARAMS_128",
    "PARAMS_192",
    "PARAMS_256",
    "PRESETS",
    "SLOT_TOLERANCE",
    "CKKSParams",
    "CipherFace",
    "Embedder",
    "EncryptedDistance",
    "EncryptedEmbedding",
    "FHEError",
    "FHELimits",
    "InputTooLarge",
    "InvalidCiphertext",
    "InvalidEmbedding",
    "InvalidEncoding",
    "InvalidKey",
    "InvalidParameters",
    "KeyMismatch",
    "Metric",
    "ModelBackendUnavailable",
    "ModelMismatch",
    "ModelSpec",
    "NoEmbedder",
    "SecretKeyRefused",
    "SecretKeyRequired",
    "UnsupportedModel",
    "decode_base64",
    "encode_base64",
    "plaintext_distance",
]
