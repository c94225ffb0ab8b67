"""Zero-knowledge presentations over HTTP: a holder that passed a live session (scripted judge, real
prover, real credential) proves to a verifier that chose its own threshold, checks, time bound,
nonce, domain and scope; the verifier accepts it once and learns nothing else. Then the attacks:
another issuer's key, an untrusted key, a lower score, an old liveness check, another holder's
secret, a replayed proof, tampered public signals, malformed proofs and hostile JSON.

Proofs are made by zk-core's ``PresentationProver`` over the Node worker with the committed
presentation artifacts, exactly as a holder would make them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from did import DIDDocument, DIDResolver, KeyDIDResolver
from issuer.zk_presentations import (
    RequestSpec,
    TrustedIssuerKeys,
    TrustedKey,
    ZKPresentationVerifier,
    request_from_json,
)
from livecred import Settings, create_app
from livecred.issuer_setup import issuer_config
from livecred.routes import capture as capture_route
from tests.api.test_sessions import ID_CARD, Takes, _settings
from tests.api.wallet_client import Holder, VirtualClock, capture, encode_png, open_session, person_frames
from tests.conftest import MODELS_DIR
from tests.wallet.people import Person
from zk import (
    Artifacts,
    BabyJubJubKey,
    InvalidClaim,
    NodeWorker,
    NodeWorkerConfig,
    PresentationProver,
    SignedClaim,
    WitnessRejected,
    domain_hash,
    load_presentation_key,
    poseidon,
)

AUD = "http://127.0.0.1:5003"
REQUESTS = "/zk/presentations/requests"
VERIFY = "/zk/presentations/verify"


@pytest.fixture(scope="module")
def takes() -> Iterator[Takes]:
    scripted = Takes()
    patch = pytest.MonkeyPatch()
    patch.setattr(capture_route, "open_take", scripted)
    yield scripted
    patch.undo()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, takes: Takes) -> Iterator[TestClient]:
    settings: Settings = _settings(tmp_path_factory.mktemp("zkp"), lockout_failures=50)
    with TestClient(create_app(settings)) as test_client:
        test_client.app.state.capture_clock = VirtualClock()  # type: ignore[attr-defined]
        yield test_client


@pytest.fixture(scope="module")
def prover() -> Iterator[PresentationProver]:
    worker = NodeWorker(
        NodeWorkerConfig(artifacts=Artifacts.packaged(), circuits=(Artifacts.packaged("presentation"),))
    )
    holder_prover = PresentationProver(worker, load_presentation_key())
    holder_prover.start()
    yield holder_prover
    holder_prover.close()


@pytest.fixture(scope="module")
def holder(client: TestClient) -> Holder:
    """A holder that passed a live session with a face match (the scripted judge's 0.91)."""
    person = Holder()
    opened = open_session(client, person, face_match=True, aud=AUD)
    assert opened.status_code == 201, opened.text
    session = opened.json()
    clock = client.app.state.capture_clock  # type: ignore[attr-defined]
    result = capture(client, session, person_frames(Person()), clock, id_image=ID_CARD, encode=encode_png)
    assert result["passed"], result
    proof = person.proof(session["nonce"], AUD)
    answer = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert answer.status_code == 201, answer.text
    person.keep(answer.json()["credential"], answer.json()["zkClaimOpening"])
    return person


def _signed(holder: Holder) -> SignedClaim:
    assert holder.credential is not None
    entry = next(e for e in holder.credential["evidence"] if e["type"] == "LivenessClaimSignature")
    return SignedClaim.from_json(entry)


def _ask(client: TestClient, **choices: Any) -> dict[str, Any]:
    answer = client.post(REQUESTS, json={"requiredChecks": ["antispoof", "face_match"], **choices})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _prove(
    prover: PresentationProver,
    holder: Holder,
    request: dict[str, Any],
    *,
    signed: SignedClaim | None = None,
    secret: int | None = None,
) -> dict[str, Any]:
    assert holder.opening is not None
    proved = prover.prove(
        signed or _signed(holder),
        score=int(holder.opening["score"]),
        salt=int(holder.opening["salt"]),
        holder_secret=holder.secret if secret is None else secret,
        request=request_from_json(request),
    )
    return proved.proof.to_json()


def _verify(client: TestClient, request: dict[str, Any], proof: dict[str, Any], **extra: Any) -> Any:
    return client.post(VERIFY, json={"requestId": request["id"], **proof, **extra})


# the honest path ---------------------------------------------------------------------------------
def test_a_verifier_accepts_the_holders_proof_once_and_learns_nothing_else(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    request = _ask(client, threshold=8000, maxAgeSeconds=3600, domain="https://rp.example", scope="signup")
    assert request["threshold"] == "8000" and request["domain"] == str(domain_hash("https://rp.example"))
    assert request["requiredCheckNames"] == ["antispoof", "face_match"] and request["requiredChecks"] == "17"
    assert int(request["atTime"]) - int(request["notBefore"]) == 3600
    issuer = client.get("/issuer").json()
    own = {"issuer": issuer["did"], "publicKey": _signed(holder).public_key.to_json()}
    assert own in request["issuerKeys"]
    proof = _prove(prover, holder, request)
    answer = _verify(client, request, proof)
    assert answer.status_code == 200, answer.text
    verdict = answer.json()
    assert verdict["verified"] and verdict["reasons"] == [] and verdict["issuer"] == issuer["did"]
    assert verdict["pseudonym"] == str(poseidon([holder.secret, domain_hash("signup")]))
    # Nothing of the credential travels: no id, no DID, no score, no commitment.
    assert holder.credential is not None and holder.opening is not None
    sent = json.dumps(proof)
    claim = _signed(holder).claim
    for private in (holder.credential["id"], holder.did, holder.opening["salt"], str(claim.score_commitment)):
        assert private not in sent
    assert str(claim.credential_id_hash) not in sent and str(claim.holder_commitment) not in sent
    # The same proof again: the request is spent.
    replay = _verify(client, request, proof)
    assert replay.status_code == 400 and replay.json()["reasons"] == ["request_already_used"]


def test_the_whole_request_may_be_sent_back_but_not_altered(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    request = _ask(client)
    assert "scope" in request and request["scope"] == "0"
    proof = _prove(prover, holder, request)
    altered = {**request, "threshold": "0"}
    refused = client.post(VERIFY, json={"request": altered, **proof})
    assert refused.status_code == 400 and refused.json()["reasons"] == ["request_mismatch"]
    answer = client.post(VERIFY, json={"request": request, **proof})
    assert answer.status_code == 200, answer.text
    assert answer.json()["pseudonym"] is None  # no scope, no pseudonym


def test_the_verification_key_is_published(client: TestClient) -> None:
    answer = client.get("/zk/presentation/verification-key")
    assert answer.status_code == 200
    assert answer.json() == load_presentation_key().to_json()


# attacks -----------------------------------------------------------------------------------------
def test_a_claim_signed_by_an_untrusted_key_is_refused(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    # The holder (or a forger) signs its own claim, of a perfect score, with a key of its own.
    genuine = _signed(holder)
    assert holder.opening is not None
    forged = SignedClaim.sign(replace(genuine.claim), BabyJubJubKey.from_seed(b"f" * 32))
    request = _ask(client, threshold=9000)
    proof = _prove(prover, holder, request, signed=forged)
    answer = _verify(client, request, proof)
    assert answer.status_code == 400 and answer.json()["reasons"] == ["untrusted_issuer_key"]
    # ... nor does claiming the trusted key in the public signals help: the proof is for the other.
    swapped = copy.deepcopy(proof)
    swapped["publicSignals"][1] = str(genuine.public_key.x)
    swapped["publicSignals"][2] = str(genuine.public_key.y)
    answer = _verify(client, request, swapped)
    assert answer.status_code == 400 and answer.json()["reasons"] == ["proof_invalid"]


def test_another_issuers_key_is_refused(client: TestClient, holder: Holder, prover: PresentationProver) -> None:
    # Another livecred deployment's key (a real issuer, just not one this verifier trusts).
    other = BabyJubJubKey.from_seed(bytes(range(32)))
    signed = SignedClaim.sign(_signed(holder).claim, other, verification_method="did:web:other.example#bjj-1")
    request = _ask(client)
    answer = _verify(client, request, _prove(prover, holder, request, signed=signed))
    assert answer.status_code == 400 and answer.json()["reasons"] == ["untrusted_issuer_key"]


def test_a_score_below_the_threshold_cannot_be_proven_or_passed_off(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    assert holder.opening is not None and int(holder.opening["score"]) == 9100
    strict = _ask(client, threshold=9500)
    with pytest.raises(WitnessRejected):
        _prove(prover, holder, strict)
    # A proof of the lower bound the holder can meet does not answer the stricter request.
    lenient = _ask(client, threshold=9000)
    answer = _verify(client, strict, _prove(prover, holder, lenient))
    assert answer.status_code == 400 and "threshold_mismatch" in answer.json()["reasons"]


def test_an_old_liveness_check_cannot_meet_a_recent_not_before(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    # The issuer's own key signs a claim of a check a day old (as an old credential would hold).
    issuer = client.app.state.issuer  # type: ignore[attr-defined]
    genuine = _signed(holder).claim
    old = replace(genuine, timestamp=genuine.timestamp - 86400)
    signed = SignedClaim.sign(old, issuer.babyjubjub, verification_method=issuer.babyjubjub_method)
    recent = _ask(client, maxAgeSeconds=3600)
    with pytest.raises(WitnessRejected):
        _prove(prover, holder, recent, signed=signed)
    anytime = _ask(client)
    answer = _verify(client, recent, _prove(prover, holder, anytime, signed=signed))
    assert answer.status_code == 400 and "not_before_mismatch" in answer.json()["reasons"]


def test_an_expired_claim_cannot_be_presented(client: TestClient, holder: Holder, prover: PresentationProver) -> None:
    issuer = client.app.state.issuer  # type: ignore[attr-defined]
    genuine = _signed(holder).claim
    expired = replace(genuine, valid_until=genuine.timestamp + 1)
    signed = SignedClaim.sign(expired, issuer.babyjubjub, verification_method=issuer.babyjubjub_method)
    with pytest.raises(WitnessRejected):
        _prove(prover, holder, _ask(client), signed=signed)


def test_another_holders_secret_opens_nothing(client: TestClient, holder: Holder, prover: PresentationProver) -> None:
    # A thief with the credential and its opening, but not the holder's secret, has no witness.
    thief = Holder()
    with pytest.raises(InvalidClaim):
        _prove(prover, holder, _ask(client), secret=thief.secret)


def test_a_proof_for_one_request_does_not_answer_another(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    first, second = _ask(client, domain="https://a.example"), _ask(client, domain="https://a.example")
    proof = _prove(prover, holder, first)
    answer = _verify(client, second, proof)
    assert answer.status_code == 400 and "nonce_mismatch" in answer.json()["reasons"]
    assert _verify(client, first, proof).status_code == 200
    # A request of another verifier's domain or scope is not answered either.
    other = _ask(client, domain="https://b.example", scope="x")
    reasons = _verify(client, other, proof).json()["reasons"]
    assert {"nonce_mismatch", "domain_mismatch", "scope_mismatch"} <= set(reasons)


@pytest.mark.parametrize("index", range(10))
def test_every_tampered_public_signal_fails(
    client: TestClient, holder: Holder, prover: PresentationProver, honest: dict[str, Any], index: int
) -> None:
    request, proof = honest["request"], honest["proof"]
    tampered = copy.deepcopy(proof)
    tampered["publicSignals"][index] = str(int(tampered["publicSignals"][index]) + 1)
    answer = _verify(client, request, tampered)
    assert answer.status_code == 400 and answer.json()["verified"] is False, index
    assert answer.json()["reasons"], index


@pytest.fixture(scope="module")
def honest(client: TestClient, holder: Holder, prover: PresentationProver) -> dict[str, Any]:
    """One request and a valid proof for it, never submitted untampered (so it stays unused)."""
    request = _ask(client, scope="tamper")
    return {"request": request, "proof": _prove(prover, holder, request)}


def test_an_untampered_proof_still_verifies_after_the_tampered_ones(client: TestClient, honest: dict[str, Any]) -> None:
    # The tampered proofs did not spend the request: only a proof that verifies consumes it.
    answer = _verify(client, honest["request"], honest["proof"])
    assert answer.status_code == 200, answer.text


# malformed input ---------------------------------------------------------------------------------
VALID_SHAPE = {
    "proof": {"pi_a": ["1", "2", "1"], "pi_b": [["1", "2"], ["3", "4"], ["1", "0"]], "pi_c": ["1", "2", "1"]},
    "publicSignals": ["0"] * 10,
}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.update(publicSignals=["0"] * 9),
        lambda b: b.update(publicSignals=[0] * 10),
        lambda b: b.update(publicSignals=["01"] * 10),
        lambda b: b.update(publicSignals=["-1"] * 10),
        lambda b: b.update(publicSignals=["1" * 80] * 10),
        lambda b: b["proof"].pop("pi_b"),
        lambda b: b["proof"].update(pi_a=["1", "2", "0"]),
        lambda b: b["proof"].update(pi_a="x"),
        lambda b: b["proof"].update(protocol="plonk"),
        lambda b: b["proof"].update(extra="1"),
    ],
)
def test_malformed_proofs_are_422_with_a_code(client: TestClient, mutate: Any) -> None:
    request = _ask(client)
    body = copy.deepcopy(VALID_SHAPE)
    mutate(body)
    answer = client.post(VERIFY, json={"requestId": request["id"], **body})
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] in ("malformed_proof", "invalid_request"), answer.text
    assert "1" * 80 not in answer.text  # nothing sent is echoed back at length


def test_an_unknown_request_is_a_verdict(client: TestClient) -> None:
    answer = client.post(VERIFY, json={"requestId": "zkr_unknown", **VALID_SHAPE})
    assert answer.status_code == 400 and answer.json()["reasons"] == ["request_unknown_or_expired"]


@pytest.mark.parametrize(
    "body",
    [
        {"proof": VALID_SHAPE["proof"], "publicSignals": VALID_SHAPE["publicSignals"]},  # no request named
        {"requestId": "zkr_x", "request": {"id": "zkr_x"}, **VALID_SHAPE},  # both
        {"requestId": "zkr_x", **VALID_SHAPE, "extra": 1},
        {"requestId": "zkr_x", "proof": VALID_SHAPE["proof"], "publicSignals": ["0"] * 17},
    ],
)
def test_verify_bodies_are_strict(client: TestClient, body: dict[str, Any]) -> None:
    answer = client.post(VERIFY, json=body)
    assert answer.status_code == 422 and "code" in answer.json(), answer.text


@pytest.mark.parametrize(
    ("choices", "status"),
    [
        ({"threshold": 100}, 422),  # below the policy floor (6667)
        ({"threshold": 10_001}, 422),
        ({"threshold": "7000"}, 422),
        ({"requiredChecks": ["telepathy"]}, 422),
        ({"maxAgeSeconds": 0}, 422),
        ({"domain": ""}, 422),
        ({"domain": "x" * 256}, 422),
        ({"scope": "a\nb"}, 422),
        ({"nonce": "1"}, 422),  # the nonce is the verifier service's, never the client's
    ],
)
def test_request_choices_are_validated(client: TestClient, choices: dict[str, Any], status: int) -> None:
    answer = client.post(REQUESTS, json=choices)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] in ("invalid_presentation_request", "invalid_request"), answer.text


def test_hostile_json_is_refused_before_parsing(client: TestClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = client.post(VERIFY, content=deep, headers={"content-type": "application/json"})
    assert answer.status_code in (400, 413) and answer.json()["code"] in ("json_too_deep", "request_too_large")
    nested = {"requestId": "zkr_x", "proof": {"pi_a": json.loads("[" * 60 + "]" * 60)}, "publicSignals": []}
    answer = client.post(VERIFY, json=nested)
    assert answer.status_code in (400, 422)
    huge = {"requestId": "zkr_x", **VALID_SHAPE, "proof": {"pi_a": ["1" * 70] * 2000}}
    answer = client.post(VERIFY, json=huge)
    assert answer.status_code == 413 and answer.json()["code"] == "request_too_large"
    assert client.post(VERIFY, content=b"{not json", headers={"content-type": "application/json"}).status_code in (
        400,
        422,
    )


def test_a_request_is_the_verifiers_choices_and_a_fresh_nonce(client: TestClient) -> None:
    request = _ask(client, domain="https://rp.example")
    assert set(request) >= {"id", "nonce", "atTime", "notBefore", "expiresAt", "issuerKeys", "verificationKey"}
    assert int(request["nonce"]) > 0 and request["id"].startswith("zkr_")
    assert request["verificationKey"] == f"{AUD}/zk/presentation/verification-key"
    assert client.post(REQUESTS, json={}).json()["nonce"] != request["nonce"]  # fresh every time


# configuration -----------------------------------------------------------------------------------
def test_pinned_keys_are_parsed_and_validated(tmp_path: Path) -> None:
    other = BabyJubJubKey.from_seed(b"p" * 32).public_key
    entry = f"did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd={other.x}:{other.y}"
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path, zk_trusted_keys=f" {entry} ,")
    assert settings.zk_trusted_keys == [entry]
    assert issuer_config(settings).zk_trusted_keys == (
        ("did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd", other.x, other.y),
    )
    for bad in ("did:web:a.example=1", "did:web:a.example#bjj-1=1:2", "x=1:2", "did:web:a.example=01:2"):
        with pytest.raises(ValidationError):
            Settings(models_dir=MODELS_DIR, state_dir=tmp_path, zk_trusted_keys=bad)
    with TestClient(create_app(settings)) as pinned:
        keys = pinned.post(REQUESTS, json={}).json()["issuerKeys"]
    assert {"issuer": entry.split("=")[0], "publicKey": other.to_json()} in keys


def test_the_pure_python_verifier_agrees_with_the_worker(
    client: TestClient, holder: Holder, prover: PresentationProver
) -> None:
    # Without the worker (fast_verify None) py_ecc does the pairing: the same verdicts.
    issuer = client.app.state.issuer  # type: ignore[attr-defined]
    verifier = ZKPresentationVerifier(
        issuer.zk_requests, issuer.zk_keys, load_presentation_key, min_threshold=6667, clock=issuer.clock
    )
    stored = verifier.create_request(RequestSpec(threshold=9000, scope="py"))
    proof = _prove(prover, holder, stored.request)
    forged = copy.deepcopy(proof)
    forged["proof"]["pi_c"] = proof["proof"]["pi_a"]
    assert verifier.verify(forged, request_id=stored.id).reasons == ("proof_invalid",)
    result = verifier.verify(proof, request_id=stored.id)
    assert result.verified and result.issuer == issuer.did
    assert result.pseudonym == str(poseidon([holder.secret, domain_hash("py")]))


def test_a_did_web_issuer_publishes_its_babyjubjub_key_and_a_verifier_trusts_it(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path, issuer_domain="issuer.example.com", public_url=AUD)
    with TestClient(create_app(settings)) as web:
        published = web.get("/.well-known/did.json").json()
        issuer = web.app.state.issuer  # type: ignore[attr-defined]
    assert f"{AUD}/contexts/liveness/v1" in published["@context"]
    method = next(m for m in published["verificationMethod"] if m["type"] == "BabyJubJubKey2026")
    assert method["id"] == "did:web:issuer.example.com#bjj-1" and method["id"] in published["assertionMethod"]
    assert method["publicKeyBabyJubJub"] == issuer.babyjubjub_public_key.to_json()
    # Another verifier, trusting this did:web issuer, reads the key from the published document.
    resolver = DIDResolver([KeyDIDResolver()], static={"did:web:issuer.example.com": DIDDocument.parse(published)})
    keys = TrustedIssuerKeys(resolver, ["did:web:issuer.example.com"]).current()
    assert keys == (TrustedKey("did:web:issuer.example.com", issuer.babyjubjub_public_key),)
