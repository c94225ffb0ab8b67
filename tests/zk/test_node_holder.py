"""The Node holder library (zk/holder) agrees with Python and its proofs verify everywhere.

Its Poseidon (regenerated constants, Apache-2.0) equals zk.poseidon; ``holderCommitment`` equals
zk.holder_commitment; ``buildInputs`` produces byte-for-byte the JSON of
zk.presentation_inputs; and a proof made by its CLI from a credential, an opening, a secret
file and a request verifies in pure Python (verify_presentation_proof) and passes LivenessGate
in py-evm. Refusals come back as stable codes, without the private values.
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from issuer.zk_presentations import RequestSpec, ZKPresentationVerifier
from tests.issuer.conftest import T0, Clock, make_issuer
from tests.zk.conftest import node
from tests.zk.evm import Account, EVMChain
from tests.zk.gate import Gate, GatePolicy, proof_arguments
from tests.zk.presentation_fixtures import (
    CLAIM,
    HOLDER_SECRET,
    ISSUER,
    OTHER_ISSUER,
    REQUEST,
    SALT,
    SCORE,
    SIGNED,
    TIMESTAMP,
)
from zk import (
    SCALAR_FIELD_ORDER,
    Artifacts,
    LivenessClaim,
    PresentationProof,
    PresentationRequest,
    SignedClaim,
    checks_mask,
    credential_id_hash,
    holder_commitment,
    load_presentation_key,
    poseidon,
    presentation_inputs,
    verify_presentation_proof,
)
from zk.presentation import pseudonym
from zk.presentation_prover import PRESENTATION_CIRCUIT

ROOT = Path(__file__).resolve().parents[2]
HOLDER_DIR = ROOT / "zk" / "holder"
RUNNER = Path(__file__).with_name("holder_run.cjs")
PROVE_CLI = HOLDER_DIR / "prove.cjs"
ARTIFACTS = Artifacts.packaged(PRESENTATION_CIRCUIT)
OPENING = {"score": str(SCORE), "salt": str(SALT)}


def run_holder(job: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [node(), str(RUNNER), str(HOLDER_DIR)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def request_json(request: PresentationRequest) -> dict[str, str]:
    return {name: str(value) for name, value in request.signals().items()}


def build(entry: Any = None, opening: Any = None, secret: Any = None, request: Any = None) -> dict[str, Any]:
    return run_holder(
        {
            "op": "buildInputs",
            "entry": SIGNED.to_json() if entry is None else entry,
            "opening": OPENING if opening is None else opening,
            "secret": str(HOLDER_SECRET) if secret is None else secret,
            "request": request_json(REQUEST) if request is None else request,
        }
    )


def test_poseidon_agrees_with_python_at_every_arity_used() -> None:
    vectors = [[1], [1, 2], [SCALAR_FIELD_ORDER - 1], [SCORE, SALT], list(range(7)), list(range(1, 17))]
    for inputs in vectors:
        answer = run_holder({"op": "poseidon", "inputs": [str(x) for x in inputs]})
        assert int(answer["hash"]) == poseidon(inputs)
    # circomlib's own test vector for Poseidon([1, 2])
    assert poseidon([1, 2]) == 7853200120776062878684798364095072458815029376092732009249414926327459813530


def test_holder_secrets_are_random_field_elements_and_their_commitments_match_python() -> None:
    secrets = [int(s) for s in run_holder({"op": "secret", "count": 64})["secrets"]]
    assert len(set(secrets)) == 64
    assert all(0 < s < SCALAR_FIELD_ORDER for s in secrets)
    assert max(secrets).bit_length() > 250  # drawn from the whole field, not a small range
    for secret in (secrets[0], HOLDER_SECRET):
        answer = run_holder({"op": "commitment", "secret": str(secret)})
        assert int(answer["commitment"]) == holder_commitment(secret)
    assert int(run_holder({"op": "pseudonym", "secret": str(HOLDER_SECRET), "scope": "77"})["pseudonym"]) == (
        pseudonym(HOLDER_SECRET, 77)
    )
    assert run_holder({"op": "pseudonym", "secret": str(HOLDER_SECRET), "scope": "0"})["pseudonym"] == "0"


def test_build_inputs_is_byte_for_byte_presentation_inputs() -> None:
    expected = presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST)
    inputs = build()["inputs"]
    assert json.dumps(inputs) == json.dumps(expected)
    # from a whole credential too, and with the trusted key named in the request
    credential = {"type": ["VerifiableCredential"], "evidence": [{"type": "Other"}, SIGNED.to_json()]}
    request = {
        **request_json(REQUEST),
        "issuerPublicKey": {"x": str(ISSUER.public_key.x), "y": str(ISSUER.public_key.y)},
    }
    assert build(entry=credential, request=request)["inputs"] == expected


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"opening": {"score": str(SCORE + 1), "salt": str(SALT)}}, "opening_mismatch"),
        ({"opening": {"score": str(SCORE), "salt": str(SALT + 1)}}, "opening_mismatch"),
        ({"secret": str(HOLDER_SECRET + 1)}, "secret_mismatch"),
        ({"request": {**request_json(REQUEST), "threshold": str(SCORE + 1)}}, "not_provable"),
        ({"request": {**request_json(REQUEST), "requiredChecks": "8"}}, "not_provable"),  # no 3d_turn
        ({"request": {**request_json(REQUEST), "notBefore": str(TIMESTAMP + 1)}}, "not_provable"),
        ({"request": {**request_json(REQUEST), "atTime": str(CLAIM.valid_until + 1)}}, "not_provable"),
        (
            {"request": {**request_json(REQUEST), "issuerPublicKey": OTHER_ISSUER.public_key.to_json()}},
            "issuer_mismatch",
        ),
        ({"secret": "0" + str(HOLDER_SECRET)}, "invalid_input"),  # not canonical
        ({"secret": str(SCALAR_FIELD_ORDER)}, "invalid_input"),
        ({"opening": {"score": "10001", "salt": str(SALT)}}, "invalid_input"),
        ({"request": {**request_json(REQUEST), "threshold": "-1"}}, "invalid_input"),
        (
            {"request": {**request_json(REQUEST), "issuerKeys": [{"publicKey": OTHER_ISSUER.public_key.to_json()}]}},
            "issuer_mismatch",
        ),
        ({"request": {**request_json(REQUEST), "issuerKeys": {"x": "1"}}}, "invalid_input"),
        ({"entry": {"evidence": []}}, "no_claim"),
    ],
)
def test_build_inputs_refuses_with_a_code_and_without_the_private_values(changes: dict[str, Any], code: str) -> None:
    answer = build(**changes)
    assert answer["error"]["code"] == code
    for private in (SCORE, SALT, HOLDER_SECRET):
        assert str(private) not in answer["error"]["message"]


def test_prove_refuses_inputs_the_circuit_has_no_witness_for() -> None:
    forged = {**presentation_inputs(SIGNED, SCORE, SALT, HOLDER_SECRET, REQUEST), "holderSecret": "1"}
    extra = {**forged, "holderSecret": str(HOLDER_SECRET), "extra": "1"}
    job = {"op": "prove", "inputs": [forged, extra], "wasm": str(ARTIFACTS.wasm), "zkey": str(ARTIFACTS.zkey)}
    answer = run_holder(job)
    rejected, malformed = answer["results"]
    assert rejected["error"]["code"] == "witness_rejected"
    assert str(SALT) not in rejected["error"]["message"]
    assert malformed["error"]["code"] == "invalid_input"


LIBRARY_SCRIPT = """
const holder = require(process.argv[1]);
const [wasm, zkey] = process.argv.slice(2);
let data = "";
process.stdin.on("data", (chunk) => (data += chunk));
process.stdin.on("end", async () => {
    const job = JSON.parse(data);
    const inputs = holder.buildInputs(job.credential, job.opening, job.secret, job.request);
    const made = await holder.prove(inputs, { wasm, zkey });
    await holder.close();
    process.stdout.write(JSON.stringify(made));
});
"""


def test_a_library_proof_verifies_in_python_and_the_process_ends_by_itself() -> None:
    request = PresentationRequest(
        threshold=7000, required_checks=16, not_before=TIMESTAMP, at_time=TIMESTAMP, nonce=99, domain=0, scope=5
    )
    job = {"credential": SIGNED.to_json(), "opening": OPENING, "secret": str(HOLDER_SECRET)}
    result = subprocess.run(
        [node(), "-e", LIBRARY_SCRIPT, str(HOLDER_DIR), str(ARTIFACTS.wasm), str(ARTIFACTS.zkey)],
        input=json.dumps({**job, "request": request_json(request)}),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,  # without holder.close() snarkjs's threads would keep Node alive past this
    )
    assert result.returncode == 0, result.stderr[-2000:]
    made = PresentationProof.from_json(json.loads(result.stdout))
    assert verify_presentation_proof(made, load_presentation_key(), request, [ISSUER.public_key]).verified
    assert made.pseudonym == pseudonym(HOLDER_SECRET, 5)


def _cli_raw(tmp: Path, request: dict[str, Any], credential: Any, opening: Any) -> subprocess.CompletedProcess[str]:
    (tmp / "cred.json").write_text(json.dumps(credential))
    (tmp / "opening.json").write_text(json.dumps(opening))
    (tmp / "secret.txt").write_text(f"{HOLDER_SECRET}\n")
    (tmp / "request.json").write_text(json.dumps(request))
    args = [
        "--credential",
        "cred.json",
        "--opening",
        "opening.json",
        "--secret",
        "secret.txt",
        "--request",
        "request.json",
    ]
    return subprocess.run(
        [node(), str(PROVE_CLI), *args], cwd=tmp, capture_output=True, text=True, check=False, timeout=300
    )


def test_the_cli_answers_a_livecred_verifiers_request_as_it_comes(tmp_path: Path) -> None:
    # The verifier side is the service's own (issuer.zk_presentations), with its stored requests;
    # the claim is signed by the issuer's BabyJubJub key, as issuance does.
    clock = Clock()
    issuer = make_issuer(f"sqlite:///{tmp_path / 'issuer.db'}", clock)
    try:
        now = int(T0.timestamp())
        claim = LivenessClaim(
            score_commitment=poseidon([SCORE, SALT]),
            checks=checks_mask(["antispoof", "challenges", "face_match"]),
            timestamp=now - 600,
            valid_until=now + 365 * 86400,
            credential_id_hash=credential_id_hash("urn:uuid:5e0b8f3c-1111-4222-8333-944455556666"),
            holder_commitment=holder_commitment(HOLDER_SECRET),
        )
        signed = SignedClaim.sign(claim, issuer.babyjubjub, verification_method=issuer.babyjubjub_method)
        issuance = {"credential": {"evidence": [signed.to_json()]}, "zkClaimOpening": OPENING}
        verifier = ZKPresentationVerifier(
            issuer.zk_requests, issuer.zk_keys, load_presentation_key, min_threshold=6000, clock=clock
        )
        spec = RequestSpec(threshold=7000, max_age=timedelta(hours=1), domain="https://rp.example", scope="signup")
        stored = verifier.create_request(spec)

        result = _cli_raw(tmp_path, stored.request, issuance, issuance)
        assert result.returncode == 0, result.stderr[-2000:]
        answer = json.loads(result.stdout)
        verdict = verifier.verify(answer, request_id=stored.id)
        assert verdict.verified and verdict.issuer == issuer.did, verdict
        assert verdict.pseudonym is not None and int(verdict.pseudonym) != 0
        # A claim by a key this verifier does not trust: the holder is told before proving.
        stranger = SignedClaim.sign(claim, OTHER_ISSUER)
        refused = _cli_raw(tmp_path, stored.request, {"credential": {"evidence": [stranger.to_json()]}}, OPENING)
        assert refused.returncode == 1 and json.loads(refused.stderr)["error"]["code"] == "issuer_mismatch"
    finally:
        issuer.close()


def _cli(
    tmp: Path, request: PresentationRequest, *, secret_via_stdin: bool = False
) -> subprocess.CompletedProcess[str]:
    (tmp / "cred.json").write_text(json.dumps({"evidence": [SIGNED.to_json()]}))
    (tmp / "opening.json").write_text(json.dumps(OPENING))
    (tmp / "secret.txt").write_text(f"{HOLDER_SECRET}\n")
    (tmp / "request.json").write_text(json.dumps(request_json(request)))
    secret = "-" if secret_via_stdin else "secret.txt"
    args = ["--credential", "cred.json", "--opening", "opening.json", "--secret", secret, "--request", "request.json"]
    return subprocess.run(
        [node(), str(PROVE_CLI), *args, "--out", "presentation.json"],
        cwd=tmp,
        input=f"{HOLDER_SECRET}\n" if secret_via_stdin else None,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_cli_proof_verifies_in_python_and_passes_the_gate(tmp_path: Path) -> None:
    deployer, holder = Account(0xD0), Account(0xA1)
    now = TIMESTAMP + 86400
    scope = 424242
    policy = GatePolicy(ISSUER.public_key.x, ISSUER.public_key.y, 6000, 3, 30 * 86400, 600, REQUEST.domain, scope)

    def fresh_gate() -> Gate:
        chain = EVMChain([deployer, holder])
        chain.timestamp = now
        return Gate(chain, deployer, policy)

    nonce = fresh_gate().nonce_of(holder)
    request = PresentationRequest(
        threshold=6500,
        required_checks=3,
        not_before=now - 30 * 86400,
        at_time=now,
        nonce=nonce,
        domain=REQUEST.domain,
        scope=scope,
    )
    result = _cli(tmp_path, request, secret_via_stdin=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == ""
    made = PresentationProof.from_json(json.loads((tmp_path / "presentation.json").read_text()))
    key = load_presentation_key()
    assert verify_presentation_proof(made, key, request, [ISSUER.public_key]).verified
    assert not verify_presentation_proof(made, key, request, [OTHER_ISSUER.public_key]).verified
    assert made.pseudonym == pseudonym(HOLDER_SECRET, scope)

    gate = fresh_gate()
    presented = gate.present(holder, proof_arguments(made))
    assert presented.success, presented.output.hex()
    (event,) = gate.presented_events(presented)
    assert (event.holder, event.pseudonym, event.threshold) == (holder.address, made.pseudonym, 6500)


def test_the_cli_reports_a_claim_it_cannot_prove_without_leaking(tmp_path: Path) -> None:
    request = PresentationRequest(
        threshold=SCORE + 1, required_checks=0, not_before=0, at_time=TIMESTAMP, nonce=1, domain=0, scope=0
    )
    result = _cli(tmp_path, request)
    assert result.returncode == 1
    assert json.loads(result.stderr)["error"]["code"] == "not_provable"
    assert not (tmp_path / "presentation.json").exists()
    for private in (SCORE, SALT, HOLDER_SECRET):
        assert str(private) not in result.stderr + result.stdout


def test_the_cli_explains_its_usage() -> None:
    result = subprocess.run(
        [node(), str(PROVE_CLI), "--credential", "x.json"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 2 and "usage: prove.cjs" in result.stderr
