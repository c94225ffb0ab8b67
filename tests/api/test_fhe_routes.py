"""POST /fhe/distance: the cloud role over HTTP, and every way a client can get it wrong (4xx)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fhe import PARAMS_128, CipherFace, EncryptedDistance, FHELimits, Metric, encode_base64, plaintext_distance
from livecred import Settings, create_app
from livecred.fhe_engine import engine_model_spec
from livecred.routes.fhe import request_limit
from tests.conftest import MODELS_DIR
from tests.fhe import seal_bombs

A = np.random.default_rng(11).standard_normal(128)
B = np.random.default_rng(12).standard_normal(128)


@pytest.fixture(scope="module")
def holder() -> CipherFace:
    return CipherFace(engine_model_spec(), metric=Metric.COSINE)


@pytest.fixture(scope="module")
def body(holder: CipherFace) -> dict[str, str]:
    return {
        "publicContext": encode_base64(holder.public_context()),
        "a": holder.encrypt(A).to_base64(),
        "b": holder.encrypt(B).to_base64(),
    }


def test_the_service_computes_what_only_the_key_holder_can_read(
    client: TestClient, holder: CipherFace, body: dict[str, str]
) -> None:
    response = client.post("/fhe/distance", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["metric"] == "cosine" and data["model"] == "MobileFaceNet"
    assert data["fingerprint"] == holder.fingerprint
    distance = EncryptedDistance.from_base64(data["distance"])
    assert holder.restore(distance) == pytest.approx(plaintext_distance(A, B, Metric.COSINE), abs=1e-5)


def test_a_context_with_a_secret_key_is_refused(client: TestClient, holder: CipherFace, body: dict[str, str]) -> None:
    response = client.post("/fhe/distance", json={**body, "publicContext": encode_base64(holder.private_key())})
    assert response.status_code == 422
    assert response.json()["code"] == "secret_key_refused"
    assert response.json()["field"] == "publicContext"


def test_a_ciphertext_from_another_key_is_refused(client: TestClient, body: dict[str, str]) -> None:
    stranger = CipherFace(engine_model_spec(), metric=Metric.COSINE)
    response = client.post("/fhe/distance", json={**body, "b": stranger.encrypt(B).to_base64()})
    assert response.status_code == 422
    assert response.json()["code"] == "key_mismatch" and response.json()["field"] == "b"


def _truncated(text: str) -> str:
    return encode_base64(base64.b64decode(text)[: len(text) // 3])


@pytest.mark.parametrize(
    ("field", "mutate", "status", "code"),
    [
        ("publicContext", _truncated, 422, "invalid_key"),
        ("a", _truncated, 422, "invalid_ciphertext"),
        ("b", lambda t: t[:-3], 400, "invalid_encoding"),
        ("a", lambda t: "%%%" + t, 400, "invalid_encoding"),
        ("b", lambda t: "", 400, "invalid_encoding"),
        ("publicContext", lambda t: encode_base64(b"LCFHE" + b"\x01E" + b"\x00" * 40), 422, "invalid_key"),
    ],
)
def test_damaged_fields_are_client_errors(
    client: TestClient, body: dict[str, str], field: str, mutate: object, status: int, code: str
) -> None:
    assert callable(mutate)
    response = client.post("/fhe/distance", json={**body, field: mutate(body[field])})
    assert response.status_code == status, response.text
    assert response.json()["code"] == code and response.json()["field"] == field


def test_a_distance_in_place_of_an_embedding_is_refused(
    client: TestClient, holder: CipherFace, body: dict[str, str]
) -> None:
    distance = holder.calculate_encrypted_distance(body["a"], body["b"]).to_base64()
    response = client.post("/fhe/distance", json={**body, "a": distance})
    assert response.status_code == 422 and response.json()["code"] == "invalid_ciphertext"


def test_missing_fields_and_bad_json(client: TestClient, body: dict[str, str]) -> None:
    assert client.post("/fhe/distance", json={"a": body["a"]}).json()["code"] == "invalid_request"
    bad = client.post("/fhe/distance", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_json"


@pytest.fixture(scope="module")
def small_client() -> Iterator[TestClient]:
    settings = Settings(models_dir=MODELS_DIR, fhe_max_ciphertext_bytes=100_000, fhe_max_context_bytes=2_000_000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_oversized_fields_and_bodies_are_refused(small_client: TestClient) -> None:
    # The 128-bit preset fits this service's limits (context 1.4 MB, ciphertexts 83 kB each).
    holder = CipherFace(engine_model_spec(), params=PARAMS_128)
    body = {
        "publicContext": encode_base64(holder.public_context()),
        "a": holder.encrypt(A).to_base64(),
        "b": holder.encrypt(B).to_base64(),
    }
    assert small_client.post("/fhe/distance", json=body).status_code == 200
    response = small_client.post("/fhe/distance", json={**body, "a": encode_base64(b"\0" * 100_001)})
    assert response.status_code == 413
    assert response.json()["code"] == "fhe_input_too_large" and response.json()["field"] == "a"
    response = small_client.post("/fhe/distance", json={**body, "publicContext": encode_base64(b"\0" * 2_050_000)})
    assert response.status_code == 413
    assert response.json()["code"] == "fhe_input_too_large" and response.json()["field"] == "publicContext"
    # The whole body is bounded too, before it is read.
    response = small_client.post("/fhe/distance", json={**body, "padding": "x" * 3_000_000})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_the_fhe_body_limit_follows_the_field_limits(client: TestClient) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    limits = FHELimits(state.settings.fhe_max_context_bytes, state.settings.fhe_max_ciphertext_bytes)
    assert state.body_limits["/fhe/"] == request_limit(limits)
    # Room for the largest context and two ciphertexts, base64-encoded.
    assert request_limit(limits) > (limits.max_context_bytes + 2 * limits.max_ciphertext_bytes) * 4 // 3


# Runs in a fresh process: the service, one genuine request, then the attack. Peak RSS never goes
# down, so the genuine request sets the baseline and whatever the attack adds shows as growth.
# VmHWM, not getrusage: Linux carries a parent's peak over into ru_maxrss across fork and exec.
_ATTACK_PROCESS = textwrap.dedent(
    """
    import json, sys
    from fastapi.testclient import TestClient
    from livecred import Settings, create_app

    def peak_mb():
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status)
        return int(fields["VmHWM"].split()[0]) / 1024

    bodies = json.loads(open(sys.argv[1]).read())
    with TestClient(create_app(Settings(models_dir=sys.argv[2], state_dir=sys.argv[3]))) as client:
        genuine = client.post("/fhe/distance", json=bodies["genuine"])
        baseline = peak_mb()
        attack = client.post("/fhe/distance", json=bodies["attack"])
        growth = peak_mb() - baseline
    print(json.dumps({"genuine": genuine.status_code, "status": attack.status_code, "body": attack.json(),
                      "baseline_mb": baseline, "growth_mb": growth}))
    """
)


def test_a_galois_key_repeated_in_every_slot_is_refused_without_holding_memory(tmp_path: Path) -> None:
    # The reported attack: a genuine public context whose Galois-key object is a zstd stream of one
    # genuine key repeated for every slot (0.8 GB inflated at N=4096, more loaded), re-enveloped.
    holder = CipherFace(engine_model_spec(), params=PARAMS_128)
    public = holder.public_context()
    galois = seal_bombs.repeated_galois_key(seal_bombs.context_objects(public).galois_keys)
    attack = seal_bombs.with_objects(public, galois_keys=galois)
    assert len(attack) < 1024 * 1024 < FHELimits().max_context_bytes
    a, b = holder.encrypt(A).to_base64(), holder.encrypt(B).to_base64()
    bodies = {
        "genuine": {"publicContext": encode_base64(public), "a": a, "b": b},
        "attack": {"publicContext": encode_base64(attack), "a": a, "b": b},
    }
    (tmp_path / "bodies.json").write_text(json.dumps(bodies))
    args = [sys.executable, "-c", _ATTACK_PROCESS, tmp_path / "bodies.json", MODELS_DIR, tmp_path / "state"]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["genuine"] == 200
    assert result["status"] == 413, result
    assert result["body"]["code"] == "fhe_input_too_large" and result["body"]["field"] == "publicContext"
    assert "Galois keys" in result["body"]["message"]
    assert result["growth_mb"] < 100, result
