"""The wallet page's Poseidon, holder secret and circuit input (``web/poseidon.js``, ``web/zkholder.js``),
run in Node.js and checked against the service's Python (``zk.poseidon``, itself checked against
circomlib and the compiled circuit; ``zk.presentation.presentation_inputs``) and circomlib's
published test vectors."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.zk.presentation_fixtures import (
    CHECKS,
    HOLDER_SECRET,
    OTHER_ISSUER,
    REQUEST,
    SALT,
    SCORE,
    SIGNED,
    TIMESTAMP,
    VALID_UNTIL,
)
from zk import SCALAR_FIELD_ORDER, PresentationRequest, poseidon
from zk.presentation import presentation_inputs

WEB = REPO_ROOT / "livecred" / "web"
# circomlib's test/poseidon.js: Poseidon([1, 2]) and Poseidon([1, 2, 3, 4]); and Poseidon([1]).
CIRCOMLIB_VECTORS = {
    (1, 2): 7853200120776062878684798364095072458815029376092732009249414926327459813530,
    (1, 2, 3, 4): 18821383157269793795438455681495246036402687001665670618754263018637548127333,
}


def run_module(script: str) -> Any:
    node = shutil.which("node")
    assert node, "Node.js is required by the zk tests (see README: npm ci --prefix zk)"
    result = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def js_poseidon(inputs: list[list[int]]) -> list[int]:
    script = f"""
        import {{ poseidon }} from {json.dumps((WEB / "poseidon.js").as_uri())};
        const inputs = {json.dumps([[str(x) for x in row] for row in inputs])};
        console.log(JSON.stringify(inputs.map((row) => poseidon(row.map(BigInt)).toString())));
    """
    return [int(x) for x in run_module(script)]


def test_circomlib_vectors() -> None:
    rows = [list(k) for k in CIRCOMLIB_VECTORS]
    assert js_poseidon(rows) == list(CIRCOMLIB_VECTORS.values())


def test_equals_the_python_poseidon_on_random_field_elements() -> None:
    rng = random.Random(18)
    rows = [[rng.randrange(SCALAR_FIELD_ORDER) for _ in range(n)] for n in (1, 1, 2, 2, 3, 6)]
    rows += [[0], [SCALAR_FIELD_ORDER - 1], [10_000, SCALAR_FIELD_ORDER - 1]]
    assert js_poseidon(rows) == [poseidon(row) for row in rows]


def test_refuses_what_is_not_a_field_element() -> None:
    script = f"""
        import {{ poseidon }} from {json.dumps((WEB / "poseidon.js").as_uri())};
        const refused = [[], [{SCALAR_FIELD_ORDER}n], [-1n], [1], Array(17).fill(1n)].map((row) => {{
          try {{ poseidon(row); return false; }} catch (err) {{ return err instanceof RangeError; }}
        }});
        console.log(JSON.stringify(refused));
    """
    assert run_module(script) == [True] * 5


def test_the_holder_secret_is_rejection_sampled_below_the_field_order() -> None:
    # A source whose first draws are >= r or zero after masking: they must be drawn again.
    script = f"""
        import {{ drawHolderSecret, holderCommitment }} from {json.dumps((WEB / "zkholder.js").as_uri())};
        const counting = Uint8Array.from({{ length: 32 }}, (_, i) => i);
        const draws = [new Uint8Array(32).fill(0xff), new Uint8Array(32), counting];
        let calls = 0;
        const secret = drawHolderSecret((bytes) => {{ bytes.set(draws[calls++]); return bytes; }});
        const fresh = new Set(Array.from({{ length: 64 }}, () => drawHolderSecret().toString()));
        console.log(JSON.stringify({{ secret: secret.toString(), calls, fresh: [...fresh],
                                     commitment: holderCommitment(secret).toString() }}));
    """
    answer = run_module(script)
    # 0xff.. masked to 0x3fff.. is above r; all zeros is not a usable secret; the third is taken.
    assert answer["calls"] == 3
    expected = int.from_bytes(bytes(range(32)), "big")
    assert int(answer["secret"]) == expected
    assert int(answer["commitment"]) == poseidon([expected])
    fresh = [int(x) for x in answer["fresh"]]
    assert len(fresh) == 64 and all(0 < x < SCALAR_FIELD_ORDER for x in fresh)
    assert max(fresh).bit_length() > 250  # 254-bit draws, not 32- or 53-bit ones


@pytest.mark.parametrize("bad", ["-1", "1e3", "0x10", str(SCALAR_FIELD_ORDER), "", "12 "])
def test_a_request_that_is_not_field_elements_is_refused(bad: str) -> None:
    request = {
        "id": "zkr_test",
        "threshold": "6000",
        "requiredChecks": "3",
        "notBefore": "0",
        "atTime": "1",
        "nonce": bad,
        "domain": "0",
        "scope": "0",
    }
    script = f"""
        import {{ parseRequest }} from {json.dumps((WEB / "zkholder.js").as_uri())};
        try {{ parseRequest({json.dumps(json.dumps(request))}); console.log('"accepted"'); }}
        catch (err) {{ console.log(JSON.stringify(err.code)); }}
    """
    assert run_module(script) == "invalid_request"


# --- the circuit's input, as the page builds it ---------------------------------------------------


def js_build(credential: dict[str, Any], opening: dict[str, str], secret: int, request: dict[str, Any]) -> Any:
    script = f"""
        import {{ buildInputs, parseRequest }} from {json.dumps((WEB / "zkholder.js").as_uri())};
        const [credential, opening, secret, request] = {json.dumps([credential, opening, str(secret), request])};
        try {{
          const input = buildInputs({{ credential, opening, secret: BigInt(secret), request: parseRequest(request) }});
          console.log(JSON.stringify({{ json: JSON.stringify(input) }}));
        }} catch (err) {{ console.log(JSON.stringify({{ code: err.code, unmet: err.unmet || null }})); }}
    """
    return run_module(script)


def request_json(request: PresentationRequest) -> dict[str, str]:
    return {"id": "zkr_test", **{name: str(value) for name, value in request.signals().items()}}


def test_the_page_builds_byte_identical_inputs_to_the_service() -> None:
    credential = {"id": "urn:uuid:3f1d0c52-64c5-4bd4-9d0e-5c8b6a9f2e11", "evidence": [SIGNED.to_json()]}
    opening = {"score": str(SCORE), "salt": str(SALT)}
    answer = js_build(credential, opening, HOLDER_SECRET, request_json(REQUEST))
    expected = presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST)
    assert answer["json"] == json.dumps(expected, separators=(",", ":"))


@pytest.mark.parametrize(
    ("change", "unmet"),
    [
        ({"threshold": SCORE + 1}, ["threshold"]),
        ({"required_checks": CHECKS | 8}, ["requiredChecks"]),
        ({"not_before": TIMESTAMP + 1}, ["notBefore"]),
        ({"at_time": VALID_UNTIL + 1, "threshold": 10000}, ["threshold", "atTime"]),
    ],
)
def test_a_request_the_credential_cannot_meet_is_named_before_proving(change: dict[str, int], unmet: list[str]) -> None:
    credential = {"evidence": [SIGNED.to_json()]}
    opening = {"score": str(SCORE), "salt": str(SALT)}
    answer = js_build(credential, opening, HOLDER_SECRET, request_json(replace(REQUEST, **change)))
    assert answer == {"code": "cannot_satisfy", "unmet": unmet}


def test_a_wrong_opening_or_secret_is_refused() -> None:
    credential = {"evidence": [SIGNED.to_json()]}
    wrong_salt = js_build(
        credential, {"score": str(SCORE), "salt": str(SALT + 1)}, HOLDER_SECRET, request_json(REQUEST)
    )
    assert wrong_salt["code"] == "opening_mismatch"
    wrong_secret = js_build(
        credential, {"score": str(SCORE), "salt": str(SALT)}, HOLDER_SECRET + 1, request_json(REQUEST)
    )
    assert wrong_secret["code"] == "secret_mismatch"
    no_claim = js_build(
        {"evidence": []}, {"score": str(SCORE), "salt": str(SALT)}, HOLDER_SECRET, request_json(REQUEST)
    )
    assert no_claim["code"] == "no_claim"


def test_a_request_that_trusts_other_issuers_is_named_before_proving() -> None:
    credential = {"evidence": [SIGNED.to_json()]}
    opening = {"score": str(SCORE), "salt": str(SALT)}
    other = {"issuer": "did:key:other", "publicKey": OTHER_ISSUER.public_key.to_json()}
    mine = {"issuer": "did:web:issuer.example", "publicKey": SIGNED.public_key.to_json()}
    refused = js_build(credential, opening, HOLDER_SECRET, {**request_json(REQUEST), "issuerKeys": [other]})
    assert refused == {"code": "cannot_satisfy", "unmet": ["issuer"]}
    accepted = js_build(credential, opening, HOLDER_SECRET, {**request_json(REQUEST), "issuerKeys": [other, mine]})
    assert "json" in accepted
    no_id = js_build(credential, opening, HOLDER_SECRET, {k: v for k, v in request_json(REQUEST).items() if k != "id"})
    assert no_id["code"] == "invalid_request"
