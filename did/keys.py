"""Ed25519 keys in the Multikey encoding, the only key type livecred signs with.

``Ed25519KeyPair`` holds a secret key and signs; ``Ed25519PublicKey`` verifies. Both parse their
input strictly (multicodec prefix, length, a point that decodes) so that a bad key is an
``InvalidKey`` at load time and never a surprise at signing or verification time.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey as _CryptoPublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from did._exceptions import InvalidKey
from did._multiformats import (
    ED25519_PRIV_PREFIX,
    ED25519_PUB_PREFIX,
    b64url_decode,
    b64url_encode,
    decode_multikey,
    encode_multikey,
    multibase_b58_decode,
)


@dataclass(frozen=True, slots=True)
class Ed25519PublicKey:
    """A 32-byte Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise InvalidKey("an Ed25519 public key is 32 bytes")
        try:
            _CryptoPublicKey.from_public_bytes(self.raw)
        except ValueError as exc:
            raise InvalidKey("not a valid Ed25519 public key") from exc

    @classmethod
    def from_multibase(cls, value: str) -> Ed25519PublicKey:
        return cls(decode_multikey(value, ED25519_PUB_PREFIX, what="Ed25519 public key"))

    @classmethod
    def from_base58(cls, value: str) -> Ed25519PublicKey:
        """The raw base58 form of ``Ed25519VerificationKey2018.publicKeyBase58``."""
        return cls(multibase_b58_decode("z" + value))

    @classmethod
    def from_jwk(cls, jwk: object) -> Ed25519PublicKey:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
            raise InvalidKey("expected a public OKP/Ed25519 JWK")
        x = jwk.get("x")
        if not isinstance(x, str):
            raise InvalidKey("the JWK has no 'x'")
        return cls(b64url_decode(x))

    @property
    def multibase(self) -> str:
        return encode_multikey(ED25519_PUB_PREFIX, self.raw)

    def to_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.raw)}

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            _CryptoPublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Ed25519KeyPair:
    """An Ed25519 secret key (its 32-byte seed) with its public key. ``repr`` never shows the secret."""

    __slots__ = ("_private", "public_key")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise InvalidKey("an Ed25519 secret key (seed) is 32 bytes")
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = Ed25519PublicKey(self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def generate(cls) -> Ed25519KeyPair:
        return cls(Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def from_multibase(cls, secret: str) -> Ed25519KeyPair:
        """``secretKeyMultibase`` (multicodec ed25519-priv, 0x1300)."""
        return cls(decode_multikey(secret.strip(), ED25519_PRIV_PREFIX, what="Ed25519 secret key"))

    @property
    def secret_multibase(self) -> str:
        return encode_multikey(ED25519_PRIV_PREFIX, self._seed())

    def _seed(self) -> bytes:
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def derive_secret(self, info: bytes, length: int = 32) -> bytes:
        """A secret for another purpose, derived from this key's seed with HKDF-SHA256 (no salt,
        ``info`` naming the purpose): one key file holds every key the issuer needs, and the
        derived secret tells nothing about the seed (docs/zk-presentations.md)."""
        if not info:
            raise InvalidKey("a derived secret needs an info string naming its purpose")
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(self._seed())

    def __repr__(self) -> str:
        return f"Ed25519KeyPair(public={self.public_key.multibase})"
