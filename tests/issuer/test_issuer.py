"""Issuance end to end in-process: schema, status lists and revocation, verification verdicts."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from did import Ed25519KeyPair, Fetcher
from issuer import (
    MIN_LIST_BITS,
    Issuer,
    IssuerConfig,
    IssuerStore,
    SchemaValidationError,
    StatusChangeRefused,
    bit_at,
    bits_from_indexes,
    decode_list,
    encode_list,
    liveness_schema,
    schema_errors,
)
from issuer._exceptions import InvalidCredential
from tests.issuer.conftest import HOLDER, PUBLIC_URL, SEED, Clock, make_issuer


def liveness(issuer: Issuer, **extra: Any) -> dict[str, Any]:
    return issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["antispoof", "smile"], **extra)


# schema ---------------------------------------------------------------------------------------
def test_published_schema_is_the_seed_design_pointing_at_our_context() -> None:
    schema = liveness_schema(PUBLIC_URL)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$metadata"]["type"] == "LivenessCredential"
    assert schema["$metadata"]["uris"]["jsonLdContext"] == f"{PUBLIC_URL}/contexts/liveness/v1"
    assert schema["properties"]["credentialSubject"]["required"] == ["id", "deviceType", "timestamp"]


def test_schema_accepts_our_credentials(issuer: Issuer) -> None:
    vc = issuer.issue(liveness(issuer))
    assert schema_errors(vc) == []
    assert vc["credentialSchema"] == {"id": f"{PUBLIC_URL}/schemas/LivenessCredential.json", "type": "JsonSchema"}
    assert f"{PUBLIC_URL}/contexts/liveness/v1" in vc["@context"]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda c: c["credentialSubject"].pop("id"), "credentialSubject", "missing required properties: id"),
        (lambda c: c["credentialSubject"].pop("deviceType"), "credentialSubject", "deviceType"),
        (lambda c: c["credentialSubject"].pop("timestamp"), "credentialSubject", "timestamp"),
        (lambda c: c["credentialSubject"].update(timestamp="yesterday"), "credentialSubject/timestamp", "date-time"),
        (
            lambda c: c["credentialSubject"].update(timestamp="2026-11-21 10:00"),
            "credentialSubject/timestamp",
            "date-time",
        ),
        (lambda c: c.pop("credentialSchema"), "(root)", "credentialSchema"),
        # The format validators match with `$`, which lets a final newline through.
        (lambda c: c["credentialSubject"].update(id=HOLDER + "\n"), "credentialSubject/id", "uri"),
        (
            lambda c: c["credentialSubject"].update(timestamp="2026-11-21T10:00:00Z\n"),
            "credentialSubject/timestamp",
            "date-time",
        ),
    ],
)
def test_schema_rejects_and_issuer_refuses_invalid_credentials(
    issuer: Issuer, mutate: Any, path: str, message: str
) -> None:
    credential = liveness(issuer)
    mutate(credential)
    errors = schema_errors(credential)
    assert any(e["path"] == path and message in e["message"] for e in errors), errors
    with pytest.raises(SchemaValidationError) as info:
        issuer.issue(credential)
    assert info.value.errors == errors
    assert issuer.store.count() == 0  # nothing recorded for a refused credential


def test_issuer_refuses_foreign_issuer_status_and_proof(issuer: Issuer) -> None:
    for mutate in (
        lambda c: c.update(issuer="did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"),
        lambda c: c.update(credentialStatus={"id": "urn:x", "type": "BitstringStatusListEntry"}),
        lambda c: c.update(proof={}),
    ):
        credential = liveness(issuer)
        mutate(credential)
        with pytest.raises(InvalidCredential):
            issuer.issue(credential)


def test_a_failed_signature_releases_the_status_index(issuer: Issuer) -> None:
    credential = liveness(issuer)
    credential["credentialSubject"]["nickname"] = "x"  # schema allows it, the contexts do not
    with pytest.raises(InvalidCredential):
        issuer.issue(credential)
    assert issuer.store.count() == 0


# status lists ---------------------------------------------------------------------------------
def test_bitstring_encoding_follows_the_spec() -> None:
    bits = bits_from_indexes(MIN_LIST_BITS, [0, 9, MIN_LIST_BITS - 1])
    # Index 0 is the left-most bit of the first byte.
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    encoded = encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    import base64

    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(bits) and len(raw) == 16 * 1024
    decoded = decode_list(encoded)
    assert [i for i in (0, 1, 9, 10, MIN_LIST_BITS - 1) if bit_at(decoded, i)] == [0, 9, MIN_LIST_BITS - 1]


def test_status_list_decoding_refuses_bombs_and_garbage() -> None:
    import base64

    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * (20 * 1024 * 1024))).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="size limit"):
        decode_list(bomb)
    for bad in ["zabc", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()]:
        with pytest.raises(ValueError):
            decode_list(bad)


def test_revocation_round_trip(db_url: str, clock: Clock) -> None:
    issuer = make_issuer(db_url, clock)
    try:
        vcs = [issuer.issue(liveness(issuer)) for _ in range(5)]
        indexes = {int(vc["credentialStatus"]["statusListIndex"]) for vc in vcs}
        assert len(indexes) == 5  # random, distinct positions
        assert all(issuer.verify(vc).verified for vc in vcs)
        target = vcs[2]
        assert issuer.set_status(target["id"], "revoked") == "revoked"
        result = issuer.verify(target)
        assert not result.verified and result.errors == ["status: the credential is revoked"]
        assert result.credential_status == "revoked"
        assert all(issuer.verify(vc).verified for vc in vcs if vc is not target)
        listing = issuer.status_list_credential(target["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1])
        bits = decode_list(listing["credentialSubject"]["encodedList"])
        assert [i for i in indexes if bit_at(bits, i)] == [int(target["credentialStatus"]["statusListIndex"])]
        with pytest.raises(StatusChangeRefused, match="final"):
            issuer.set_status(target["id"], "active")
        with pytest.raises(StatusChangeRefused, match="purpose 'revocation'"):
            issuer.set_status(vcs[0]["id"], "suspended")
    finally:
        issuer.close()


def test_suspension_is_reversible(db_url: str, clock: Clock) -> None:
    issuer = make_issuer(db_url, clock)
    try:
        vc = issuer.issue(liveness(issuer), status_purpose="suspension")
        assert vc["credentialStatus"]["statusPurpose"] == "suspension"
        issuer.set_status(vc["id"], "suspended")
        assert issuer.verify(vc).errors == ["status: the credential is suspended"]
        issuer.set_status(vc["id"], "active")
        assert issuer.verify(vc).verified
    finally:
        issuer.close()


def test_state_survives_a_restart_and_holds_no_biometrics(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path / 'issuer.db'}"
    first = make_issuer(url, clock)
    vc = first.issue(liveness(first))
    first.set_status(vc["id"], "revoked")
    first.close()
    second = make_issuer(url, clock)
    try:
        assert second.verify(vc).credential_status == "revoked"
        record = second.store.get(vc["id"])
        assert record is not None and record.holder_did == HOLDER
    finally:
        second.close()
    dump = (tmp_path / "issuer.db").read_bytes()
    assert b"antispoof" not in dump and b"mobile" not in dump  # evidence and claims are not stored


# verification verdicts -------------------------------------------------------------------------
def test_validity_period_is_checked(issuer: Issuer, clock: Clock) -> None:
    vc = issuer.issue(liveness(issuer))
    clock.advance(timedelta(days=366))
    result = issuer.verify(vc)
    assert not result.verified and result.errors[0].startswith("validity: expired at")
    clock.advance(timedelta(days=-400))
    assert issuer.verify(vc).errors[0].startswith("validity: not valid before")


def test_zk_evidence_is_reported_unchecked_without_a_checker(issuer: Issuer) -> None:
    proof = {"threshold": 6000, "nonce": "1", "commitment": "2", "publicSignals": ["6000"], "proof": {"pi_a": ["1"]}}
    vc = issuer.issue(liveness(issuer, face_match_proof=proof))
    result = issuer.verify(vc)
    assert result.verified
    assert result.warnings == ["evidence: Groth16 face-match proof present but not checked"]


def test_evidence_checker_failure_fails_verification(tmp_path: Path, clock: Clock) -> None:
    store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'i.db'}", list_size=MIN_LIST_BITS)
    issuer = Issuer(
        Ed25519KeyPair(SEED),
        store,
        IssuerConfig(public_url=PUBLIC_URL),
        evidence_checker=lambda evidence: (False, "nonce mismatch"),
        clock=clock,
    )
    issuer.start()
    proof = {"threshold": 6000, "nonce": "1", "commitment": "2", "publicSignals": ["6000"], "proof": {"pi_a": ["1"]}}
    result = issuer.verify(issuer.issue(liveness(issuer, face_match_proof=proof)))
    assert result.errors == ["evidence: nonce mismatch"]
    issuer.close()


HOSTILE: list[Any] = [
    {},
    [],
    "credential",
    {"proof": "x"},
    {"@context": 5, "issuer": "did:key:z6Mk", "proof": {}},
    {
        "@context": ["https://evil.example/ctx"],
        "issuer": "did:web:evil.example",
        "proof": {"type": "DataIntegrityProof"},
    },
    {"issuer": {"id": 7}, "proof": [{}, {}]},
]


@pytest.mark.parametrize("credential", HOSTILE)
def test_verification_never_raises_on_hostile_input(issuer: Issuer, credential: Any) -> None:
    result = issuer.verify(credential)
    assert not result.verified and result.errors


def test_foreign_status_lists_are_fetched_and_their_proof_checked(tmp_path: Path, clock: Clock) -> None:
    """A credential from another issuer whose status list lives on its own host."""
    other_url = "https://other.example"
    other_store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'other.db'}", list_size=MIN_LIST_BITS)
    other = Issuer(Ed25519KeyPair.generate(), other_store, IssuerConfig(public_url=other_url), clock=clock)
    other.start()
    vc = other.issue(other.liveness_credential(holder_did=HOLDER, device_type="desktop"))
    other.set_status(vc["id"], "revoked")
    list_id = vc["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
    served = copy.deepcopy(other.status_list_credential(list_id))

    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == f"{other_url}/status/{list_id}"
        return httpx.Response(200, content=json.dumps(served).encode())

    verifier_store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'me.db'}", list_size=MIN_LIST_BITS)
    me = Issuer(
        Ed25519KeyPair(SEED),
        verifier_store,
        IssuerConfig(
            public_url=PUBLIC_URL,
            trusted_context_urls=(f"{other_url}/contexts/liveness/v1",),
            trusted_issuers=("self", other.did),
        ),
        fetcher=Fetcher(transport=httpx.MockTransport(handler)),
        clock=clock,
    )
    me.start()
    try:
        assert me.verify(vc).errors == ["status: the credential is revoked"]
        served["credentialSubject"]["encodedList"] = encode_list(bits_from_indexes(MIN_LIST_BITS, []))
        errors = me.verify(vc).errors
        assert errors and "status list's proof does not verify" in errors[0]
    finally:
        me.close()
        other.close()
