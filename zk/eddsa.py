"""EdDSA over Poseidon on BabyJubJub: what circomlib's ``EdDSAPoseidonVerifier`` checks in-circuit.

The issuer signs each liveness claim with a BabyJubJub key so that a holder can later prove,
inside a Groth16 circuit, "this issuer key signed my claim" without showing the claim. The
scheme, as ``docs/zk-presentations.md`` specifies it (``int(·)`` reads a digest big-endian):

* key: ``a = (int(SHA-512("livecred babyjubjub key v1" ‖ seed)) mod (l - 1)) + 1`` from a 32-byte
  seed, public key ``A = a·B8``;
* sign ``M`` (a field element): ``r = int(SHA-512("livecred babyjubjub nonce v1" ‖ a (32 bytes LE)
  ‖ M (32 bytes LE))) mod l`` (deterministic, so a bad RNG never leaks the key),
  ``R8 = r·B8``, ``h = Poseidon(R8x, R8y, Ax, Ay, M)``, ``S = (r + 8·h·a) mod l``;
* verify: ``S < l``, A on the curve, in the order-l subgroup and not the identity, R8 on the
  curve, and ``S·B8 = R8 + 8·h·A``.

circomlibjs' ``eddsa.verifyPoseidon`` accepts these signatures (the tests check it); only the
key derivation differs from circomlibjs (BLAKE-512 there), and verification does not depend on it.

Malformed keys and signatures are refused when parsed (:class:`InvalidPublicKey`,
:class:`MalformedSignature`); a well-formed signature that does not verify is a ``False``
from :func:`verify_eddsa_poseidon`, not an exception.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zk import _babyjub as bjj
from zk._exceptions import InvalidPublicKey, MalformedSignature, ZKError
from zk._poseidon import poseidon

__all__ = [
    "BabyJubJubKey",
    "BabyJubJubPublicKey",
    "EdDSASignature",
    "verify_eddsa_poseidon",
]

KEY_DOMAIN = b"livecred babyjubjub key v1"
NONCE_DOMAIN = b"livecred babyjubjub nonce v1"
SEED_BYTES = 32

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,77}")


def parse_field_decimal(value: Any, what: str, error: type[ZKError], *, bound: int = bjj.P) -> int:
    """A canonical decimal string below ``bound`` -> int, else ``error``."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise error(f"{what} must be a decimal string", field=what)
    number = int(value)
    if number >= bound:
        raise error(f"{what} is out of range", field=what)
    return number


def _mapping(data: Any, keys: tuple[str, ...], what: str, error: type[ZKError]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise error(f"{what} must be an object")
    missing = [k for k in keys if k not in data]
    if missing:
        raise error(f"{what} has no {', '.join(missing)}")
    extra = sorted(str(k) for k in data if k not in keys)
    if extra:
        raise error(f"{what} has unknown fields: {', '.join(extra)}")
    return data


@dataclass(frozen=True, slots=True)
class BabyJubJubPublicKey:
    """A checked public key ``A = a·B8``: on the curve, in the order-l subgroup, not the identity."""

    x: int
    y: int

    def __post_init__(self) -> None:
        if not (isinstance(self.x, int) and isinstance(self.y, int)):
            raise InvalidPublicKey("a BabyJubJub public key has integer coordinates")
        if not bjj.is_valid_public_point((self.x, self.y)):
            raise InvalidPublicKey("not a BabyJubJub public key (off the curve, outside the subgroup, or identity)")

    @property
    def point(self) -> bjj.Point:
        return (self.x, self.y)

    @classmethod
    def from_json(cls, data: Any) -> BabyJubJubPublicKey:
        """``{"x": "<decimal>", "y": "<decimal>"}``; raises :class:`InvalidPublicKey`."""
        obj = _mapping(data, ("x", "y"), "publicKey", InvalidPublicKey)
        return cls(
            parse_field_decimal(obj["x"], "x", InvalidPublicKey), parse_field_decimal(obj["y"], "y", InvalidPublicKey)
        )

    def to_json(self) -> dict[str, str]:
        return {"x": str(self.x), "y": str(self.y)}


@dataclass(frozen=True, slots=True)
class EdDSASignature:
    """A structurally valid signature: R8 on the curve and ``S < l`` (whether it verifies is separate)."""

    r8x: int
    r8y: int
    s: int

    def __post_init__(self) -> None:
        if not all(isinstance(v, int) for v in (self.r8x, self.r8y, self.s)):
            raise MalformedSignature("signature values must be integers")
        if not 0 <= self.s < bjj.SUBGROUP_ORDER:
            raise MalformedSignature("signature S is not below the subgroup order", field="S")
        if not bjj.is_on_curve((self.r8x, self.r8y)):
            raise MalformedSignature("signature R8 is not a BabyJubJub point", field="R8")

    @classmethod
    def from_json(cls, data: Any) -> EdDSASignature:
        """``{"R8x": "<decimal>", "R8y": "<decimal>", "S": "<decimal>"}``; raises :class:`MalformedSignature`."""
        obj = _mapping(data, ("R8x", "R8y", "S"), "signature", MalformedSignature)
        return cls(
            parse_field_decimal(obj["R8x"], "R8x", MalformedSignature),
            parse_field_decimal(obj["R8y"], "R8y", MalformedSignature),
            parse_field_decimal(obj["S"], "S", MalformedSignature, bound=bjj.SUBGROUP_ORDER),
        )

    def to_json(self) -> dict[str, str]:
        return {"R8x": str(self.r8x), "R8y": str(self.r8y), "S": str(self.s)}


def _challenge(r8: bjj.Point, public: bjj.Point, message: int) -> int:
    return poseidon([r8[0], r8[1], public[0], public[1], message])


def _check_message(message: int) -> None:
    if isinstance(message, bool) or not isinstance(message, int) or not 0 <= message < bjj.P:
        raise ZKError("the signed message must be a BN254 scalar-field element", field="message")


@dataclass(frozen=True, slots=True)
class BabyJubJubKey:
    """A private signing key: the scalar ``a`` in [1, l). Never printed (``repr`` hides it)."""

    scalar: int = field(repr=False)
    public_key: BabyJubJubPublicKey = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.scalar, bool) or not isinstance(self.scalar, int):
            raise ZKError("a BabyJubJub private scalar is an integer")
        if not 1 <= self.scalar < bjj.SUBGROUP_ORDER:
            raise ZKError("a BabyJubJub private scalar lies in [1, l)")
        x, y = bjj.mul(bjj.BASE8, self.scalar)
        object.__setattr__(self, "public_key", BabyJubJubPublicKey(x, y))

    @classmethod
    def from_seed(cls, seed: bytes) -> BabyJubJubKey:
        """The key derived from 32 secret bytes (the issuer derives them from its Ed25519 key)."""
        if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
            raise ZKError(f"a BabyJubJub seed is {SEED_BYTES} bytes")
        digest = hashlib.sha512(KEY_DOMAIN + seed).digest()
        return cls(int.from_bytes(digest, "big") % (bjj.SUBGROUP_ORDER - 1) + 1)

    @classmethod
    def generate(cls) -> BabyJubJubKey:
        """A fresh key from the OS CSPRNG."""
        return cls.from_seed(secrets.token_bytes(SEED_BYTES))

    def sign(self, message: int) -> EdDSASignature:
        """Sign a field element (e.g. :meth:`zk.LivenessClaim.message`), deterministically."""
        _check_message(message)
        material = NONCE_DOMAIN + self.scalar.to_bytes(32, "little") + message.to_bytes(32, "little")
        r = int.from_bytes(hashlib.sha512(material).digest(), "big") % bjj.SUBGROUP_ORDER
        r8 = bjj.mul(bjj.BASE8, r)
        h = _challenge(r8, self.public_key.point, message)
        s = (r + 8 * h * self.scalar) % bjj.SUBGROUP_ORDER
        return EdDSASignature(r8[0], r8[1], s)


def verify_eddsa_poseidon(public_key: BabyJubJubPublicKey, message: int, signature: EdDSASignature) -> bool:
    """``S·B8 == R8 + 8·Poseidon(R8x, R8y, Ax, Ay, M)·A``; the key and signature were checked
    when they were built. A message that is not a field element is ``False``."""
    if isinstance(message, bool) or not isinstance(message, int) or not 0 <= message < bjj.P:
        return False
    r8 = (signature.r8x, signature.r8y)
    h = _challenge(r8, public_key.point, message)
    left = bjj.mul(bjj.BASE8, signature.s)
    # A is in the order-l subgroup, so 8·h may be reduced mod l.
    right = bjj.add(r8, bjj.mul(public_key.point, 8 * h % bjj.SUBGROUP_ORDER))
    return left == right
