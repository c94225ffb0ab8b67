"""Presentation requests, inputs and proof JSON, without a prover: ranges, the circuit's input
names, the openings, strict parsing, and the checks that come before the pairing."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest

from tests.zk.presentation_fixtures import HOLDER_SECRET, ISSUER, OTHER_ISSUER, REQUEST, SALT, SCORE, SIGNED
from zk import (
    CLAIM_TAG,
    PRESENTATION_SIGNALS,
    SCALAR_FIELD_ORDER,
    G1Point,
    G2Point,
    Groth16Proof,
    InvalidClaim,
    InvalidPresentationRequest,
    MalformedProof,
    PresentationProof,
    PresentationRequest,
    RemoteWorker,
    domain_hash,
    presentation_inputs,
)
from zk.keys import CIRCUITS
from zk.presentation import check_presentation

CIRCUIT = CIRCUITS["presentation"].source.read_text()


def test_the_circuit_uses_the_claim_tag_and_the_signal_order() -> None:
    main = CIRCUIT[CIRCUIT.index("component main") :]
    assert str(CLAIM_TAG) in main
    public = re.search(r"public \[([^\]]*)\]", main)
    assert public is not None
    assert ["pseudonym", *(s.strip() for s in public.group(1).split(","))] == list(PRESENTATION_SIGNALS)


def test_inputs_name_every_circuit_input_once() -> None:
    inputs = presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST)
    declared = re.findall(r"signal input (\w+);", CIRCUIT[: CIRCUIT.index("component main")])
    template = CIRCUIT[CIRCUIT.index("template Presentation") :]
    assert sorted(inputs) == sorted(re.findall(r"signal input (\w+);", template))
    assert set(inputs) <= set(declared)
    assert all(re.fullmatch(r"0|[1-9][0-9]*", v) for v in inputs.values())
    assert inputs["issuerAx"] == str(ISSUER.public_key.x) and inputs["S"] == str(SIGNED.signature.s)
    assert inputs["nonce"] == str(REQUEST.nonce) and inputs["scope"] == "0"


@pytest.mark.parametrize(
    ("score", "salt", "secret"),
    [(SCORE + 1, SALT, HOLDER_SECRET), (SCORE, SALT + 1, HOLDER_SECRET), (SCORE, SALT, HOLDER_SECRET + 1)],
    ids=["score", "salt", "holder-secret"],
)
def test_inputs_refuse_openings_that_are_not_the_claims(score: int, salt: int, secret: int) -> None:
    with pytest.raises(InvalidClaim):
        presentation_inputs(SIGNED, score, salt, secret, REQUEST)


def test_inputs_refuse_values_outside_their_ranges() -> None:
    for args in ((10_001, SALT, HOLDER_SECRET), (-1, SALT, HOLDER_SECRET), (SCORE, SCALAR_FIELD_ORDER, 1)):
        with pytest.raises(InvalidClaim):
            presentation_inputs(SIGNED, *args, REQUEST)


def test_domain_hash_follows_the_spec() -> None:
    digest = hashlib.sha256(b"https://verifier.example").digest()
    assert domain_hash("https://verifier.example") == int.from_bytes(digest, "big") >> 3
    with pytest.raises(InvalidPresentationRequest):
        domain_hash("")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("threshold", -1),
        ("threshold", 10_001),
        ("required_checks", 256),
        ("not_before", 2**40),
        ("at_time", -5),
        ("nonce", SCALAR_FIELD_ORDER),
        ("domain", SCALAR_FIELD_ORDER + 1),
        ("scope", -1),
        ("threshold", True),
        ("threshold", "6000"),
    ],
)
def test_requests_are_range_checked(field: str, value: Any) -> None:
    with pytest.raises(InvalidPresentationRequest):
        replace(REQUEST, **{field: value})


def _fake_proof(signals: list[int]) -> PresentationProof:
    g1 = G1Point(1, 2)
    g2 = G2Point((1, 2), (3, 4))
    return PresentationProof(Groth16Proof(g1, g2, g1), tuple(signals))


def _signals(request: PresentationRequest = REQUEST, key: Any = ISSUER.public_key, pseudonym: int = 0) -> list[int]:
    return [pseudonym, key.x, key.y, *request.signals().values()]


def test_checks_before_the_pairing() -> None:
    trusted = [ISSUER.public_key]
    assert check_presentation(_fake_proof(_signals()), REQUEST, trusted) == ()
    assert check_presentation(_fake_proof(_signals(key=OTHER_ISSUER.public_key)), REQUEST, trusted) == (
        "untrusted_issuer_key",
    )
    assert check_presentation(_fake_proof(_signals()), REQUEST, []) == ("untrusted_issuer_key",)
    expected = {
        "threshold": "threshold_mismatch",
        "required_checks": "required_checks_mismatch",
        "not_before": "not_before_mismatch",
        "at_time": "at_time_mismatch",
        "nonce": "nonce_mismatch",
        "domain": "domain_mismatch",
        "scope": "scope_mismatch",
    }
    for field, reason in expected.items():
        other = replace(REQUEST, **{field: getattr(REQUEST, field) + 1})
        assert check_presentation(_fake_proof(_signals(other)), REQUEST, trusted) == (reason,), field
    assert check_presentation(_fake_proof(_signals()[:9]), REQUEST, trusted) == ("public_signals_malformed",)


def test_proof_json_is_parsed_strictly() -> None:
    proof = _fake_proof(_signals())
    data = proof.to_json()
    assert PresentationProof.from_json(data) == proof
    assert proof.issuer_key == ISSUER.public_key.point and proof.pseudonym == 0
    bad: list[Any] = [
        {**data, "extra": 1},
        {"proof": data["proof"]},
        {**data, "publicSignals": data["publicSignals"][:9]},
        {**data, "publicSignals": [*data["publicSignals"], "0"]},
        {**data, "publicSignals": [str(SCALAR_FIELD_ORDER), *data["publicSignals"][1:]]},
        {**data, "publicSignals": ["-1", *data["publicSignals"][1:]]},
        {**data, "publicSignals": [0, *data["publicSignals"][1:]]},
        {**data, "proof": {**data["proof"], "pi_z": []}},
        {**data, "proof": {**data["proof"], "protocol": "plonk"}},
        {**data, "proof": "proof"},
        [data],
    ]
    for value in bad:
        with pytest.raises(MalformedProof):
            PresentationProof.from_json(value)


def test_a_remote_worker_names_the_circuit_and_a_face_match_job_does_not() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True, "proof": {}, "publicSignals": [], "ms": 1.0})

    worker = RemoteWorker("http://prover.invalid", transport=httpx.MockTransport(handler))
    inputs = presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST)
    worker.prove(inputs, circuit="presentation")
    worker.prove({"score": "1"})
    worker.close()
    assert seen == [{"input": inputs, "circuit": "presentation"}, {"input": {"score": "1"}}]
