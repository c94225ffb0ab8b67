"""The exceptions of encrypted face matching: one tree, raised for bad input or missing parts only.

Whether two faces match is a *verdict* (:meth:`fhe.CipherFace.verify` returns a bool); these
exceptions mean no verdict could be reached at all::

    FHEError
    ├── InvalidParameters          CKKS parameters refused (under 128-bit, too small, inconsistent)
    ├── UnsupportedModel           a recognition model name nobody provides
    │   └── ModelBackendUnavailable  a known model (VGG-Face, Facenet, ...) whose backend is not installed
    ├── ModelMismatch              an embedder for another model than the key was made for
    ├── NoEmbedder                 ``securely_embed`` on a cryptosystem built without an embedder
    ├── InvalidEmbedding           a plaintext vector of the wrong size, not finite, or zero
    ├── InvalidEncoding            not base64, or empty                             (field)
    ├── InputTooLarge              over the byte limit for that kind of input      (field)
    ├── InvalidKey                 not a usable key or context: malformed, truncated, tampered,
    │   │                          missing the Galois / relinearisation keys the distance needs
    │   └── SecretKeyRefused       a secret key where only a public context is accepted
    ├── InvalidCiphertext          not a usable ciphertext: malformed, truncated, wrong kind or size,
    │   │                          or it does not decrypt consistently under this key
    │   └── KeyMismatch            bound to another key than the one in use
    └── SecretKeyRequired          decrypting with a public-only context

Every class carries a stable machine ``code`` and a human ``message``; ``field`` names the input
at fault where there is one. Messages never contain key material, ciphertexts or embeddings.
"""

from __future__ import annotations


class FHEError(Exception):
    """Base class of every error the fhe package raises."""

    code = "fhe_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidParameters(FHEError):
    code = "invalid_fhe_parameters"


class UnsupportedModel(FHEError):
    code = "unsupported_model"


class ModelBackendUnavailable(UnsupportedModel):
    code = "model_backend_unavailable"


class ModelMismatch(FHEError):
    code = "model_mismatch"


class NoEmbedder(FHEError):
    code = "no_embedder"


class InvalidEmbedding(FHEError):
    code = "invalid_embedding"


class InvalidEncoding(FHEError):
    code = "invalid_encoding"


class InputTooLarge(FHEError):
    code = "fhe_input_too_large"


class InvalidKey(FHEError):
    code = "invalid_key"


class SecretKeyRefused(InvalidKey):
    code = "secret_key_refused"


class InvalidCiphertext(FHEError):
    code = "invalid_ciphertext"


class KeyMismatch(InvalidCiphertext):
    code = "key_mismatch"


class SecretKeyRequired(FHEError):
    code = "secret_key_required"
