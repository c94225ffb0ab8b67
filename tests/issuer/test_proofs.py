"""Signing and verifying proofs: the W3C test vector, golden vectors, tampering, and didkit.

Independent checks: the eddsa-rdfc-2022 vector is the one published in the W3C vc-di-eddsa
specification (its key pair and signed credential); Ed25519Signature2020 credentials are
cross-checked with didkit (spruceid's Rust implementation) in both directions.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from did import DIDResolver, Ed25519KeyPair, KeyDIDResolver, did_key_from_public_key
from issuer import (
    CREDENTIALS_V1,
    ED25519_SIGNATURE_2020,
    EDDSA_RDFC_2022,
    ContextLoader,
    ContextNotAllowed,
    UndefinedTerms,
    create_proof,
    liveness_context_url,
    schema_url,
    verify_proof,
    with_suite_context,
)
from tests.issuer.conftest import HOLDER, PUBLIC_URL, SEED, didkit

# W3C vc-di-eddsa, TestVectors/keyPair.json and eddsa-rdfc-2022/signedDataInt.json.
W3C_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PROOF_VALUE = "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"

KEY = Ed25519KeyPair(SEED)
ISSUER = did_key_from_public_key(KEY.public_key)
VM = f"{ISSUER}#{ISSUER.removeprefix('did:key:')}"
CREATED = "2026-11-21T10:00:00Z"
LOADER = ContextLoader([liveness_context_url(PUBLIC_URL)])
RESOLVER = DIDResolver([KeyDIDResolver()])

# Golden vectors of this implementation: a fixed key signing FIXED to these values. A change
# here means every credential ever issued would stop verifying: never update them casually.
GOLDEN = {
    EDDSA_RDFC_2022: "z2is8HLDvoVrzD2RvfuKm19NLG9QBQv1pQ8FG1A1ptSJ3CTRxhngroGr9KCHsS2zuW4yHvoZe6wMVkDoh23BeDPxD",
    ED25519_SIGNATURE_2020: "zsCvSszskKn2MnxdbBEYtqYvXWfnYDfSwadYbeWfnLUGG157f5k7Mf6FdPFf6z38oNeqxbXNp3iU6FGLLGUtTj4L",
}
FIXED: dict[str, Any] = {
    "@context": [CREDENTIALS_V1, liveness_context_url(PUBLIC_URL)],
    "id": "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "type": ["VerifiableCredential", "LivenessCredential"],
    "issuer": ISSUER,
    "issuanceDate": "2026-11-21T10:00:00Z",
    "expirationDate": "2027-11-21T10:00:00Z",
    "credentialSubject": {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T09:59:30Z"},
    "credentialSchema": {"id": schema_url(PUBLIC_URL), "type": "JsonSchema"},
    "evidence": [
        {"type": ["LivenessCheckEvidence"], "checks": ["antispoof", "smile", "face_match"], "verifier": ISSUER}
    ],
}


def lookup(vm_id: str, purpose: str):  # type: ignore[no-untyped-def]
    return RESOLVER.verification_method(vm_id, purpose).ed25519_public_key()


def sign(
    doc: dict[str, Any], proof_type: str = EDDSA_RDFC_2022, key: Ed25519KeyPair = KEY, vm: str = VM
) -> dict[str, Any]:
    return create_proof(
        with_suite_context(doc, proof_type),
        key,
        verification_method=vm,
        created=CREATED,
        loader=LOADER,
        proof_type=proof_type,
    )


def test_w3c_eddsa_rdfc_2022_test_vector() -> None:
    key = Ed25519KeyPair.from_multibase(W3C_SECRET)
    assert key.public_key.multibase == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    loader = ContextLoader()
    loader.documents[EXAMPLES_V2] = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    vm = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    signed = create_proof(unsigned, key, verification_method=vm, created="2023-02-24T23:36:38Z", loader=loader)
    assert signed["proof"]["proofValue"] == W3C_PROOF_VALUE
    check = verify_proof(signed, lambda vm_id, purpose: key.public_key, loader)
    assert check.verified


@pytest.mark.parametrize("proof_type", [EDDSA_RDFC_2022, ED25519_SIGNATURE_2020])
def test_golden_vector(proof_type: str) -> None:
    signed = sign(FIXED, proof_type)
    assert signed["proof"]["proofValue"] == GOLDEN[proof_type]
    assert verify_proof(signed, lookup, LOADER, expected_controller=ISSUER).verified


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


TAMPERS = [
    ("credentialSubject.deviceType", "desktop"),
    ("credentialSubject.timestamp", "2026-11-21T09:59:31Z"),
    ("credentialSubject.id", "did:key:z6MkhK5BYWX6RUVnxjkJ3hxrRLVCmVoW1pmWG2gDW6bHiqw7"),
    ("issuanceDate", "2026-11-20T10:00:00Z"),
    ("expirationDate", "2099-11-21T10:00:00Z"),
    ("id", "urn:uuid:00000000-5717-4562-b3fc-2c963f66afa6"),
    ("type", ["VerifiableCredential"]),
    ("evidence.0.checks", ["antispoof"]),
    ("proof.created", "2026-11-21T10:00:01Z"),
    ("proof.proofValue", GOLDEN[EDDSA_RDFC_2022][:-2] + "11"),
]


@pytest.mark.parametrize(("path", "value"), TAMPERS, ids=[p for p, _ in TAMPERS])
def test_tampering_with_any_signed_field_fails(path: str, value: Any) -> None:
    tampered = copy.deepcopy(sign(FIXED))
    _set(tampered, path, value)
    check = verify_proof(tampered, lookup, LOADER, expected_controller=ISSUER)
    assert not check.verified
    assert check.reason == "the signature does not verify"


def test_another_issuer_or_key_is_refused() -> None:
    signed = sign(FIXED)
    # Claiming another issuer: the proof's key no longer belongs to the issuer.
    other = Ed25519KeyPair.generate()
    other_did = did_key_from_public_key(other.public_key)
    forged = {**copy.deepcopy(signed), "issuer": other_did}
    check = verify_proof(forged, lookup, LOADER, expected_controller=other_did)
    assert not check.verified and "does not belong to the issuer" in (check.reason or "")
    # Re-pointing the proof at the attacker's key: the signature is not theirs.
    forged["proof"]["verificationMethod"] = f"{other_did}#{other_did.removeprefix('did:key:')}"
    check = verify_proof(forged, lookup, LOADER, expected_controller=other_did)
    assert not check.verified and check.reason == "the signature does not verify"
    # Signed by the attacker but claiming our issuer.
    attacker = sign(FIXED, key=other, vm=VM)
    assert not verify_proof(attacker, lookup, LOADER, expected_controller=ISSUER).verified


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d["proof"].update(proofPurpose="authentication"), "proofPurpose"),
        (lambda d: d["proof"].update(cryptosuite="ecdsa-rdfc-2019"), "unsupported proof type"),
        (lambda d: d["proof"].update(proofValue="not-multibase"), "base58btc"),
        (lambda d: d["proof"].pop("verificationMethod"), "verificationMethod"),
        (lambda d: d["proof"].update(verificationMethod="did:example:123#k"), "does not belong to the issuer"),
        (lambda d: d["proof"].update(verificationMethod=ISSUER + "#other"), "not usable"),
        (lambda d: d.update(surprise="unsigned"), "cannot canonicalise"),
    ],
)
def test_malformed_proofs_are_verdicts_with_reasons(mutate: Any, reason: str) -> None:
    signed = copy.deepcopy(sign(FIXED))
    mutate(signed)
    check = verify_proof(signed, lookup, LOADER, expected_controller=ISSUER)
    assert not check.verified
    assert reason in (check.reason or "")


def test_refuses_to_sign_undefined_terms_and_remote_contexts() -> None:
    with pytest.raises(UndefinedTerms) as info:
        sign({**FIXED, "nickname": "x", "credentialSubject": {**FIXED["credentialSubject"], "age": 30}})
    assert info.value.terms == ["age", "nickname"]
    with pytest.raises(UndefinedTerms, match="@type LivenesCredential"):
        sign({**FIXED, "type": ["VerifiableCredential", "LivenesCredential"]})
    with pytest.raises(ContextNotAllowed, match="allowlist") as remote:
        sign({**FIXED, "@context": [*FIXED["@context"], "https://evil.example/context.jsonld"]})
    assert "evil.example" not in remote.value.message  # nothing a client sent is echoed


def _jwk(key: Ed25519KeyPair) -> dict[str, str]:
    seed = key._seed()
    return {**key.public_key.to_jwk(), "d": base64.urlsafe_b64encode(seed).rstrip(b"=").decode()}


# didkit only knows the standard contexts, so the interop credential uses only those.
STANDARD: dict[str, Any] = {
    "@context": [CREDENTIALS_V1],
    "id": "urn:uuid:1b6e0f0e-0000-4000-8000-000000000001",
    "type": ["VerifiableCredential"],
    "issuer": ISSUER,
    "issuanceDate": "2026-11-21T10:00:00Z",
    "credentialSubject": {"id": HOLDER},
}


def test_did_key_matches_didkit() -> None:
    assert didkit({"op": "did", "jwk": _jwk(KEY)})["did"] == ISSUER


def test_our_ed25519signature2020_verifies_in_didkit() -> None:
    signed = sign(STANDARD, ED25519_SIGNATURE_2020)
    result = didkit({"op": "verify", "vc": signed})["result"]
    assert result["errors"] == [] and "proof" in result["checks"]
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["id"] = ISSUER
    assert didkit({"op": "verify", "vc": tampered})["result"]["errors"]


def test_didkit_ed25519signature2020_verifies_in_ours() -> None:
    other = Ed25519KeyPair.generate()
    other_did = did_key_from_public_key(other.public_key)
    vc = didkit({"op": "issue", "credential": {**STANDARD, "issuer": other_did}, "jwk": _jwk(other)})["vc"]
    assert vc["proof"]["type"] == ED25519_SIGNATURE_2020
    assert verify_proof(vc, lookup, LOADER, expected_controller=other_did).verified
    vc["issuanceDate"] = "2026-11-22T10:00:00Z"
    assert not verify_proof(vc, lookup, LOADER, expected_controller=other_did).verified
