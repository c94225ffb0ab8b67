"""``did:key`` for Ed25519: the DID *is* the public key, so resolution is offline and exact.

``did:key:z6Mk...`` is ``did:key:`` + the Multikey encoding of the public key; its document has
one Multikey verification method whose fragment repeats the key. X25519 key-agreement keys,
which the did:key spec derives optionally, are not produced: livecred only signs.
"""

from __future__ import annotations

from did._exceptions import InvalidDID, InvalidKey
from did.document import DIDDocument, single_key_document
from did.keys import Ed25519PublicKey

PREFIX = "did:key:"


def did_key_from_public_key(key: Ed25519PublicKey) -> str:
    return PREFIX + key.multibase


def public_key_from_did_key(did: str) -> Ed25519PublicKey:
    if not did.startswith(PREFIX):
        raise InvalidDID("not a did:key")
    identifier = did[len(PREFIX) :].split("#", 1)[0]
    if not identifier.startswith("z6Mk"):
        raise InvalidDID("only Ed25519 did:key identifiers (z6Mk...) are supported")
    try:
        return Ed25519PublicKey.from_multibase(identifier)
    except InvalidKey as exc:
        raise InvalidDID(f"malformed did:key: {exc.message}") from exc


def did_key_document(did: str) -> DIDDocument:
    key = public_key_from_did_key(did)
    return single_key_document(did.split("#", 1)[0], key)


class KeyDIDResolver:
    """Resolves ``did:key`` offline."""

    method = "key"

    def resolve(self, did: str) -> DIDDocument:
        return did_key_document(did)
