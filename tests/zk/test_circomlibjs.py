"""The independent check of BabyJubJub and EdDSA-Poseidon: circomlibjs (iden3's JavaScript
reference for circomlib's circuits, a dev dependency) against ``zk.eddsa`` / ``zk._babyjub``.

One Node process answers a batch of questions (``circomlibjs_check.cjs``): curve constants,
point addition and scalar multiplication, subgroup membership, Poseidon of the claim's width,
circomlibjs' own verifier on our signatures (valid ones accepted, tampered ones refused), and
our verifier on circomlibjs' signatures.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.zk.conftest import NODE_MODULES, node
from tests.zk.test_eddsa import ORDER_2, _order_8_point
from zk import (
    BabyJubJubKey,
    BabyJubJubPublicKey,
    EdDSASignature,
    LivenessClaim,
    SignedClaim,
    poseidon,
    verify_eddsa_poseidon,
)
from zk import _babyjub as bjj

SCRIPT = Path(__file__).with_name("circomlibjs_check.cjs")


def circomlibjs(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert (NODE_MODULES / "circomlibjs" / "package.json").is_file(), "run `npm ci --prefix zk` (dev dependencies)"
    result = subprocess.run(
        [node(), str(SCRIPT), str(NODE_MODULES)],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answers: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(answers) == len(requests)
    return answers


def _pt(point: bjj.Point) -> list[str]:
    return [str(point[0]), str(point[1])]


def _verify_request(public: BabyJubJubPublicKey, message: int, signature: EdDSASignature) -> dict[str, Any]:
    return {
        "op": "verify",
        "msg": str(message),
        "A": _pt(public.point),
        "R8": [str(signature.r8x), str(signature.r8y)],
        "S": str(signature.s),
    }


KEYS = [BabyJubJubKey.from_seed(bytes([i]) * 32) for i in range(3)]
SCALARS = [1, 2, 7, 8, 2**64 + 3, bjj.SUBGROUP_ORDER - 1, bjj.SUBGROUP_ORDER, 8 * bjj.SUBGROUP_ORDER - 1, 2**253 + 11]


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    """Every question for circomlibjs in one batch (one Node start), keyed by name."""
    eight = _order_8_point()
    claim = LivenessClaim(poseidon([6100, 77]), 19, 1767225600, 1798761600, 2**252 + 5, poseidon([31337]))
    signed = SignedClaim.sign(claim, KEYS[0])
    questions: dict[str, dict[str, Any]] = {"base8": {"op": "base8"}}
    for i, k in enumerate(SCALARS):
        questions[f"mul-base8-{i}"] = {"op": "mul", "point": _pt(bjj.BASE8), "scalar": str(k)}
        questions[f"mul-key-{i}"] = {"op": "mul", "point": _pt(KEYS[1].public_key.point), "scalar": str(k)}
        questions[f"mul-torsion-{i}"] = {"op": "mul", "point": _pt(eight), "scalar": str(k)}
    for i, key in enumerate(KEYS):
        questions[f"pub-{i}"] = {"op": "mul", "point": _pt(bjj.BASE8), "scalar": str(key.scalar)}
        questions[f"add-{i}"] = {"op": "add", "p1": _pt(key.public_key.point), "p2": _pt(bjj.BASE8)}
    questions["add-torsion"] = {"op": "add", "p1": _pt(KEYS[0].public_key.point), "p2": _pt(eight)}
    for name, point in {"base8": bjj.BASE8, "order2": ORDER_2, "order8": eight}.items():
        questions[f"sub-{name}"] = {"op": "inSubgroup", "point": _pt(point)}
    questions["curve-off"] = {"op": "inCurve", "point": ["1", "2"]}
    questions["poseidon-claim"] = {"op": "poseidon", "inputs": [str(v) for v in (signed.claim.message(), 1, 2)]}
    questions["poseidon-7"] = {"op": "poseidon", "inputs": [str(v) for v in (1, 2, 3, 4, 5, 6, 7)]}
    questions["poseidon-5"] = {"op": "poseidon", "inputs": [str(v) for v in (11, 22, 33, 44, 55)]}
    # Our signatures, valid and tampered, for circomlibjs' verifier.
    message = signed.claim.message()
    sig = signed.signature
    questions["verify-claim"] = _verify_request(signed.public_key, message, sig)
    for i, key in enumerate(KEYS):
        for m in (0, 1, 2**253 + 1):
            questions[f"verify-{i}-{m}"] = _verify_request(key.public_key, m, key.sign(m))
    questions["tamper-message"] = _verify_request(signed.public_key, message + 1, sig)
    questions["tamper-S"] = _verify_request(signed.public_key, message, replace(sig, s=sig.s + 1))
    r8 = bjj.add((sig.r8x, sig.r8y), bjj.BASE8)
    questions["tamper-R8"] = _verify_request(signed.public_key, message, replace(sig, r8x=r8[0], r8y=r8[1]))
    questions["tamper-key"] = _verify_request(KEYS[1].public_key, message, sig)
    # circomlibjs' own signatures, for our verifier.
    for i in range(3):
        questions[f"sign-{i}"] = {"op": "sign", "prv": f"{i + 1:02x}" * 32, "msg": str(message + i)}
    names = list(questions)
    return dict(zip(names, circomlibjs([questions[n] for n in names]), strict=True)) | {"_claim": signed}


def _point(value: list[str]) -> bjj.Point:
    return int(value[0]), int(value[1])


def test_curve_constants_agree(answers: dict[str, Any]) -> None:
    assert _point(answers["base8"]["base8"]) == bjj.BASE8
    assert int(answers["base8"]["subOrder"]) == bjj.SUBGROUP_ORDER


def test_scalar_multiplication_and_addition_agree(answers: dict[str, Any]) -> None:
    eight = _order_8_point()
    for i, k in enumerate(SCALARS):
        assert _point(answers[f"mul-base8-{i}"]["point"]) == bjj.mul(bjj.BASE8, k), k
        assert _point(answers[f"mul-key-{i}"]["point"]) == bjj.mul(KEYS[1].public_key.point, k), k
        assert _point(answers[f"mul-torsion-{i}"]["point"]) == bjj.mul(eight, k), k
    for i, key in enumerate(KEYS):
        assert _point(answers[f"pub-{i}"]["point"]) == key.public_key.point
        assert _point(answers[f"add-{i}"]["point"]) == bjj.add(key.public_key.point, bjj.BASE8)
    assert _point(answers["add-torsion"]["point"]) == bjj.add(KEYS[0].public_key.point, eight)


def test_subgroup_membership_agrees(answers: dict[str, Any]) -> None:
    assert answers["sub-base8"]["result"] is True
    assert answers["sub-order2"]["result"] is False and not bjj.in_subgroup(ORDER_2)
    assert answers["sub-order8"]["result"] is False and not bjj.in_subgroup(_order_8_point())
    assert answers["curve-off"]["result"] is False and not bjj.is_on_curve((1, 2))


def test_poseidon_agrees_at_the_widths_used(answers: dict[str, Any]) -> None:
    signed = answers["_claim"]
    assert int(answers["poseidon-claim"]["hash"]) == poseidon([signed.claim.message(), 1, 2])
    assert int(answers["poseidon-7"]["hash"]) == poseidon([1, 2, 3, 4, 5, 6, 7])
    assert int(answers["poseidon-5"]["hash"]) == poseidon([11, 22, 33, 44, 55])


def test_circomlibjs_accepts_our_signatures(answers: dict[str, Any]) -> None:
    assert answers["verify-claim"]["result"] is True
    for i in range(len(KEYS)):
        for m in (0, 1, 2**253 + 1):
            assert answers[f"verify-{i}-{m}"]["result"] is True, (i, m)


@pytest.mark.parametrize("tamper", ["message", "S", "R8", "key"])
def test_circomlibjs_refuses_tampered_signatures(answers: dict[str, Any], tamper: str) -> None:
    assert answers[f"tamper-{tamper}"]["result"] is False


def test_we_accept_circomlibjs_signatures(answers: dict[str, Any]) -> None:
    message = answers["_claim"].claim.message()
    for i in range(3):
        signed = answers[f"sign-{i}"]
        public = BabyJubJubPublicKey(*_point(signed["A"]))
        signature = EdDSASignature(int(signed["R8"][0]), int(signed["R8"][1]), int(signed["S"]))
        assert verify_eddsa_poseidon(public, message + i, signature)
        assert not verify_eddsa_poseidon(public, message + i + 1, signature)
