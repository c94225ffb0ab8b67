"""DID documents: the pydantic model of what a DID resolves to, and key look-up in it.

Documents travel (they are published at ``/.well-known/did.json`` and fetched from other
hosts), so they are pydantic models; unknown members are kept. ``verification_method`` checks
that a key is both present and authorised for the proof purpose, which is what a verifier needs.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from did._exceptions import DIDResolutionError, InvalidKey, VerificationMethodNotFound
from did.keys import Ed25519PublicKey

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# The issuer's second key, for zero-knowledge presentations (docs/zk-presentations.md): a point
# of BabyJubJub, {x, y} as decimal strings, under a type the livecred JSON-LD context defines.
BABYJUBJUB_KEY_TYPE = "BabyJubJubKey2026"
BABYJUBJUB_FRAGMENT = "bjj-1"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,76}")

PROOF_PURPOSES = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation", "keyAgreement")


class VerificationMethod(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str
    type: str
    controller: str
    public_key_multibase: str | None = Field(None, alias="publicKeyMultibase")
    public_key_jwk: dict[str, Any] | None = Field(None, alias="publicKeyJwk")
    public_key_base58: str | None = Field(None, alias="publicKeyBase58")

    def ed25519_public_key(self) -> Ed25519PublicKey:
        """The Ed25519 key, from any of the encodings DID documents use for one."""
        if self.type in ("Multikey", "Ed25519VerificationKey2020") and self.public_key_multibase:
            return Ed25519PublicKey.from_multibase(self.public_key_multibase)
        if self.type == "Ed25519VerificationKey2018" and self.public_key_base58:
            return Ed25519PublicKey.from_base58(self.public_key_base58)
        if self.type in ("JsonWebKey2020", "JsonWebKey", "Ed25519VerificationKey2018") and self.public_key_jwk:
            return Ed25519PublicKey.from_jwk(self.public_key_jwk)
        raise InvalidKey("the verification method holds no Ed25519 key")

    def babyjubjub_coordinates(self) -> tuple[int, int]:
        """(x, y) of a ``BabyJubJubKey2026`` method, parsed as decimal strings. Only the shape is
        checked here: whether the point is a valid key is for ``zk.BabyJubJubPublicKey``."""
        extra = self.model_extra or {}
        point = extra.get("publicKeyBabyJubJub")
        if self.type != BABYJUBJUB_KEY_TYPE or not isinstance(point, dict) or set(point) != {"x", "y"}:
            raise InvalidKey(f"the verification method holds no {BABYJUBJUB_KEY_TYPE} key")
        x, y = point["x"], point["y"]
        if not all(isinstance(v, str) and _DECIMAL.fullmatch(v) for v in (x, y)):
            raise InvalidKey("publicKeyBabyJubJub.x and .y must be decimal strings")
        return int(x), int(y)


class DIDDocument(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    context: str | list[Any] = Field(default_factory=lambda: [DID_CONTEXT, MULTIKEY_CONTEXT], alias="@context")
    id: str
    controller: str | list[str] | None = None
    verification_method: list[VerificationMethod] = Field(default_factory=list, alias="verificationMethod")
    authentication: list[str | VerificationMethod] = Field(default_factory=list)
    assertion_method: list[str | VerificationMethod] = Field(default_factory=list, alias="assertionMethod")
    capability_invocation: list[str | VerificationMethod] = Field(default_factory=list, alias="capabilityInvocation")
    capability_delegation: list[str | VerificationMethod] = Field(default_factory=list, alias="capabilityDelegation")
    key_agreement: list[str | VerificationMethod] = Field(default_factory=list, alias="keyAgreement")

    @classmethod
    def parse(cls, data: object) -> DIDDocument:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:5])
            raise DIDResolutionError(f"not a valid DID document (fields: {fields})") from exc

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=True, exclude_none=True)
        return {k: v for k, v in data.items() if v != []}

    def _absolute(self, ref: str) -> str:
        return self.id + ref if ref.startswith("#") else ref

    def find_method(self, did_url: str, purpose: str | None = None) -> VerificationMethod:
        """The method ``did_url`` names; with ``purpose``, it must also be listed under it."""
        wanted = self._absolute(did_url)
        methods = {self._absolute(m.id): m for m in self.verification_method}
        if purpose is not None:
            if purpose not in PROOF_PURPOSES:
                raise VerificationMethodNotFound(f"unknown proof purpose {purpose!r}")
            authorised: list[str | VerificationMethod] = getattr(self, _field_name(purpose))
            embedded = {self._absolute(m.id): m for m in authorised if isinstance(m, VerificationMethod)}
            refs = {self._absolute(m) for m in authorised if isinstance(m, str)}
            if wanted in embedded:
                return embedded[wanted]
            if wanted not in refs:
                raise VerificationMethodNotFound(f"the DID URL is not authorised for {purpose} by its DID document")
        if wanted not in methods:
            raise VerificationMethodNotFound("the DID URL is not a verification method of its DID document")
        return methods[wanted]


def _field_name(purpose: str) -> str:
    return {
        "authentication": "authentication",
        "assertionMethod": "assertion_method",
        "capabilityInvocation": "capability_invocation",
        "capabilityDelegation": "capability_delegation",
        "keyAgreement": "key_agreement",
    }[purpose]


def babyjubjub_method(did: str, x: int, y: int, fragment: str = BABYJUBJUB_FRAGMENT) -> VerificationMethod:
    """A ``BabyJubJubKey2026`` verification method of ``did`` for the point (x, y)."""
    return VerificationMethod.model_validate(
        {
            "id": f"{did}#{fragment}",
            "type": BABYJUBJUB_KEY_TYPE,
            "controller": did,
            "publicKeyBabyJubJub": {"x": str(x), "y": str(y)},
        }
    )


def single_key_document(
    did: str,
    key: Ed25519PublicKey,
    fragment: str | None = None,
    *,
    babyjubjub: tuple[int, int] | None = None,
    babyjubjub_context: str | None = None,
) -> DIDDocument:
    """The document of a DID controlled by one Ed25519 key (did:key, and our did:web).

    With ``babyjubjub`` (x, y), the issuer's BabyJubJub key is listed too, as ``#bjj-1``, for
    assertions only (it signs liveness claims, nothing else); ``babyjubjub_context`` is the
    JSON-LD context that defines its type (livecred's).
    """
    vm_id = f"{did}#{fragment or key.multibase}"
    method = VerificationMethod.model_validate(
        {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": key.multibase}
    )
    methods = [method]
    context: list[Any] = [DID_CONTEXT, MULTIKEY_CONTEXT]
    assertion = [vm_id]
    if babyjubjub is not None:
        extra = babyjubjub_method(did, *babyjubjub)
        methods.append(extra)
        assertion.append(extra.id)
        if babyjubjub_context:
            context.append(babyjubjub_context)
    return DIDDocument.model_validate(
        {
            "@context": context,
            "id": did,
            "verificationMethod": methods,
            "authentication": [vm_id],
            "assertionMethod": assertion,
            "capabilityInvocation": [vm_id],
            "capabilityDelegation": [vm_id],
        }
    )
