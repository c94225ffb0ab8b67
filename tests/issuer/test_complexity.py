"""Hostile JSON-LD: the structural caps, the RDFC-1.0 work budget, and the verifier's cheap
checks running before either (see ``issuer/complexity.py`` and ``bench/verify_bombs.py``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyld import jsonld

import issuer.proofs
from did import Ed25519KeyPair, Fetcher
from did._multiformats import multibase_b58_encode
from issuer import (
    MIN_LIST_BITS,
    CanonicalizationTooComplex,
    ComplexityLimits,
    CredentialTooComplex,
    Issuer,
    IssuerConfig,
    IssuerStore,
    canonicalize,
    check_structure,
)
from tests.issuer.conftest import HOLDER, PUBLIC_URL, SEED, Clock
from tests.issuer.test_proofs import FIXED, LOADER

GROTH16 = {
    "threshold": 6000,
    "nonce": "1",
    "commitment": "2",
    "publicSignals": ["6000", "2", "1"],
    "proof": {"pi_a": ["1", "2", "1"], "pi_b": [["1", "2"], ["3", "4"], ["1", "0"]], "pi_c": ["1", "2", "1"]},
}


def clique(n: int, prefix: str = "n") -> list[dict[str, Any]]:
    """Blank nodes that all point at each other: every first-degree hash is the same."""
    ids = [f"_:{prefix}{i}" for i in range(n)]
    return [{"id": i, "type": "LivenessCheckEvidence", "verifier": [j for j in ids if j != i]} for i in ids]


def ring(n: int) -> list[dict[str, Any]]:
    return [{"id": f"_:r{i}", "type": "LivenessCheckEvidence", "verifier": f"_:r{(i + 1) % n}"} for i in range(n)]


def nested_subject(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"id": HOLDER, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"}
    for _ in range(depth):
        node = {"type": "VerifiableCredential", "credentialSubject": node}
    return node


def liveness(issuer: Issuer, **extra: Any) -> dict[str, Any]:
    return issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["antispoof", "smile"], **extra)


def forged(vc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``vc`` changed, under a proof whose shape holds (a 64-byte proofValue) but that does not verify."""
    out = {**copy.deepcopy(vc), **changes}
    out["proof"] = {**out["proof"], "proofValue": multibase_b58_encode(bytes(64))}
    return out


# structural caps ------------------------------------------------------------------------------
def test_real_credentials_need_at_most_half_of_each_cap(issuer: Issuer) -> None:
    half = ComplexityLimits(
        max_depth=8, max_objects=128, max_blank_nodes=32, max_array_length=64, max_values=1024, max_contexts=8
    )
    plain = issuer.issue(liveness(issuer))
    with_zk = issuer.issue(liveness(issuer, face_match_proof=GROTH16))
    listing = issuer.status_list_credential(plain["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1])
    for document in (plain, with_zk, listing):
        check_structure(document, half)


CAPS: list[tuple[str, Any]] = [
    ("nesting depth exceeds 16", nested_subject(16)),
    ("number of JSON objects exceeds 256", {"a": [[{"id": "urn:x"}] * 100] * 3}),
    ("length of an array exceeds 128", {"a": ["x"] * 129}),
    ("number of JSON values exceeds 2048", {"a": [["x"] * 100] * 25}),
    ("number of @context entries exceeds 16", {"@context": ["https://www.w3.org/2018/credentials/v1"] * 17}),
    ("possible blank nodes exceeds 64", {"evidence": [{"type": "x"}] * 65}),
    ("possible blank nodes exceeds 64", {"id": "urn:x", "verifier": [f"_:b{i}" for i in range(65)]}),
    ("possible blank nodes exceeds 64", {"id": "urn:x", "checks": {"@list": ["x"] * 65}}),
]


@pytest.mark.parametrize(("what", "document"), CAPS, ids=[f"{w[:24]}-{i}" for i, (w, _) in enumerate(CAPS)])
def test_each_structural_cap_is_enforced(what: str, document: Any) -> None:
    with pytest.raises(CredentialTooComplex, match=what):
        check_structure(document)


def test_identified_nodes_values_and_contexts_are_not_blank_nodes() -> None:
    context = {f"t{i}": {"@id": f"urn:t{i}", "@context": {"x": "urn:x"}} for i in range(5)}
    check_structure(
        {
            "@context": [context],
            "id": "urn:x",
            "nodes": [{"id": f"urn:n{i}"} for i in range(100)],
            "values": [{"@value": i} for i in range(100)],
        }
    )


# the RDFC-1.0 work budget ---------------------------------------------------------------------
def _without_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "id"}


# Graphs that need Hash N-Degree Quads (blank nodes that look alike), within the budget.
LOOKALIKES: dict[str, dict[str, Any]] = {
    "clique of 4": {**FIXED, "evidence": clique(4)},
    "two cliques of 3": {**FIXED, "evidence": clique(3) + clique(3, "m")},
    "ring of 5": {**FIXED, "evidence": ring(5)},
    "RDF list of 5": {**FIXED, "evidence": [{"type": "LivenessCheckEvidence", "checks": {"@list": ["a"] * 5}}]},
    "identical siblings": {**_without_id(FIXED), "evidence": [{"type": "LivenessCheckEvidence", "checks": ["a"]}] * 3},
}


@pytest.mark.parametrize("name", list(LOOKALIKES))
def test_bounded_canonicalisation_is_pyld_byte_for_byte(name: str) -> None:
    document = LOOKALIKES[name]
    unbounded = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": LOADER}
    )
    assert canonicalize(document, LOADER) == unbounded


def test_poison_graphs_exceed_the_budget() -> None:
    with pytest.raises(CanonicalizationTooComplex, match="units of RDFC-1\\.0 Hash N-Degree Quads work"):
        canonicalize({**FIXED, "evidence": clique(6)}, LOADER)
    # A long chain of look-alike blank nodes recurses once per node: the depth is bounded too.
    loose = ComplexityLimits(max_blank_nodes=1000, max_hash_work=10**9)
    with pytest.raises(CanonicalizationTooComplex, match="recursion exceeds depth 16"):
        canonicalize({**FIXED, "evidence": ring(40)}, LOADER, limits=loose)


def test_signing_is_bounded_too(issuer: Issuer) -> None:
    with pytest.raises(CanonicalizationTooComplex):
        issuer.issue({**liveness(issuer), "evidence": clique(6)})
    with pytest.raises(CredentialTooComplex):
        issuer.issue(
            {**liveness(issuer), "evidence": [{"type": "LivenessCheckEvidence", "verifier": nested_subject(20)}]}
        )
    assert issuer.store.count() == 0


# the verifier: cheap checks first -------------------------------------------------------------
@pytest.fixture
def canonicalised(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every document the proof code canonicalises (it still canonicalises them)."""
    calls: list[Any] = []
    real = issuer.proofs.canonicalize

    def spy(document: Any, *args: Any, **kwargs: Any) -> str:
        calls.append(document)
        return real(document, *args, **kwargs)

    monkeypatch.setattr(issuer.proofs, "canonicalize", spy)
    return calls


OTHER_DID = "did:key:z6MkhK5BYWX6RUVnxjkJ3hxrRLVCmVoW1pmWG2gDW6bHiqw7"
CHEAP_FAILURES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("short signature", lambda d: d["proof"].update(proofValue=multibase_b58_encode(bytes(32))), "64-byte"),
    ("huge proofValue", lambda d: d["proof"].update(proofValue="z" + "2" * 100_000), "64-byte"),
    ("five proofs", lambda d: d.update(proof=[d["proof"]] * 5), "more than 4 proofs"),
    (
        "a chain to a missing proof",
        lambda d: d.update(proof=[d["proof"], {**d["proof"], "previousProof": "urn:uuid:missing"}]),
        "previousProof names a proof that is not in the set",
    ),
    ("unknown suite", lambda d: d["proof"].update(cryptosuite="ecdsa-rdfc-2019"), "unsupported proof type"),
    ("wrong purpose", lambda d: d["proof"].update(proofPurpose="authentication"), "proofPurpose"),
    ("another DID's key", lambda d: d["proof"].update(verificationMethod=f"{OTHER_DID}#k"), "does not belong"),
    ("not a DID URL", lambda d: d["proof"].update(verificationMethod=d["issuer"]), "not a DID URL of the issuer"),
    ("key not found", lambda d: d["proof"].update(verificationMethod=d["issuer"] + "#other"), "not usable"),
    (
        "unresolvable issuer",
        lambda d: d.update(issuer="did:key:zBAD", proof={**d["proof"], "verificationMethod": "did:key:zBAD#zBAD"}),
        "not usable",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "reason"), CHEAP_FAILURES, ids=[c for c, _, _ in CHEAP_FAILURES])
def test_a_failed_cheap_check_is_a_verdict_without_any_canonicalisation(
    issuer: Issuer, canonicalised: list[Any], case: str, mutate: Callable[[dict[str, Any]], None], reason: str
) -> None:
    # A poison graph past every cap: only a verdict before any JSON-LD work answers it quickly.
    bomb = forged(issuer.issue(liveness(issuer)), evidence=clique(30), credentialSubject=nested_subject(200))
    mutate(bomb)
    canonicalised.clear()  # issuing it canonicalised the genuine credential
    # Trusting the forger too: the cheap proof checks themselves are under test, not the policy.
    policy = issuer.policy.with_options(trusted_issuers=issuer.policy.trusted_issuers | {OTHER_DID, "did:key:zBAD"})
    result = issuer.verify(bomb, policy)
    assert not result.verified
    assert result.errors[0].startswith("proof: ") and reason in result.errors[0]
    assert canonicalised == []


def test_an_untrusted_issuer_costs_no_resolution_and_no_canonicalisation(
    issuer: Issuer, canonicalised: list[Any]
) -> None:
    bomb = forged(issuer.issue(liveness(issuer)), evidence=clique(30), credentialSubject=nested_subject(200))
    bomb.update(issuer="did:web:attacker.example")
    bomb["proof"]["verificationMethod"] = "did:web:attacker.example#key-1"
    canonicalised.clear()

    def no_fetch(did_url: str) -> Any:
        raise AssertionError("an untrusted issuer's DID must not be resolved")

    issuer.resolver.resolve = no_fetch  # type: ignore[method-assign]
    result = issuer.verify(bomb)
    assert not result.verified and result.reasons[0] == "untrusted_issuer"
    assert result.issuer == "did:web:attacker.example" and not result.trusted_issuer
    assert canonicalised == []


def test_a_well_formed_proof_on_a_bomb_is_refused_not_judged(issuer: Issuer, canonicalised: list[Any]) -> None:
    vc = issuer.issue(liveness(issuer))
    canonicalised.clear()
    with pytest.raises(CredentialTooComplex, match="nesting depth"):
        issuer.verify(forged(vc, credentialSubject=nested_subject(200)))
    assert canonicalised == []  # the caps come before canonicalisation
    with pytest.raises(CanonicalizationTooComplex):
        issuer.verify(forged(vc, evidence=clique(6)))


def test_status_and_evidence_wait_for_a_valid_proof(issuer: Issuer) -> None:
    vc = issuer.issue(liveness(issuer, face_match_proof=GROTH16))
    issuer.set_status(vc["id"], "revoked")
    tampered = {**vc, "credentialSubject": {**vc["credentialSubject"], "deviceType": "desktop"}}
    result = issuer.verify(tampered)
    assert result.errors == ["proof: the signature does not verify"]
    assert result.warnings == [
        "status: not checked: the proof does not hold",
        "evidence: not checked: the proof does not hold",
    ]
    assert issuer.verify(vc).errors == ["status: the credential is revoked"]


def test_at_most_two_face_match_proofs_are_checked(tmp_path: Path, clock: Clock) -> None:
    checked: list[Any] = []

    def checker(evidence: Any) -> tuple[bool, str]:
        checked.append(evidence)
        return True, "ok"

    store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'i.db'}", list_size=MIN_LIST_BITS)
    issuer = Issuer(
        Ed25519KeyPair(SEED), store, IssuerConfig(public_url=PUBLIC_URL), evidence_checker=checker, clock=clock
    )
    issuer.start()
    try:
        unsigned = liveness(issuer, face_match_proof=GROTH16)
        unsigned["evidence"] += [unsigned["evidence"][1]] * 2
        result = issuer.verify(issuer.issue(unsigned))
        assert result.errors == ["evidence: more than 2 Groth16 face-match proofs; none checked"]
        assert checked == []
    finally:
        issuer.close()


# status lists from other issuers ---------------------------------------------------------------
def test_foreign_status_lists_past_the_bounds_fail_the_status_check(tmp_path: Path, clock: Clock) -> None:
    other_url = "https://other.example"
    other_store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'other.db'}", list_size=MIN_LIST_BITS)
    other = Issuer(Ed25519KeyPair.generate(), other_store, IssuerConfig(public_url=other_url), clock=clock)
    other.start()
    vc = other.issue(other.liveness_credential(holder_did=HOLDER, device_type="desktop"))
    list_id = vc["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
    genuine = other.status_list_credential(list_id)
    ids = [f"_:n{i}" for i in range(6)]
    lookalikes = [{"id": i, "type": "VerifiableCredential", "evidence": [j for j in ids if j != i]} for i in ids]
    served = {
        "nested": json.dumps({**genuine, "credentialSubject": nested_subject(20)}),
        "past the recursion limit": "[" * 100_000 + "]" * 100_000,
        "poison graph": json.dumps({**genuine, "evidence": lookalikes}),
    }
    body = {"now": ""}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body["now"].encode())

    verifier_store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'me.db'}", list_size=MIN_LIST_BITS)
    me = Issuer(
        Ed25519KeyPair(SEED),
        verifier_store,
        IssuerConfig(
            public_url=PUBLIC_URL,
            trusted_context_urls=(f"{other_url}/contexts/liveness/v1",),
            trusted_issuers=(other.did,),
        ),
        fetcher=Fetcher(transport=httpx.MockTransport(handler)),
        clock=clock,
    )
    me.start()
    try:
        for name, text in served.items():
            body["now"] = text
            errors = me.verify(vc).errors
            assert len(errors) == 1 and errors[0].startswith("status: status list refused: "), (name, errors)
            assert ("canonicalise" in errors[0]) == (name == "poison graph")
        body["now"] = json.dumps(genuine)
        assert me.verify(vc).verified
    finally:
        me.close()
        other.close()
