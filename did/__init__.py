"""Decentralized identifiers: Ed25519 Multikey keys, ``did:key``, ``did:web``, DID documents and
resolution through one cached resolver, and the guarded ``Fetcher`` every outbound fetch of a
client-named URL goes through. No dependency on the rest of livecred."""

from did._exceptions import (
    DIDError,
    DIDNotFound,
    DIDResolutionError,
    FetchBusy,
    FetchError,
    InvalidDID,
    InvalidKey,
    UnsupportedDIDMethod,
    VerificationMethodNotFound,
)
from did.document import (
    BABYJUBJUB_FRAGMENT,
    BABYJUBJUB_KEY_TYPE,
    DID_CONTEXT,
    MULTIKEY_CONTEXT,
    DIDDocument,
    VerificationMethod,
    babyjubjub_method,
    single_key_document,
)
from did.fetch import Fetcher, FetchPolicy
from did.key_method import KeyDIDResolver, did_key_document, did_key_from_public_key, public_key_from_did_key
from did.keyfile import load_or_create_key_file, read_key_file, write_key_file
from did.keys import Ed25519KeyPair, Ed25519PublicKey
from did.resolver import DIDResolver, MethodResolver, is_did, split_did_url
from did.web_method import WebDIDResolver, did_web_from_domain, did_web_to_url

__all__ = [
    "BABYJUBJUB_FRAGMENT",
    "BABYJUBJUB_KEY_TYPE",
    "DID_CONTEXT",
    "MULTIKEY_CONTEXT",
    "DIDDocument",
    "DIDError",
    "DIDNotFound",
    "DIDResolutionError",
    "DIDResolver",
    "Ed25519KeyPair",
    "Ed25519PublicKey",
    "FetchBusy",
    "FetchError",
    "FetchPolicy",
    "Fetcher",
    "InvalidDID",
    "InvalidKey",
    "KeyDIDResolver",
    "MethodResolver",
    "UnsupportedDIDMethod",
    "VerificationMethod",
    "VerificationMethodNotFound",
    "WebDIDResolver",
    "babyjubjub_method",
    "did_key_document",
    "did_key_from_public_key",
    "did_web_from_domain",
    "did_web_to_url",
    "is_did",
    "load_or_create_key_file",
    "public_key_from_did_key",
    "read_key_file",
    "single_key_document",
    "split_did_url",
    "write_key_file",
]
