"""The wallet path end to end over HTTP and the capture WebSocket: sessions opened with proof of
possession, a live take driven by the server, holder binding, the credential, OpenID4VCI.

The take's judge is scripted here (``ScriptedTake``: each frame says what the person shows), so
these tests are about the protocol, the session's states, the database, the Groth16 proof and the
credential. The real engine judges real clips and attacks in test_capture_attacks.py.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from livecred import Settings, create_app
from livecred.routes import capture as capture_route
from tests.api.wallet_client import (
    Holder,
    ScriptedTake,
    VirtualClock,
    capture,
    coded_frame,
    encode_png,
    open_session,
    person_frames,
)
from tests.conftest import MODELS_DIR
from tests.wallet.people import Facts, Person
from wallet import PRE_AUTHORIZED_GRANT
from wallet.sessions import liveness_sessions
from wallet.zk_claims import zk_session_claims
from zk import SCALAR_FIELD_ORDER, SignedClaim, checks_mask, credential_id_hash, nonce_to_field, poseidon

CHALLENGES = "smile,blink,turn_right"
AUD = "http://127.0.0.1:5003"


def _settings(tmp: Path, **extra: Any) -> Settings:
    return Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp,
        public_url=AUD,
        session_challenges=CHALLENGES,
        session_challenge_count=3,
        rate_limits_enabled=False,  # many sessions from one client address; limits: test_rate_limits.py
        **extra,
    )


class Takes:
    """What the next take's judge will conclude (its reasons), and the takes made."""

    def __init__(self) -> None:
        self.reasons: tuple[str, ...] = ()
        self.made: list[ScriptedTake] = []

    def __call__(self, connection: Any) -> ScriptedTake:
        take = ScriptedTake(self.reasons)
        self.made.append(take)
        return take


@pytest.fixture(scope="module")
def takes() -> Iterator[Takes]:
    scripted = Takes()
    patch = pytest.MonkeyPatch()
    patch.setattr(capture_route, "open_take", scripted)
    yield scripted
    patch.undo()


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _settings(tmp_path_factory.mktemp("wallet"), lockout_failures=50)


@pytest.fixture(scope="module")
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture(scope="module")
def client(app_settings: Settings, takes: Takes, clock: VirtualClock) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as test_client:
        test_client.app.state.capture_clock = clock  # type: ignore[attr-defined]
        yield test_client


ID_CARD = np.full((40, 40, 3), 200, dtype=np.uint8)  # the scripted judge matches it
OTHER_ID = np.zeros((40, 40, 3), dtype=np.uint8)  # ... and not this one
ID_CARD_B64 = base64.b64encode(encode_png(ID_CARD)).decode()  # as a start message carries it


def _open(client: TestClient, holder: Holder, *, face_match: bool = False, device: str = "desktop") -> Any:
    answer = open_session(client, holder, face_match=face_match, device=device, aud=AUD)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _take(
    client: TestClient, clock: VirtualClock, session: Any, person: Person | None = None, **kw: Any
) -> dict[str, Any]:
    if "id_image" not in kw and session["faceMatch"]:
        kw["id_image"] = ID_CARD
    return capture(client, session, person_frames(person or Person()), clock, encode=encode_png, **kw)


def _issued_count(client: TestClient) -> int:
    return int(client.app.state.issuer.store.count())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def issued(client: TestClient, clock: VirtualClock) -> dict[str, Any]:
    """One full session with face match, taken through the direct credential route."""
    holder = Holder()
    session = _open(client, holder, face_match=True, device="mobile")
    result = _take(client, clock, session)
    assert result["type"] == "result" and result["passed"], result
    proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
    answer = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert answer.status_code == 201, answer.text
    holder.keep(answer.json()["credential"], answer.json().get("zkClaimOpening"))
    return {"holder": holder, "session": session, "result": result, "credential": answer.json()["credential"]}


def test_a_session_reveals_no_challenge_up_front(client: TestClient) -> None:
    session = _open(client, Holder())
    assert "challenges" not in session and session["challengeCount"] in (2, 3)
    assert session["captureUrl"] == f"ws://127.0.0.1:5003/sessions/{session['sessionId']}/capture"
    assert session["attemptsLeft"] == session["maxAttempts"] == 3 and len(session["nonce"]) >= 43
    assert session["holderProof"] == {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "aud": AUD}
    status = client.get(f"/sessions/{session['sessionId']}").json()
    assert status["state"] == "pending" and "nonce" not in status and "challenges" not in status


def test_opening_a_session_needs_proof_of_possession(client: TestClient) -> None:
    holder, stranger = Holder(), Holder()
    c_nonce = client.post("/nonce").json()["c_nonce"]
    body = {"holderDid": holder.did, "deviceType": "desktop"}
    missing = client.post("/sessions", json=body)
    assert missing.status_code == 422
    for proof in (
        holder.proof(c_nonce, AUD, key=stranger.key),  # someone naming the holder's DID
        stranger.proof(c_nonce, AUD),  # a proof of another DID
        holder.proof("made-up-nonce", AUD),
        holder.proof(c_nonce, "https://evil.example"),
    ):
        refused = client.post("/sessions", json={**body, "holderProof": proof})
        assert refused.status_code == 401 and refused.json()["code"] == "holder_proof_invalid", refused.text
    good = client.post("/sessions", json={**body, "holderProof": holder.proof(c_nonce, AUD)})
    assert good.status_code == 201
    replayed = client.post("/sessions", json={**body, "holderProof": holder.proof(c_nonce, AUD)})
    assert replayed.status_code == 401  # the c_nonce was used


def test_the_server_drives_the_take_and_a_credential_verifies(client: TestClient, issued: dict[str, Any]) -> None:
    result, vc, holder = issued["result"], issued["credential"], issued["holder"]
    assert result["passed"] and result["status"] == "passed" and result["reasons"] == []
    checks = result["checks"]
    assert checks["live"] and checks["samePerson"] and checks["faceMatch"]
    assert all(c["passed"] for c in checks["challenges"]) and len(checks["challenges"]) in (2, 3)
    assert result["credentialOfferUri"].startswith("openid-credential-offer://?credential_offer=")
    subject = vc["credentialSubject"]
    assert subject["id"] == holder.did and subject["deviceType"] == "mobile" and subject["timestamp"]
    liveness, zk_proof, _claim = vc["evidence"]
    challenges = {c["type"] for c in checks["challenges"]}
    expected = {"antispoof", *challenges, "same_person", "face_match"} | (
        {"3d_turn"} if "turn_right" in challenges else set()
    )
    assert set(liveness["checks"]) == expected
    # The Groth16 proof is bound to this session's nonce.
    assert zk_proof["type"] == ["Groth16FaceMatchProof"]
    assert zk_proof["nonce"] == str(nonce_to_field(issued["session"]["nonce"]))
    assert zk_proof["threshold"] == 6667  # the default operating point, confidence 0.6667 (FAR 1e-4)
    verdict = client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
    assert verdict["verified"], verdict
    assert {"proof", "schema", "status", "evidence"} <= set(verdict["checks"])


def test_the_credential_carries_a_signed_claim_and_the_holder_its_opening(
    client: TestClient, issued: dict[str, Any]
) -> None:
    vc, holder = issued["credential"], issued["holder"]
    _, zk_proof, entry = vc["evidence"]
    signed = SignedClaim.from_json(entry)
    assert signed.verify()
    issuer = client.get("/issuer").json()
    bjj = next(m for m in issuer["didDocument"]["verificationMethod"] if m["type"] == "BabyJubJubKey2026")
    assert signed.verification_method == bjj["id"] == f"{issuer['did']}#bjj-1"
    assert signed.public_key.to_json() == bjj["publicKeyBabyJubJub"] == entry["publicKey"]
    claim = signed.claim
    # The holder's opening opens the claim's commitment, which is the Groth16 proof's.
    opening = holder.opening
    assert opening is not None and set(opening) == {"score", "salt"}
    assert claim.score_commitment == poseidon([int(opening["score"]), int(opening["salt"])])
    assert str(claim.score_commitment) == zk_proof["commitment"]
    assert int(opening["score"]) >= zk_proof["threshold"]  # the scripted judge's 0.91
    assert claim.holder_commitment == holder.commitment
    assert claim.credential_id_hash == credential_id_hash(vc["id"])
    assert claim.checks & checks_mask(["antispoof", "challenges", "same_person", "face_match"]) == checks_mask(
        ["antispoof", "challenges", "same_person", "face_match"]
    )
    # The opening is the holder's alone: never inside the credential, never in the session's status.
    assert opening["salt"] not in json.dumps(vc)
    status = client.get(f"/sessions/{issued['session']['sessionId']}").text
    assert opening["salt"] not in status


def test_a_holder_commitment_is_validated(client: TestClient) -> None:
    holder = Holder()
    for bad in ("", "abc", "-5", "007", str(SCALAR_FIELD_ORDER), "1" * 81, 5):
        c_nonce = client.post("/nonce").json()["c_nonce"]
        body = {
            "holderDid": holder.did,
            "deviceType": "desktop",
            "holderProof": holder.proof(c_nonce, AUD),
            "zkHolderCommitment": bad,
        }
        refused = client.post("/sessions", json=body)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["code"] in ("invalid_zk_holder_commitment", "invalid_request"), refused.text


def test_the_client_never_gets_a_score(client: TestClient, clock: VirtualClock) -> None:
    session = _open(client, Holder(), face_match=True)
    replies: list[Any] = []
    frames = person_frames(Person())

    def recording(t: float, reply: dict[str, Any] | None) -> np.ndarray:
        if reply is not None:
            replies.append(reply)
        return frames(t, reply)

    result = capture(client, session, recording, clock, id_image=ID_CARD, encode=encode_png)
    text = json.dumps([*replies, result])
    for word in ("score", "confidence", "similarity", "threshold", "0.91"):
        assert word not in text, word
    assert {r["type"] for r in replies} == {"frame"} and result["type"] == "result"


def test_challenges_are_announced_one_at_a_time(client: TestClient, clock: VirtualClock) -> None:
    session = _open(client, Holder())
    seen: list[Any] = []
    frames = person_frames(Person())

    def recording(t: float, reply: dict[str, Any] | None) -> np.ndarray:
        if reply is not None:
            seen.append(reply)
        return frames(t, reply)

    result = capture(client, session, recording, clock, encode=encode_png)
    assert result["passed"], result
    phases = [r["phase"] for r in seen]
    assert phases[0] == "baseline" and "waiting" in phases and "challenge" in phases
    announced = [r["challenge"]["type"] for r in seen if r["challenge"]]
    order = list(dict.fromkeys(announced))
    assert order == [c["type"] for c in result["checks"]["challenges"]]
    assert all(r["challenge"] is None for r in seen if r["phase"] != "challenge")


def test_the_credential_verifies_offline_with_the_cli(
    issued: dict[str, Any], app_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from livecred.cli import app as cli

    monkeypatch.setenv("LIVECRED_STATE_DIR", str(app_settings.state_dir))
    monkeypatch.setenv("LIVECRED_PUBLIC_URL", app_settings.resolved_public_url)
    path = tmp_path / "liveness.json"
    path.write_text(json.dumps(issued["credential"]))
    result = CliRunner().invoke(cli, ["credentials", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output


def test_a_session_yields_one_credential(client: TestClient, issued: dict[str, Any], clock: VirtualClock) -> None:
    session, holder = issued["session"], issued["holder"]
    proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
    again = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert again.status_code == 409 and again.json()["code"] == "credential_already_issued"
    replay = _take(client, clock, session)
    assert replay == {
        "type": "error",
        "code": "session_completed",
        "message": "this session's credential was already issued; start a new session",
    }
    code = issued["result"]["credentialOffer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
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
    assert "face_match" in row["checks"].split(",") and "antispoof" in row["checks"].split(",")
    assert all(len(str(v)) < 600 for v in row.values())  # no image, no embedding
    with engine.connect() as conn:  # the claim's opening (the score) is gone with the issuance
        kept = conn.execute(
            select(zk_session_claims).where(zk_session_claims.c.session_id == issued["session"]["sessionId"])
        ).all()
    assert kept == []


def test_openid4vci_pre_authorized_flow(client: TestClient, clock: VirtualClock) -> None:
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == AUD
    configuration = metadata["credential_configurations_supported"]["LivenessCredential_ldp_vc"]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == ["VerifiableCredential", "LivenessCredential"]
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["EdDSA"]
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"] == f"{AUD}/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True

    holder = Holder()
    session = _open(client, holder)
    result = _take(client, clock, session)
    offer = result["credentialOffer"]
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

    def request(proof: str, **extra: Any) -> Any:
        body = {"credential_configuration_id": "LivenessCredential_ldp_vc", "proofs": {"jwt": [proof]}, **extra}
        return client.post("/credential", json=body, headers=bearer)

    c_nonce = client.post("/nonce").json()["c_nonce"]
    assert client.post("/credential", json={}).status_code == 401
    stranger = Holder()
    assert request(stranger.proof(c_nonce, AUD)).json()["error"] == "invalid_proof"
    assert request(holder.proof("not-a-c-nonce", AUD)).json()["error"] == "invalid_nonce"
    singular = client.post(
        "/credential",
        json={"credential_configuration_id": "LivenessCredential_ldp_vc", "proof": {"jwt": "x"}},
        headers=bearer,
    )
    assert singular.json()["error"] == "invalid_credential_request"
    answer = request(holder.proof(c_nonce, AUD))
    assert answer.status_code == 200, answer.text
    vc = answer.json()["credentials"][0]["credential"]
    assert vc["credentialSubject"]["id"] == holder.did
    # No face match: the claim commits to score 0, and the holder gets that opening once.
    opening = answer.json()["zkClaimOpening"]
    claim = SignedClaim.from_json(vc["evidence"][-1]).claim
    assert opening["score"] == "0" and claim.score_commitment == poseidon([0, int(opening["salt"])])
    assert not claim.checks & checks_mask(["face_match"])
    assert client.post("/credentials/verify", json={"verifiableCredential": vc}).json()["verified"]
    # The token and the session are spent: no second credential by either route.
    assert request(holder.proof(client.post("/nonce").json()["c_nonce"], AUD)).status_code == 401
    direct = client.post(
        f"/sessions/{session['sessionId']}/credential", json={"holderProof": holder.proof(session["nonce"], AUD)}
    )
    assert direct.status_code == 409


@pytest.mark.parametrize(
    ("judged", "person", "id_image", "reason"),
    [
        (("spoof_detected",), Person(), ID_CARD, "spoof_detected"),
        (("face_mismatch",), Person(), ID_CARD, "face_mismatch"),
        ((), Person(), OTHER_ID, "id_mismatch"),
        ((), Person(reaction=8.0), ID_CARD, "challenge_timeout"),
        ((), Person(reaction=0.0, ramp=0.05), ID_CARD, "challenge_too_early"),
    ],
)
def test_a_failed_take_is_a_result_and_issues_nothing(
    client: TestClient,
    clock: VirtualClock,
    takes: Takes,
    judged: tuple[str, ...],
    person: Person,
    id_image: str,
    reason: str,
) -> None:
    holder = Holder()
    session = _open(client, holder, face_match=True)
    before = _issued_count(client)
    takes.reasons = judged
    try:
        result = _take(client, clock, session, person, id_image=id_image)
    finally:
        takes.reasons = ()
    assert result["type"] == "result" and result["passed"] is False, result
    assert result["reasons"][0] == reason and "credentialOffer" not in result
    assert result["attemptsLeft"] == 2 and result["status"] == "pending"
    proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
    refused = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
    assert refused.status_code == 409 and refused.json()["code"] == "session_not_passed"
    assert _issued_count(client) == before


def test_a_wrong_holder_proof_gets_no_credential(client: TestClient, clock: VirtualClock) -> None:
    holder = Holder()
    session = _open(client, holder)
    assert _take(client, clock, session)["passed"]
    url, nonce = f"/sessions/{session['sessionId']}/credential", session["nonce"]
    stranger = Holder()
    forged = {
        "another DID": stranger.proof(nonce, AUD),
        "another key": holder.proof(nonce, AUD, key=stranger.key),
        "another nonce": holder.proof("some-other-nonce", AUD),
        "another audience": holder.proof(nonce, "https://evil.example"),
        "stale": holder.proof(nonce, AUD, iat=time.time() - 3600),
        "not a JWS": "eyJhbGciOiJub25lIn0.e30.",
    }
    before = _issued_count(client)
    for name, proof in forged.items():
        answer = client.post(url, json={"holderProof": proof})
        assert answer.status_code == 401, name
        assert answer.json()["code"] == "holder_proof_invalid", name
    assert _issued_count(client) == before
    good = client.post(url, json={"holderProof": holder.proof(nonce, AUD)})
    assert good.status_code == 201  # the failures did not burn the session


def test_an_expired_session_is_refused(client: TestClient, clock: VirtualClock) -> None:
    holder = Holder()
    waiting = _open(client, holder)
    passed = _open(client, holder)
    assert _take(client, clock, passed)["passed"]
    wallet = client.app.state.wallet  # type: ignore[attr-defined]
    real_clock = wallet.sessions.clock
    wallet.sessions.clock = wallet.clock = lambda: real_clock() + timedelta(minutes=11)
    try:
        late = _take(client, clock, waiting)
        assert late["type"] == "error" and late["code"] == "session_expired"
        proof = holder.proof(passed["nonce"], AUD)
        credential = client.post(f"/sessions/{passed['sessionId']}/credential", json={"holderProof": proof})
        assert credential.status_code == 410
    finally:
        wallet.sessions.clock = wallet.clock = real_clock


def test_attempts_are_bounded(client: TestClient, clock: VirtualClock) -> None:
    session = _open(client, Holder())
    for left in (2, 1, 0):
        failed = _take(client, clock, session, Person(reaction=8.0))
        assert failed["passed"] is False and failed["attemptsLeft"] == left
    final = _take(client, clock, session)
    assert final["type"] == "error" and final["code"] == "attempts_exhausted"
    assert client.get(f"/sessions/{session['sessionId']}").json()["state"] == "failed"


def _raw(client: TestClient, session: Any, *messages: Any) -> Any:
    """Send ``messages`` (dict = JSON text, bytes = a frame) and return the server's last message."""
    with client.websocket_connect(f"/sessions/{session['sessionId']}/capture") as ws:
        reply = None
        for message in messages:
            if isinstance(message, bytes):
                ws.send_bytes(message)
            elif isinstance(message, str):
                ws.send_text(message)
            else:
                ws.send_json(message)
            reply = ws.receive_json()
            if reply["type"] == "error":
                return reply
        return reply


def test_protocol_errors_are_coded(client: TestClient) -> None:
    plain, matched = "plain", "matched"
    frame = coded_frame(Facts(0))
    big = np.zeros((720, 1280, 3), dtype=np.uint8)
    ok, big_png = cv2.imencode(".png", big)
    assert ok
    cases = [
        (plain, ["not json"], "invalid_message"),
        (plain, [{"type": "begin"}], "invalid_message"),
        (plain, [{"type": "start", "extra": 1}], "invalid_message"),
        (plain, [{"type": "start", "idImage": ID_CARD_B64}], "id_image_unexpected"),
        (matched, [{"type": "start"}], "id_image_required"),
        (matched, [{"type": "start", "idImage": "not base64!"}], "invalid_base64"),
        (plain, [{"type": "start"}, "a text frame"], "invalid_message"),
        (plain, [{"type": "start"}, b"not an image"], "not_an_image"),
        (plain, [{"type": "start"}, bytes(big_png.tobytes())], "frame_too_large"),
        (plain, [{"type": "start"}, frame + b"\0" * (300 * 1024)], "frame_too_large"),
    ]
    for kind, messages, code in cases:
        session = _open(client, Holder(), face_match=kind == matched)
        reply = _raw(client, session, *messages)
        assert reply is not None and reply["type"] == "error" and reply["code"] == code, (messages[-1:], reply)
        assert "not base64" not in reply["message"]
    with client.websocket_connect("/sessions/lcs_nope/capture") as ws:
        ws.send_json({"type": "start"})
        assert ws.receive_json()["code"] == "session_not_found"


def test_error_closes_carry_the_http_status(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with client.websocket_connect("/sessions/lcs_nope/capture") as ws:
        ws.send_json({"type": "start"})
        assert ws.receive_json()["code"] == "session_not_found"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4404


def test_a_holder_did_is_a_did_and_nothing_more(client: TestClient) -> None:
    holder = Holder()
    c_nonce = client.post("/nonce").json()["c_nonce"]
    proof = holder.proof(c_nonce, AUD)
    for did in (f"{holder.did}\n", holder.kid, f"{holder.did}?service=x", f"{holder.did}/path", f"{holder.did}#"):
        refused = client.post("/sessions", json={"holderDid": did, "deviceType": "desktop", "holderProof": proof})
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_holder_did", did
    device = client.post("/sessions", json={"holderDid": holder.did, "deviceType": "desktop\n", "holderProof": proof})
    assert device.status_code == 422 and device.json()["code"] == "invalid_request"
    assert (
        client.post(
            "/sessions", json={"holderDid": holder.did, "deviceType": "desktop", "holderProof": proof}
        ).status_code
        == 201
    )


def test_repeated_failures_lock_the_device_out_not_the_holder(tmp_path: Path, takes: Takes) -> None:
    settings = _settings(tmp_path, lockout_failures=3, lockout_window_seconds=180, lockout_seconds=1800)
    clock = VirtualClock()
    with TestClient(create_app(settings)) as client:
        client.app.state.capture_clock = clock  # type: ignore[attr-defined]
        holder = Holder()
        passed = _open(client, holder)
        assert _take(client, clock, passed)["passed"]
        session = _open(client, holder)
        for _ in range(3):
            assert _take(client, clock, session, Person(reaction=8.0))["passed"] is False
        locked = open_session(client, Holder(), aud=AUD)
        assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
        assert 1700 < int(locked.headers["retry-after"]) <= 1800
        # The session that passed before the lockout still gets its credential.
        proof = holder.proof(passed["nonce"], AUD)
        credential = client.post(f"/sessions/{passed['sessionId']}/credential", json={"holderProof": proof})
        assert credential.status_code == 201


def test_takes_beyond_the_capacity_are_refused_with_retry(tmp_path: Path, takes: Takes) -> None:
    settings = _settings(tmp_path, capture_max_sessions=1)
    with TestClient(create_app(settings)) as client:
        first, second = _open(client, Holder()), _open(client, Holder())
        with client.websocket_connect(f"/sessions/{first['sessionId']}/capture") as busy:
            busy.send_json({"type": "start"})
            assert busy.receive_json()["type"] == "ready"
            refused = _raw(client, second, {"type": "start"})
            assert refused["code"] == "server_busy"
        # The refused take spent no attempt.
        assert client.get(f"/sessions/{second['sessionId']}").json()["attemptsLeft"] == 3
