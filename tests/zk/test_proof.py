"""The proof's JSON form: round trip, and strict parsing of untrusted proof JSON."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.zk.conftest import NONCE, THRESHOLD
from zk import FaceMatchProof, MalformedProof
from zk._field import BASE_FIELD_MODULUS


def test_json_round_trip(proof: FaceMatchProof) -> None:
    data = json.loads(json.dumps(proof.to_json()))
    assert FaceMatchProof.from_json(data) == proof
    assert data["threshold"] == THRESHOLD and data["nonce"] == str(NONCE) and data["scale"] == 10_000
    assert data["publicSignals"] == [str(THRESHOLD), data["commitment"], str(NONCE)]
    assert data["proof"]["protocol"] == "groth16" and data["proof"]["curve"] == "bn128"


def _edit(proof: FaceMatchProof, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(proof.to_json())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("proof", "pi_a", 0), 123),  # a number, not a decimal string
        (("proof", "pi_a", 0), "0123"),  # not canonical
        (("proof", "pi_a", 0), "-5"),
        (("proof", "pi_a", 0), str(BASE_FIELD_MODULUS)),  # coordinate outside F_q
        (("proof", "pi_a", 2), "2"),  # not affine
        (("proof", "pi_b", 2), ["0", "0"]),  # the point at infinity's encoding
        (("proof", "pi_b", 0), ["1"]),
        (("proof", "protocol"), "plonk"),
        (("publicSignals",), []),
        (("publicSignals", 0), "6e3"),
        (("nonce",), None),
        (("threshold",), True),
        (("scale",), 100),
    ],
)
def test_malformed_json_is_refused(proof: FaceMatchProof, path: tuple[Any, ...], value: Any) -> None:
    with pytest.raises(MalformedProof):
        FaceMatchProof.from_json(_edit(proof, path, value))


def test_missing_fields_are_named(proof: FaceMatchProof) -> None:
    data = proof.to_json()
    del data["commitment"], data["proof"]["pi_c"]
    with pytest.raises(MalformedProof, match="commitment"):
        FaceMatchProof.from_json(data)
    with pytest.raises(MalformedProof, match="an object"):
        FaceMatchProof.from_json([1, 2])
