"""The interactive-liveness endpoints through the HTTP client, on real images.

Real: NUAA webcam frames of live subjects, the FaceONNX eye-state and identity photos.
Synthesised: bursts built from those frames (repeated, re-ordered, mixed with another person).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from livecred.app import body_limit
from tests.conftest import MODELS_DIR, encode_b64, read_b64, read_image

NEUTRAL = "nuaa_antispoof/images/real/0013/0013_01_07_03_142.jpg"
SMILING = "nuaa_antispoof/images/real/0013/0013_01_07_03_122.jpg"
BURST = [f"nuaa_antispoof/images/real/0006/0006_00_06_03_{k}.jpg" for k in (281, 284, 285, 286)]
OPEN_EYES = "faceonnx_eye_state/open_open.jpg"
CLOSED_EYES = "faceonnx_eye_state/closed_closed.jpg"
SPOOF = "silentface_real_spoof/image_F1.jpg"


def test_openapi_lists_the_interactive_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/challenge/validate", "/smile-check", "/blink-check", "/passive-monitor"} <= set(paths)


def test_smile_challenge_passes_for_a_live_smile(client: TestClient) -> None:
    body = {"baselineImage": read_b64(NEUTRAL), "challengeImage": read_b64(SMILING), "challengeType": "smile"}
    response = client.post("/challenge/validate", json={**body, "minEmotionChange": 20.0})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["passed"] is True and result["reasons"] == [] and result["message"] == "Challenge passed."
    assert result["challenge_type"] == "smile" and result["measure"] == "smile_score"
    assert result["change"] == pytest.approx(result["challenge_value"] - result["baseline_value"], abs=1e-3)
    assert result["change"] >= result["threshold"] == 20.0
    assert result["is_live"] and result["same_person"] and result["min_face_match_confidence"] == 0.6667  # FAR 1e-4
    assert result["challenge"]["smile_score"] > 50 > result["baseline"]["smile_score"]
    assert set(result["baseline"]) >= {"eye_aspect_ratio", "mouth_width", "lip_corner_elevation", "yaw", "pitch"}
    assert result["processing_time_ms"] > 0
    # The reverse is not a smile; a demand above the measured rise fails too.
    reverse = client.post(
        "/challenge/validate",
        json={
            "baselineImage": body["challengeImage"],
            "challengeImage": body["baselineImage"],
            "challengeType": "smile",
        },
    ).json()
    assert reverse["passed"] is False and reverse["reasons"] == ["challenge_not_performed"]
    assert "smile" in reverse["message"]
    strict = client.post("/challenge/validate", json={**body, "minEmotionChange": 99.0}).json()
    assert strict["passed"] is False and strict["threshold"] == 99.0


def test_challenge_refuses_a_spoof_and_another_person(client: TestClient) -> None:
    spoof = client.post(
        "/challenge/validate",
        json={"baselineImage": read_b64(NEUTRAL), "challengeImage": read_b64(SPOOF), "challengeType": "turn_left"},
    ).json()
    assert spoof["passed"] is False and spoof["is_live"] is False
    assert {"challenge_not_live", "faces_do_not_match"} <= set(spoof["reasons"])
    other = client.post(
        "/challenge/validate",
        json={"baselineImage": read_b64(NEUTRAL), "challengeImage": read_b64(BURST[0]), "challengeType": "smile"},
    ).json()
    assert other["passed"] is False and other["same_person"] is False and "faces_do_not_match" in other["reasons"]


def test_challenge_type_is_validated(client: TestClient) -> None:
    body = {"baselineImage": read_b64(NEUTRAL), "challengeImage": read_b64(SMILING), "challengeType": "wink"}
    response = client.post("/challenge/validate", json=body)
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
    assert response.json()["errors"][0]["field"] == "challengeType"


def test_smile_check(client: TestClient) -> None:
    smiling = client.post("/smile-check", json={"image": read_b64(SMILING)}).json()
    neutral = client.post("/smile-check", json={"image": read_b64(NEUTRAL)}).json()
    assert smiling["is_smiling"] is True and neutral["is_smiling"] is False
    assert smiling["smile_score"] > neutral["smile_score"] and smiling["method"] == "geometric"
    assert smiling["threshold"] == 50.0 and smiling["face_count"] == 1
    assert set(smiling["bounding_box"]) == {"x", "y", "width", "height"}
    strict = client.post("/smile-check", json={"image": read_b64(SMILING), "threshold": 99.9}).json()
    assert strict["is_smiling"] is False and strict["threshold"] == 99.9


def test_blink_check(client: TestClient) -> None:
    open_eyes, closed_eyes = read_b64(OPEN_EYES), read_b64(CLOSED_EYES)
    blink = client.post("/blink-check", json={"frames": [open_eyes, closed_eyes, open_eyes]})
    assert blink.status_code == 200, blink.text
    result = blink.json()
    assert result["blink_detected"] is True and result["blink_count"] == 1 and result["frame_count"] == 3
    assert result["blinks"] == [
        {"start_frame": 1, "end_frame": 1, "depth": pytest.approx(result["blinks"][0]["depth"])}
    ]
    assert result["ear"][1] < result["closed_below"] < result["ear"][0]
    assert len(result["ear_left"]) == len(result["ear_right"]) == 3
    still = client.post("/blink-check", json={"frames": [open_eyes] * 4}).json()
    assert still["blink_detected"] is False and still["blink_count"] == 0 and still["blinks"] == []


def test_passive_monitor(client: TestClient) -> None:
    live = client.post("/passive-monitor", json={"frames": [read_b64(p) for p in BURST]})
    assert live.status_code == 200, live.text
    result = live.json()
    assert result["is_live"] is True and result["reasons"] == [] and result["frame_count"] == 4
    assert len(result["antispoof_scores"]) == 4 and result["antispoof_score"] > 0.9
    assert result["identity_consistent"] and len(result["face_match_confidences"]) == 3
    assert result["motion"]["state"] == "natural"
    assert result["motion"]["still_below"] < result["motion"]["landmark_motion"] < result["motion"]["chaotic_above"]
    assert 0 <= result["best_frame_index"] < 4 and result["blink_required"] is False

    still = client.post("/passive-monitor", json={"frames": [read_b64(BURST[0])] * 4}).json()
    assert still["is_live"] is False and still["reasons"] == ["no_motion"] and still["motion"]["state"] == "still"

    two = [read_b64(BURST[0]), read_b64(BURST[1]), read_b64(NEUTRAL), read_b64(BURST[2])]
    mixed = client.post("/passive-monitor", json={"frames": two}).json()
    assert mixed["is_live"] is False and mixed["identity_consistent"] is False
    assert "identity_inconsistent" in mixed["reasons"]

    blink = client.post("/passive-monitor", json={"frames": [read_b64(p) for p in BURST], "requireBlink": True}).json()
    assert blink["is_live"] is False and blink["reasons"] == ["no_blink"]


# --- bounded bursts, bad frames named ----------------------------------------------------------


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("state"),
        max_image_bytes=150_000,  # two such images: a 464 kB request limit
        max_frames=4,
        max_frame_bytes=120_000,  # four such frames: a 709 kB burst limit
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/blink-check", "/passive-monitor"])
def test_frame_count_is_bounded(small_client: TestClient, path: str) -> None:
    frame = read_b64(OPEN_EYES)
    few = small_client.post(path, json={"frames": [frame, frame]})
    assert few.status_code == 422 and few.json()["code"] == "too_few_frames" and few.json()["field"] == "frames"
    many = small_client.post(path, json={"frames": ["x"] * 5})
    assert many.status_code == 422 and many.json()["code"] == "too_many_frames" and many.json()["field"] == "frames"
    assert small_client.post(path, json={"frames": "not-a-list"}).status_code == 422
    assert small_client.post(path, json={}).json()["code"] == "invalid_request"


@pytest.mark.parametrize("path", ["/blink-check", "/passive-monitor"])
def test_each_bad_frame_is_named(small_client: TestClient, path: str) -> None:
    good = encode_b64(read_image(BURST[0]))
    blank = encode_b64(read_image(BURST[0])[:40, :40])  # a 40 x 40 corner of wall: no face
    big = base64.b64encode(b"\xff\xd8" + bytes(130_000)).decode()
    cases = [
        (2, "%%%", 400, "invalid_base64"),
        (1, base64.b64encode(b"not an image at all").decode(), 422, "not_an_image"),
        (3, big, 413, "image_too_large"),
        (2, blank, 422, "no_face"),
    ]
    for index, bad, status, code in cases:
        frames = [good] * 4
        frames[index] = bad
        response = small_client.post(path, json={"frames": frames})
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code and response.json()["field"] == f"frames[{index}]"


def test_burst_routes_get_a_body_limit_sized_for_their_frames(client: TestClient, small_client: TestClient) -> None:
    for test_client in (client, small_client):
        state = test_client.app.state  # type: ignore[attr-defined]
        settings = state.settings
        burst = body_limit(state, "/passive-monitor")
        assert burst == body_limit(state, "/blink-check") == settings.max_frames_request_bytes
        assert burst >= settings.max_frames * min(settings.max_frame_bytes, settings.max_image_bytes) * 4 // 3
        assert (
            body_limit(state, "/challenge/validate") == body_limit(state, "/smile-check") == settings.max_request_bytes
        )
    state = small_client.app.state  # type: ignore[attr-defined]
    frames = [encode_b64(read_image(p)) for p in BURST]
    # A body over the two-image limit but within the burst limit: accepted on a burst route only.
    padding = "A" * (state.settings.max_request_bytes + 10_000 - sum(len(f) for f in frames))
    accepted = small_client.post("/passive-monitor", json={"frames": frames, "padding": padding})
    assert accepted.status_code == 200, accepted.text
    refused = small_client.post(
        "/smile-check", json={"image": frames[0], "padding": padding + "A" * sum(map(len, frames[1:]))}
    )
    assert refused.status_code == 413 and refused.json()["code"] == "request_too_large"
    over = small_client.post(
        "/blink-check", json={"frames": frames, "padding": "A" * body_limit(state, "/blink-check")}
    )
    assert over.status_code == 413 and over.json()["code"] == "request_too_large"
