"""Every endpoint through the HTTP client, on real images."""

from __future__ import annotations

from fastapi.testclient import TestClient

from liveness.models import DEFAULT_ENGINE_MODELS
from tests.conftest import encode_b64, make_id_card, read_b64, read_image

REAL = "silentface_real_spoof/image_T1.jpg"
SPOOF = "silentface_real_spoof/image_F1.jpg"


def test_health_is_ready_with_every_model_verified(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["status"] == "ok" and body["missing_models"] == []
    assert {m["name"] for m in body["models"]} == set(DEFAULT_ENGINE_MODELS)
    assert {"facemesh_detector", "facemesh", "iris_landmark"} <= set(DEFAULT_ENGINE_MODELS)
    assert all(m["state"] == "ok" for m in body["models"])


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/detect", "/liveness", "/antispoof", "/face-match", "/verify"} <= set(paths)


def test_detect(client: TestClient) -> None:
    response = client.post("/detect", json={"image": read_b64(REAL)})
    assert response.status_code == 200
    body = response.json()
    assert body["face_count"] == 1 and len(body["faces"]) == 1
    face = body["faces"][0]
    assert set(face) >= {"x", "y", "width", "height"}
    assert 100 < face["x"] + face["width"] / 2 < 300 and 0.6 <= face["confidence"] <= 1
    assert body["processing_time_ms"] > 0


def test_detect_accepts_a_data_url(client: TestClient) -> None:
    response = client.post("/detect", json={"image": "data:image/jpeg;base64," + read_b64(REAL)})
    assert response.status_code == 200 and response.json()["face_count"] == 1


def test_detect_reports_zero_faces_without_error(client: TestClient) -> None:
    blank = encode_b64(read_image(REAL)[:60, :60].repeat(4, 0).repeat(4, 1))
    response = client.post("/detect", json={"image": blank})
    assert response.status_code == 200
    assert response.json()["face_count"] == 0 and response.json()["faces"] == []


def test_liveness_real_and_spoof(client: TestClient) -> None:
    real = client.post("/liveness", json={"image": read_b64(REAL)}).json()
    spoof = client.post("/liveness", json={"image": read_b64(SPOOF)}).json()
    assert real["is_live"] is True and real["is_real"] is True and real["antispoof_score"] > 0.9
    assert spoof["is_live"] is False and spoof["antispoof_score"] < 0.3
    assert real["threshold"] == 0.3  # ANTISPOOF_THRESHOLD default, cross-validated on NUAA (model card)
    assert set(real["bounding_box"]) == {"x", "y", "width", "height"}


def test_antispoof_threshold_override(client: TestClient) -> None:
    strict = client.post("/antispoof", json={"image": read_b64(SPOOF), "antispoofThreshold": 0.01}).json()
    assert strict["is_real"] is True and strict["threshold"] == 0.01
    default = client.post("/antispoof", json={"image": read_b64(SPOOF)}).json()
    assert default["is_real"] is False
    assert set(default["model_scores"]) == {"MiniFASNetV2", "MiniFASNetV1SE"}


def test_face_match_same_and_different_person(client: TestClient) -> None:
    card = encode_b64(make_id_card(read_image("deepface_identities/img4.jpg")))
    same = client.post("/face-match", json={"idImage": card, "selfieImage": read_b64("deepface_identities/img2.jpg")})
    other = client.post("/face-match", json={"idImage": card, "selfieImage": read_b64("deepface_identities/img13.jpg")})
    assert same.status_code == 200 and other.status_code == 200
    assert same.json()["matched"] is True and same.json()["id_face_extracted"] is True
    assert other.json()["matched"] is False
    # The default operating point: confidence 0.6667 = estimated FAR 1e-4 (was 0.6 on the old scale).
    assert same.json()["confidence"] > 0.6667 > other.json()["confidence"]
    assert same.json()["min_confidence"] == 0.6667


def test_face_match_min_confidence_is_honoured(client: TestClient) -> None:
    body = {
        "idImage": read_b64("faceonnx_identities/brad_pitt_fit.jpg"),
        "selfieImage": read_b64("faceonnx_identities/brad_1.jpg"),
    }
    assert client.post("/face-match", json=body).json()["matched"] is True
    assert client.post("/face-match", json={**body, "minConfidence": 1.0}).json()["matched"] is False


def test_verify_live_matching_selfie(client: TestClient) -> None:
    card = encode_b64(make_id_card(read_image("deepface_identities/img4.jpg")))
    response = client.post("/verify", json={"idImage": card, "selfieImage": read_b64("deepface_identities/img2.jpg")})
    body = response.json()
    assert response.status_code == 200
    assert body["verified"] is True and body["is_live"] is True and body["faces_match"] is True
    # /verify moved to the default operating point too (0.4 = cosine 0.44 on the old scale).
    assert body["reasons"] == [] and body["min_face_match_confidence"] == 0.6667
    assert body["face_match_confidence"] >= 0.6667 and body["processing_time_ms"] > 0


def test_verify_refuses_a_spoof_and_a_different_person(client: TestClient) -> None:
    card = encode_b64(make_id_card(read_image("silentface_real_spoof/image_T1.jpg")))
    spoof = client.post("/verify", json={"idImage": card, "selfieImage": read_b64(SPOOF)}).json()
    assert spoof["verified"] is False and spoof["is_live"] is False and "selfie_not_live" in spoof["reasons"]
    other = client.post(
        "/verify", json={"idImage": card, "selfieImage": read_b64("deepface_identities/img2.jpg")}
    ).json()
    assert other["verified"] is False and other["faces_match"] is False and "faces_do_not_match" in other["reasons"]
