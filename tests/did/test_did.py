"""did:key, did:web, DID documents, the resolver and the issuer key file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from did import (
    DIDError,
    DIDNotFound,
    DIDResolutionError,
    DIDResolver,
    Ed25519KeyPair,
    Ed25519PublicKey,
    Fetcher,
    InvalidDID,
    InvalidKey,
    KeyDIDResolver,
    UnsupportedDIDMethod,
    VerificationMethodNotFound,
    WebDIDResolver,
    did_key_document,
    did_key_from_public_key,
    did_web_from_domain,
    did_web_to_url,
    is_did,
    load_or_create_key_file,
    read_key_file,
    single_key_document,
)

SEED = bytes(range(32))


def test_did_key_of_a_fixed_key_is_stable_and_resolves_offline() -> None:
    key = Ed25519KeyPair(SEED)
    did = did_key_from_public_key(key.public_key)
    # Ed25519 did:keys start z6Mk (multicodec 0xed01, base58btc).
    assert did.startswith("did:key:z6Mk")
    assert did == "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd"
    doc = did_key_document(did)
    vm = doc.find_method(f"{did}#{did.removeprefix('did:key:')}", "assertionMethod")
    assert vm.type == "Multikey"
    assert vm.ed25519_public_key() == key.public_key
    assert doc.to_json()["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


@pytest.mark.parametrize("bad", ["did:key:", "did:key:zQ3shxyz", "did:key:z6Mk111", "did:web:x", "key:z6Mk"])
def test_malformed_did_key_is_invalid(bad: str) -> None:
    with pytest.raises(InvalidDID):
        did_key_document(bad)


def test_key_multibase_round_trips_and_rejects_garbage() -> None:
    key = Ed25519KeyPair.generate()
    again = Ed25519KeyPair.from_multibase(key.secret_multibase)
    assert again.public_key == key.public_key
    assert key.secret_multibase not in repr(key)
    for bad in ["", "z", "zzzz", "u" + key.secret_multibase[1:], key.public_key.multibase]:
        with pytest.raises(InvalidKey):
            Ed25519KeyPair.from_multibase(bad)
    assert Ed25519PublicKey.from_jwk(key.public_key.to_jwk()) == key.public_key


def test_signatures_verify_only_for_the_signed_message() -> None:
    key = Ed25519KeyPair(SEED)
    signature = key.sign(b"hello")
    assert key.public_key.verify(signature, b"hello")
    assert not key.public_key.verify(signature, b"hellO")
    assert not key.public_key.verify(signature[:-1], b"hello")
    assert not Ed25519KeyPair.generate().public_key.verify(signature, b"hello")


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_urls_follow_the_method_spec(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


def test_did_web_from_a_configured_domain() -> None:
    assert did_web_from_domain("issuer.example.com") == "did:web:issuer.example.com"
    assert did_web_from_domain("example.com:8443/issuers/live") == "did:web:example.com%3A8443:issuers:live"
    assert did_web_from_domain("https://example.com/.well-known/did.json") == "did:web:example.com"
    for bad in ["http://example.com", "", "exa mple.com", "example.com/a:b"]:
        with pytest.raises(InvalidDID):
            did_web_from_domain(bad)


def _web_resolver(handler: object) -> WebDIDResolver:
    return WebDIDResolver(Fetcher(transport=httpx.MockTransport(handler)))  # type: ignore[arg-type]


def test_did_web_resolution_over_https() -> None:
    key = Ed25519KeyPair(SEED)
    did = "did:web:example.com:issuers:live"
    body = json.dumps(single_key_document(did, key.public_key).to_json()).encode()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=body)

    doc = _web_resolver(handler).resolve(did)
    assert seen == ["https://example.com/issuers/live/did.json"]
    assert doc.find_method(doc.verification_method[0].id, "assertionMethod").ed25519_public_key() == key.public_key


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(404), DIDNotFound),
        (httpx.Response(500), DIDResolutionError),
        (httpx.Response(200, content=b"<html>"), DIDResolutionError),
        (httpx.Response(200, content=b'{"id": "did:web:other.example"}'), DIDResolutionError),
        (httpx.Response(200, content=b'{"id": "did:web:example.com", "verificationMethod": 5}'), DIDResolutionError),
        (httpx.Response(200, content=b"[" * 300_000), DIDResolutionError),
    ],
)
def test_did_web_failures_are_clear_errors(response: httpx.Response, error: type[Exception]) -> None:
    with pytest.raises(error):
        _web_resolver(lambda request: response).resolve("did:web:example.com")


def test_did_web_timeout_is_a_resolution_error_that_does_not_say_why() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(DIDResolutionError) as caught:
        _web_resolver(handler).resolve("did:web:example.com")
    assert caught.value.code == "did_resolution_failed"
    assert caught.value.message == "the DID document could not be fetched"


def test_resolver_dispatches_caches_and_refuses_unknown_methods() -> None:
    calls: list[str] = []

    class CountingKeyResolver(KeyDIDResolver):
        def resolve(self, did: str):  # type: ignore[no-untyped-def]
            calls.append(did)
            return super().resolve(did)

    now = [0.0]
    resolver = DIDResolver([CountingKeyResolver()], ttl_seconds=10, clock=lambda: now[0])
    did = did_key_from_public_key(Ed25519KeyPair(SEED).public_key)
    resolver.resolve(did)
    resolver.resolve(did + "#" + did.removeprefix("did:key:"))
    assert len(calls) == 1
    now[0] = 11.0
    resolver.resolve(did)
    assert len(calls) == 2
    with pytest.raises(UnsupportedDIDMethod, match=r"supported: key"):
        resolver.resolve("did:ion:abc")
    with pytest.raises(InvalidDID):
        resolver.resolve("not-a-did")


def test_a_did_is_matched_whole() -> None:
    did = did_key_from_public_key(Ed25519KeyPair(SEED).public_key)
    assert is_did(did) and is_did("did:web:example.com:issuers:live")
    for not_a_did in (f"{did}\n", f"{did}#key-1", f"{did}?service=x", f"{did}/path", f" {did}", "did:key:", None):
        assert not is_did(not_a_did)
    resolver = DIDResolver([KeyDIDResolver()])
    with pytest.raises(InvalidDID):
        resolver.resolve(f"{did}\n")  # `$` would have matched before the newline
    with pytest.raises(InvalidDID):
        did_web_to_url("did:web:example.com\n")


def test_did_errors_do_not_quote_the_input() -> None:
    resolver = DIDResolver([KeyDIDResolver()])
    for hostile in ("did:qmarker:x", "did:key:qmarker", "qmarker", "did:key:z6Mkqmarker"):
        with pytest.raises(DIDError) as refused:
            resolver.resolve(hostile)
        assert "qmarker" not in refused.value.message
    with pytest.raises(InvalidDID) as refused:
        did_web_to_url("did:web:qmarker!")
    assert "qmarker" not in refused.value.message
    document = did_key_document(did_key_from_public_key(Ed25519KeyPair(SEED).public_key))
    with pytest.raises(VerificationMethodNotFound) as missing:
        document.find_method(document.id + "#qmarker", "authentication")
    assert "qmarker" not in missing.value.message


def test_verification_method_must_be_authorised_for_the_purpose() -> None:
    key = Ed25519KeyPair(SEED)
    did = "did:web:example.com"
    data = single_key_document(did, key.public_key).to_json()
    vm_id = data["verificationMethod"][0]["id"]
    data["assertionMethod"] = []
    from did import DIDDocument

    doc = DIDDocument.parse(data)
    assert doc.find_method(vm_id, "authentication").id == vm_id
    with pytest.raises(VerificationMethodNotFound):
        doc.find_method(vm_id, "assertionMethod")
    with pytest.raises(VerificationMethodNotFound):
        doc.find_method(did + "#other", "authentication")


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "state" / "issuer-key.json"
    key, created = load_or_create_key_file(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_key_file(path)
    assert not created_again and again.public_key == key.public_key


def test_key_file_readable_by_others_or_inconsistent_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "issuer-key.json"
    load_or_create_key_file(path)
    os.chmod(path, 0o644)
    with pytest.raises(InvalidKey, match="chmod 600"):
        read_key_file(path)
    os.chmod(path, 0o600)
    data = json.loads(path.read_text())
    data["publicKeyMultibase"] = Ed25519KeyPair.generate().public_key.multibase
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidKey, match="does not match"):
        read_key_file(path)
