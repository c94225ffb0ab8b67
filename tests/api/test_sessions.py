"""The wallet path end to end over HTTP: sessions, frames, holder binding, credential, OpenID4VCI.

Real images of one person (LFW, Hugo Chavez) answer the challenges; the engine measured them
(against baseline 0002: 0041 smiles, 0045 turns to his right, 0050 closes his eyes; 0036 is the
ID photo, pasted on a drawn ID card). Another person, a printed-photo spoof and the baseline
itself (no action) make the failures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api import Settings, create_app
from did import Ed25519KeyPair, did_key_from_public_key
from did.jws import sign_jws
from issuer import PRE_AUTHORIZED_GRANT, PROOF_JWT_TYPE
from issuer.sessions import liveness_sessions
from tests.conftest import MODELS_DIR, encode_b64, make_id_card, read_b64, read_image
from zk import nonce_to_field

LFW = "lfw_pairs/images"
HUGO = f"{LFW}/Hugo_Chavez/Hugo_Chavez_"
ACTIONS = {"smile": HUGO + "0041.jpg", "turn_right": HUGO + "0045.jpg", "blink": HUGO + "0050.jpg"}
BASELINE = HUGO + "0002.jpg"
OTHER_PERSON = f"{LFW}/Colin_Farrell/Colin_Farrell_0004.jpg"
SPOOF = "silentface_real_spoof/image_F1.jpg"
CHALLENGES = "smile,blink,turn_right"


class Holder:
    def __init__(self) -> None:
        self.key = Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.kid = f"{self.did}#{self.key.public_key.multibase}"

    def proof(self, nonce: str, aud: str, *, key: Ed25519KeyPair | None = None, iat: float | None = None) -> str:
        claims = {"aud": aud, "iat": int(time.time() if iat is None else iat), "nonce": nonce}
        return sign_jws(claims, key or self.key, kid=self.kid, typ=PROOF_JWT_TYPE)


def _settings(tmp: Path, **extra: Any) -> Settings:
    return Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp,
        public_url="http://127.0.0.1:5003",
        session_challenges=CHALLENGES,
        session_challenge_count=3,
        rate_limits_enabled=False,  # many sessions from one client address; limits: test_rate_limits.py
        **extra,
    )


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _settings(tmp_path_factory.mktemp("wallet"), lockout_failures=50)


@pytest.fixture(scope="module")
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    found = {name: read_b64(path) for name, path in ACTIONS.items()}
    found["baseline"] = read_b64(BASELINE)
    found["other"] = read_b64(OTHER_PERSON)
    found["spoof"] = read_b64(SPOOF)
    found["id_card"] = encode_b64(make_id_card(read_image(HUGO + "0036.jpg")))
    found["other_id_card"] = encode_b64(make_id_card(read_image(OTHER_PERSON)))
    return found


def _open(client: TestClient, holder: Holder, *, face_match: bool = False, device: str = "desktop") -> dict[str, Any]:
    answer = client.post(
        "/sessions", json={"holderDid": holder.did, "deviceType": device, "options": {"faceMatch": face_match}}
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _frames(
    session: dict[str, Any], images: dict[str, str], *, last: str | None = None, id_card: str = "id_card"
) -> dict[str, Any]:
    """Frames answering the session's challenges in its order; ``last`` replaces the last burst."""
    kinds = list(session["challenges"])
    body: dict[str, Any] = {
        "baseline": [images["baseline"]],
        "challenges": [[images[kind]] for kind in kinds[:-1]] + [[images[last or kinds[-1]]]],
    }
    if session["faceMatch"]:
        body["idImage"] = images[id_card]
    return body


def _post_frames(client: TestClient, session: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.post(f"/sessions/{session['sessionId']}/frames", json=body)


def _issued_count(client: TestClient) -> int:
    return int(client.app.state.issuer.store.count())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def issued(client: TestClient, images: dict[str, str]) -> dict[str, Any]:
    """One full session with face match, taken through the direct credential route."""
    holder = Holder()
    session = _open(client, holder, face_match=True, device="mobile")
    passed = _post_frames(client, session, _frames(session, images))
    assert passed.status_code == 200, passed.text
    proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
    answer = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert answer.status_code == 201, answer.text
    return {"holder": holder, "session": session, "frames": passed.json(), "credential": answer.json()["credential"]}


def test_a_session_draws_a_random_order_of_challenges(client: TestClient) -> None:
    holder = Holder()
    orders = {tuple(_open(client, holder)["challenges"]) for _ in range(12)}
    assert all(len(order) in (2, 3) and set(order) <= set(CHALLENGES.split(",")) for order in orders)
    assert len({len(order) for order in orders}) == 2 or len(orders) > 1  # 12 orders: 6 of 2 and 6 of 3
    first = _open(client, holder)
    assert first["attemptsLeft"] == first["maxAttempts"] == 3 and len(first["nonce"]) >= 43
    assert first["holderProof"] == {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "aud": "http://127.0.0.1:5003"}
    status = client.get(f"/sessions/{first['sessionId']}").json()
    assert status["state"] == "pending" and "nonce" not in status


def test_the_happy_path_issues_a_credential_that_verifies(client: TestClient, issued: dict[str, Any]) -> None:
    frames, vc, holder = issued["frames"], issued["credential"], issued["holder"]
    assert frames["passed"] and frames["status"] == "passed" and frames["reasons"] == []
    assert frames["checks"]["antispoof"]["passed"] and frames["checks"]["samePerson"]["passed"]
    assert all(c["passed"] for c in frames["checks"]["challenges"])
    assert frames["checks"]["faceMatch"]["confidence"] >= 0.6
    assert frames["credentialOfferUri"].startswith("openid-credential-offer://?credential_offer=")
    subject = vc["credentialSubject"]
    assert subject["id"] == holder.did and subject["deviceType"] == "mobile" and subject["timestamp"]
    liveness, zk_proof = vc["evidence"]
    assert set(liveness["checks"]) == {"antispoof", *issued["session"]["challenges"], "same_person", "face_match"}
    # The Groth16 proof is bound to this session's nonce.
    assert zk_proof["type"] == ["Groth16FaceMatchProof"]
    assert zk_proof["nonce"] == str(nonce_to_field(issued["session"]["nonce"]))
    assert zk_proof["threshold"] == 6000
    verdict = client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
    assert verdict["verified"], verdict
    assert {"proof", "schema", "status", "evidence"} <= set(verdict["checks"])


def test_the_credential_verifies_offline_with_the_cli(
    issued: dict[str, Any], app_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app as cli

    monkeypatch.setenv("LIVECRED_STATE_DIR", str(app_settings.state_dir))
    monkeypatch.setenv("LIVECRED_PUBLIC_URL", app_settings.resolved_public_url)
    path = tmp_path / "liveness.json"
    path.write_text(json.dumps(issued["credential"]))
    result = CliRunner().invoke(cli, ["credentials", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output


def test_a_session_yields_one_credential(client: TestClient, issued: dict[str, Any], images: dict[str, str]) -> None:
    session, holder = issued["session"], issued["holder"]
    proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
    again = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert again.status_code == 409 and again.json()["code"] == "credential_already_issued"
    replay = _post_frames(client, session, _frames(session, images))
    assert replay.status_code == 409 and replay.json()["code"] == "session_completed"
    code = issued["frames"]["credentialOffer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    token = client.post("/token", data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_the_database_keeps_verdicts_only(client: TestClient, issued: dict[str, Any]) -> None:
    engine = client.app.state.wallet.sessions.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = (
            conn.execute(select(liveness_sessions).where(liveness_sessions.c.id == issued["session"]["sessionId"]))
            .mappings()
            .one()
        )
    assert row["state"] == "issued" and row["credential_id"] == issued["credential"]["id"]
    assert row["face_match_proof"] is None  # the public proof is dropped once it is in the credential
    expected = {"antispoof", *issued["session"]["challenges"], "same_person", "face_match"}
    assert set(row["checks"].split(",")) == expected
    assert all(len(str(v)) < 600 for v in row.values())  # no image, no embedding


def test_openid4vci_pre_authorized_flow(client: TestClient, images: dict[str, str]) -> None:
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == "http://127.0.0.1:5003"
    configuration = metadata["credential_configurations_supported"]["LivenessCredential_ldp_vc"]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == ["VerifiableCredential", "LivenessCredential"]
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["EdDSA"]
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"] == "http://127.0.0.1:5003/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True

    holder = Holder()
    session = _open(client, holder)
    frames = _post_frames(client, session, _frames(session, images)).json()
    offer = frames["credentialOffer"]
    assert offer["credential_configuration_ids"] == ["LivenessCredential_ldp_vc"]
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]

    wrong_grant = client.post("/token", data={"grant_type": "authorization_code", "code": code})
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    token = client.post("/token", data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    access = token.json()
    assert access["token_type"] == "Bearer" and access["expires_in"] > 0
    reused = client.post("/token", data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})
    assert reused.json()["error"] == "invalid_grant"

    bearer = {"Authorization": f"Bearer {access['access_token']}"}
    aud = metadata["credential_issuer"]

    def request(proof: str, **extra: Any) -> Any:
        body = {"credential_configuration_id": "LivenessCredential_ldp_vc", "proofs": {"jwt": [proof]}, **extra}
        return client.post("/credential", json=body, headers=bearer)

    c_nonce = client.post("/nonce").json()["c_nonce"]
    assert client.post("/credential", json={}).status_code == 401
    stranger = Holder()
    assert request(stranger.proof(c_nonce, aud)).json()["error"] == "invalid_proof"
    assert request(holder.proof("not-a-c-nonce", aud)).json()["error"] == "invalid_nonce"
    singular = client.post(
        "/credential",
        json={"credential_configuration_id": "LivenessCredential_ldp_vc", "proof": {"jwt": "x"}},
        headers=bearer,
    )
    assert singular.json()["error"] == "invalid_credential_request"
    answer = request(holder.proof(c_nonce, aud))
    assert answer.status_code == 200, answer.text
    vc = answer.json()["credentials"][0]["credential"]
    assert vc["credentialSubject"]["id"] == holder.did
    assert client.post("/credentials/verify", json={"verifiableCredential": vc}).json()["verified"]
    # The token and the session are spent: no second credential by either route.
    assert request(holder.proof(client.post("/nonce").json()["c_nonce"], aud)).status_code == 401
    direct = client.post(
        f"/sessions/{session['sessionId']}/credential", json={"holderProof": holder.proof(session["nonce"], aud)}
    )
    assert direct.status_code == 409


@pytest.mark.parametrize(
    ("last", "id_card", "code"),
    [
        ("spoof", "id_card", "spoof_detected"),
        ("baseline", "id_card", "challenge_not_met"),
        ("other", "id_card", "face_mismatch"),
        (None, "other_id_card", "id_mismatch"),
    ],
)
def test_a_failed_check_is_a_422_and_issues_nothing(
    client: TestClient, images: dict[str, str], last: str | None, id_card: str, code: str
) -> None:
    holder = Holder()
    session = _open(client, holder, face_match=True)
    before = _issued_count(client)
    answer = _post_frames(client, session, _frames(session, images, last=last, id_card=id_card))
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == code and body["passed"] is False and "credentialOffer" not in body
    assert body["attemptsLeft"] == 2
    proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
    refused = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert refused.status_code == 409 and refused.json()["code"] == "session_not_passed"
    assert _issued_count(client) == before


def test_a_wrong_holder_proof_gets_no_credential(client: TestClient, images: dict[str, str]) -> None:
    holder = Holder()
    session = _open(client, holder)
    assert _post_frames(client, session, _frames(session, images)).status_code == 200
    url, aud, nonce = f"/sessions/{session['sessionId']}/credential", session["holderProof"]["aud"], session["nonce"]
    stranger = Holder()
    forged = {
        "another DID": stranger.proof(nonce, aud),
        "another key": holder.proof(nonce, aud, key=stranger.key),
        "another nonce": holder.proof("some-other-nonce", aud),
        "another audience": holder.proof(nonce, "https://evil.example"),
        "stale": holder.proof(nonce, aud, iat=time.time() - 3600),
        "not a JWS": "eyJhbGciOiJub25lIn0.e30.",
    }
    before = _issued_count(client)
    for name, proof in forged.items():
        answer = client.post(url, json={"holderProof": proof})
        assert answer.status_code == 401, name
        assert answer.json()["code"] == "holder_proof_invalid", name
    assert _issued_count(client) == before
    good = client.post(url, json={"holderProof": holder.proof(nonce, aud)})
    assert good.status_code == 201  # the failures did not burn the session


def test_an_expired_session_is_refused(client: TestClient, images: dict[str, str]) -> None:
    holder = Holder()
    waiting = _open(client, holder)
    passed = _open(client, holder)
    assert _post_frames(client, passed, _frames(passed, images)).status_code == 200
    store = client.app.state.wallet.sessions  # type: ignore[attr-defined]
    real_clock = store.clock
    store.clock = lambda: real_clock() + timedelta(minutes=11)
    client.app.state.wallet.clock = store.clock  # type: ignore[attr-defined]
    try:
        late = _post_frames(client, waiting, _frames(waiting, images))
        assert late.status_code == 410 and late.json()["code"] == "session_expired"
        proof = holder.proof(passed["nonce"], passed["holderProof"]["aud"])
        credential = client.post(f"/sessions/{passed['sessionId']}/credential", json={"holderProof": proof})
        assert credential.status_code == 410
    finally:
        store.clock = real_clock
        client.app.state.wallet.clock = real_clock  # type: ignore[attr-defined]


def test_attempts_are_bounded(client: TestClient, images: dict[str, str]) -> None:
    session = _open(client, Holder())
    cheap = {"baseline": images["baseline"], "challenges": [images["baseline"]] * len(session["challenges"])}
    for left in (2, 1, 0):
        failed = _post_frames(client, session, cheap)
        assert failed.status_code == 422 and failed.json()["attemptsLeft"] == left
    final = _post_frames(client, session, _frames(session, images))
    assert final.status_code == 409 and final.json()["code"] == "attempts_exhausted"
    assert client.get(f"/sessions/{session['sessionId']}").json()["state"] == "failed"


def test_malformed_requests_are_client_errors(client: TestClient, images: dict[str, str]) -> None:
    holder = Holder()
    bad_did = client.post("/sessions", json={"holderDid": "did:key:zNotAKey", "deviceType": "desktop"})
    assert bad_did.status_code == 422 and bad_did.json()["code"] == "invalid_holder_did"
    unsupported = client.post("/sessions", json={"holderDid": "did:example:123456", "deviceType": "desktop"})
    assert unsupported.status_code == 422 and unsupported.json()["code"] == "invalid_holder_did"
    device = client.post("/sessions", json={"holderDid": holder.did, "deviceType": "x" * 65})
    assert device.status_code == 422
    assert client.post("/sessions/lcs_nope/frames", json={"baseline": "x", "challenges": []}).status_code == 404
    session = _open(client, holder, face_match=True)
    body = _frames(session, images)
    short = {**body, "challenges": body["challenges"][:1]}
    assert _post_frames(client, session, short).json()["code"] == "frames_mismatch"
    assert _post_frames(client, session, {**body, "idImage": None}).json()["code"] == "id_image_required"
    last = len(body["challenges"]) - 1
    broken = {**body, "challenges": [*body["challenges"][:last], ["not base64!"]]}
    answer = _post_frames(client, session, broken)
    assert answer.status_code == 400 and answer.json()["field"] == f"challenges[{last}][0]"
    assert "not base64" not in answer.text
    # Shape errors spend no attempt; the decoding error spent one.
    assert client.get(f"/sessions/{session['sessionId']}").json()["attemptsLeft"] == 2


def test_a_holder_did_is_a_did_and_nothing_more(client: TestClient) -> None:
    # A DID URL or a trailing newline used to open a session (and a lockout bucket) of its own,
    # and the newline ended up in the credential's subject id.
    holder = Holder()
    for did in (f"{holder.did}\n", holder.kid, f"{holder.did}?service=x", f"{holder.did}/path", f"{holder.did}#"):
        refused = client.post("/sessions", json={"holderDid": did, "deviceType": "desktop"})
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_holder_did", did
    device = client.post("/sessions", json={"holderDid": holder.did, "deviceType": "desktop\n"})
    assert device.status_code == 422 and device.json()["code"] == "invalid_request"
    assert client.post("/sessions", json={"holderDid": holder.did, "deviceType": "desktop"}).status_code == 201


def test_repeated_failures_lock_the_holder_out(tmp_path: Path, images: dict[str, str]) -> None:
    settings = _settings(tmp_path, lockout_failures=3, lockout_window_seconds=180, lockout_seconds=1800)
    with TestClient(create_app(settings)) as client:
        holder = Holder()
        session = _open(client, holder)
        cheap = {"baseline": images["baseline"], "challenges": [images["baseline"]] * len(session["challenges"])}
        for _ in range(3):
            assert _post_frames(client, session, cheap).status_code == 422
        locked = client.post("/sessions", json={"holderDid": holder.did, "deviceType": "desktop"})
        assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
        assert 1700 < int(locked.headers["retry-after"]) <= 1800
        # The device is locked too: another DID from the same client is refused.
        other = client.post("/sessions", json={"holderDid": Holder().did, "deviceType": "desktop"})
        assert other.status_code == 429
