"""Backends chosen by settings, through the HTTP API: a recognition backend in a worker process
serves /face-match and /verify, its crashes, hangs and floods are 503s with a code and a
Retry-After, the routes of the default engine's parts keep working while it is down, and
/health lists every part's backend.

The isolated backend is the test-only ``faulty`` recognition backend (the real MobileFaceNet in
a worker process, which kills itself, hangs or raises on a marker pixel: see
tests/liveness/backends/faulty.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from livecred import Settings, create_app
from liveness.backends import DEFAULT_REGISTRY, Backend, UnknownBackend
from liveness.backends.torch_fasnet import EQUIVALENCE_TOLERANCE
from tests.api import backend_probe
from tests.conftest import MODELS_DIR, REPO_ROOT, encode_b64, read_b64, read_image
from tests.liveness.backends import faulty

ID, SELFIE = "deepface_identities/img1.jpg", "deepface_identities/img2.jpg"
FAULTY = "tests.liveness.backends.faulty"
REGISTRY = DEFAULT_REGISTRY.with_backends(
    Backend("recognition", "faulty", "onnxruntime", f"{FAULTY}:build_from_env", ("mobilefacenet",)),
    Backend("recognition", "ghost", "tensorflow", f"{FAULTY}:build_missing_extra", ("x",), extra="ghost"),
)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


def marked(marker: tuple[int, int, int]) -> str:
    """The ID photo with the marker pixel, as PNG so the pixel survives."""
    return encode_b64(faulty.mark(read_image(ID), marker), ".png")


def recognition(client: TestClient) -> dict[str, Any]:
    backends = client.get("/health").json()["backends"]
    (entry,) = [b for b in backends if b["part"] == "recognition"]
    return dict(entry)


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("faulty")
    (root / "signals").mkdir()
    return {"state": root / "state", "signals": root / "signals", "flag": root / "die-at-start"}


@pytest.fixture(scope="module")
def isolated(paths: dict[str, Path]) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=paths["state"],
        rate_limits_enabled=False,
        recognition="faulty",
        backend_timeout_seconds=3.0,
        backend_max_queue=1,
        backend_restart_backoff_max_seconds=0.5,
        max_concurrency=4,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv(faulty.SIGNAL_DIR_ENV, str(paths["signals"]))
        env.setenv(faulty.DIE_FLAG_ENV, str(paths["flag"]))
        with TestClient(create_app(settings, backend_registry=REGISTRY)) as client:
            yield client


def test_health_lists_every_parts_backend(isolated: TestClient) -> None:
    response = isolated.get("/health")
    assert response.status_code == 200 and response.json()["ready"] is True
    listed = {b["part"]: b for b in response.json()["backends"]}
    assert listed["recognition"] == {
        "part": "recognition",
        "backend": "faulty:mobilefacenet",
        "isolated": True,
        "runtime": "onnxruntime",
        "state": "running",
        "restarts": listed["recognition"]["restarts"],
    }
    for part in ("detector", "antispoof", "smile"):
        assert listed[part]["backend"] == "default" and listed[part]["isolated"] is False
    assert "pid" not in response.text


def test_verify_is_served_from_the_worker_with_the_default_engines_answer(
    isolated: TestClient, client: TestClient
) -> None:
    body = {"idImage": read_b64(ID), "selfieImage": read_b64(SELFIE)}
    ours, reference = isolated.post("/verify", json=body), client.post("/verify", json=body)
    assert ours.status_code == reference.status_code == 200
    mine, theirs = ({k: v for k, v in a.json().items() if k != "processing_time_ms"} for a in (ours, reference))
    assert mine == theirs and mine["verified"] is True
    worker = isolated.app.state.backends.workers["onnxruntime"]  # type: ignore[attr-defined]
    assert worker.pid is not None and worker.pid != os.getpid()
    # That the service's process never imports a backend's runtime is checked in fresh processes
    # (backend_probe.py, test_architecture.py): this session imports torch and TensorFlow for other tests.


@pytest.mark.parametrize("marker", [faulty.EXIT, faulty.SIGKILL], ids=["exit", "sigkill"])
def test_a_crash_is_a_503_and_the_service_stays_up(isolated: TestClient, marker: tuple[int, int, int]) -> None:
    before = recognition(isolated)["restarts"]
    response = isolated.post("/face-match", json={"idImage": marked(marker), "selfieImage": read_b64(SELFIE)})
    assert response.status_code == 503 and response.json()["code"] == "backend_crashed"
    assert int(response.headers["Retry-After"]) >= 1
    assert isolated.post("/detect", json={"image": read_b64(SELFIE)}).status_code == 200
    wait_for(lambda: recognition(isolated)["state"] == "running" and recognition(isolated)["restarts"] == before + 1)
    again = isolated.post("/face-match", json={"idImage": read_b64(ID), "selfieImage": read_b64(SELFIE)})
    assert again.status_code == 200 and again.json()["matched"] is True


def test_a_hung_call_is_a_503_timeout(isolated: TestClient) -> None:
    before = recognition(isolated)["restarts"]
    response = isolated.post("/face-match", json={"idImage": marked(faulty.HANG), "selfieImage": read_b64(SELFIE)})
    assert response.status_code == 503 and response.json()["code"] == "backend_timeout"
    assert "Retry-After" in response.headers
    wait_for(lambda: recognition(isolated)["state"] == "running" and recognition(isolated)["restarts"] == before + 1)


def test_an_exception_in_the_backend_is_a_503_and_the_worker_keeps_running(isolated: TestClient) -> None:
    before = recognition(isolated)
    response = isolated.post("/face-match", json={"idImage": marked(faulty.RAISE), "selfieImage": read_b64(SELFIE)})
    assert response.status_code == 503 and response.json()["code"] == "backend_failed"
    assert "on purpose" not in response.text  # the backend's own message never reaches a client
    assert recognition(isolated) == before


def test_a_full_backend_queue_is_a_503_with_retry_after(isolated: TestClient, paths: dict[str, Path]) -> None:
    hanging = paths["signals"] / "hanging"
    hanging.unlink(missing_ok=True)
    answers: list[int] = []
    body = {"idImage": marked(faulty.HANG), "selfieImage": read_b64(SELFIE)}
    thread = threading.Thread(target=lambda: answers.append(isolated.post("/face-match", json=body).status_code))
    thread.start()
    wait_for(hanging.exists)  # the queue's one slot is held until the timeout
    response = isolated.post("/face-match", json={"idImage": read_b64(ID), "selfieImage": read_b64(SELFIE)})
    assert response.status_code == 503 and response.json()["code"] == "backend_busy"
    assert response.headers["Retry-After"] == "1"
    thread.join()
    assert answers == [503]
    wait_for(lambda: recognition(isolated)["state"] == "running")


def test_the_default_parts_keep_working_while_the_backend_is_down(isolated: TestClient, paths: dict[str, Path]) -> None:
    paths["flag"].touch()  # every restart now dies while building
    try:
        crash = isolated.post("/face-match", json={"idImage": marked(faulty.EXIT), "selfieImage": read_b64(SELFIE)})
        assert crash.status_code == 503
        wait_for(lambda: recognition(isolated)["state"] == "failed")
        health = isolated.get("/health")
        assert health.status_code == 200 and health.json()["ready"] is True and health.json()["status"] == "degraded"
        down = isolated.post("/face-match", json={"idImage": read_b64(ID), "selfieImage": read_b64(SELFIE)})
        assert down.status_code == 503 and down.json()["code"] == "backend_unavailable"
        assert int(down.headers["Retry-After"]) >= 1
        assert isolated.post("/detect", json={"image": read_b64(SELFIE)}).status_code == 200
        assert isolated.post("/antispoof", json={"image": read_b64(SELFIE)}).status_code == 200
    finally:
        paths["flag"].unlink()
    wait_for(lambda: recognition(isolated)["state"] == "running")
    assert isolated.get("/health").json()["status"] == "ok"
    again = isolated.post("/face-match", json={"idImage": read_b64(ID), "selfieImage": read_b64(SELFIE)})
    assert again.status_code == 200


def test_a_backend_that_is_not_installed_leaves_the_service_up_but_not_ready(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path, rate_limits_enabled=False, recognition="ghost")
    with TestClient(create_app(settings, backend_registry=REGISTRY)) as client:
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["ready"] is False
        assert health.json()["hint"] == "install the ghost extra: pip install 'livecred[ghost]'"
        assert {"part": "recognition", "backend": "ghost:x", "state": "failed"}.items() <= recognition(client).items()
        refused = client.post("/detect", json={"image": read_b64(SELFIE)})
        assert refused.status_code == 503 and refused.json()["code"] == "backend_not_started"
        assert "ghost:x" in refused.json()["message"] and "livecred[ghost]" in refused.json()["message"]
        assert "Retry-After" in refused.headers


def test_an_unknown_backend_stops_start_up(tmp_path: Path) -> None:
    settings = Settings(models_dir=MODELS_DIR, state_dir=tmp_path, antispoof="uniface:minifasnet")
    app = create_app(settings)
    with pytest.raises(UnknownBackend, match="unknown antispoof backend 'uniface:minifasnet'; known: default"):
        TestClient(app).__enter__()


def test_a_malformed_backend_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="malformed backend"):
        Settings(models_dir=MODELS_DIR, state_dir=tmp_path, recognition="deepface:")
    assert Settings(models_dir=MODELS_DIR, state_dir=tmp_path, recognition=" DeepFace:Facenet512 ").recognition == (
        "deepface:Facenet512"
    )


def probe(tmp_path: Path, *settings: str, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    """A fresh service process with ``settings`` (see backend_probe.py), and its report."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.api.backend_probe", str(tmp_path), str(models_dir), *settings],
        cwd=REPO_ROOT,
        env={**os.environ, "LIVECRED_WARM_UP": "false"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_torch_fasnet_answers_from_a_torch_worker_and_torch_never_loads_in_the_service(
    tmp_path: Path, client: TestClient
) -> None:
    report = probe(tmp_path, "antispoof=torch:minifasnet")
    listed = {b["part"]: b for b in report["health"]["backends"]}
    assert listed["antispoof"]["backend"] == "torch:minifasnet" and listed["antispoof"]["runtime"] == "torch"
    assert report["workers"] == {"torch": {"separate": True, "mapped": ["torch"]}}
    assert report["service_modules"] == [] and report["service_mapped"] == []
    antispoof = report["answers"]["antispoof"]
    reference = client.post("/antispoof", json={"image": read_b64(backend_probe.LIVE)}).json()
    assert antispoof["status"] == 200 and antispoof["body"]["is_real"] is reference["is_real"] is True
    # torch and onnxruntime on the same weights: within the torch backend's equivalence tolerance.
    assert abs(antispoof["body"]["antispoof_score"] - reference["antispoof_score"]) <= EQUIVALENCE_TOLERANCE + 1e-4
    assert report["answers"]["verify"]["status"] == 200 and report["answers"]["verify"]["body"]["verified"] is True


def deepface_models(tmp_path_factory: pytest.TempPathFactory, model: str, *script: str) -> Path:
    """A models directory: the shared models plus DeepFace's ``model`` architecture with seeded random
    weights under DeepFace's file name, built in a process of its own (this one never imports
    TensorFlow). ``script``: more Python run there after the build, with ``d`` the directory."""
    if importlib.util.find_spec("deepface") is None or importlib.util.find_spec("tf_keras") is None:
        pytest.skip("the DeepFace backend is not installed: pip install -e '.[deepface]'")
    models = tmp_path_factory.mktemp("models")
    for entry in MODELS_DIR.iterdir():
        (models / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (models / "deepface").mkdir()
    build = "\n".join(
        [
            "import sys",
            "from pathlib import Path",
            "from liveness.backends.deepface import weights_for",
            "from tests.liveness.backends.deepface.conftest import build_weight_file, record",
            f"d = Path(sys.argv[1]); (w,) = weights_for({model!r})",
            f"build_weight_file({model!r}, d / w.path); record(d, w.name)",
            *script,
        ]
    )
    subprocess.run([sys.executable, "-c", build, str(models)], cwd=REPO_ROOT, check=True, capture_output=True)
    return models


@pytest.mark.slow  # builds DeepFace's Facenet512 (random weights) and starts TensorFlow twice: ~2 minutes
def test_deepface_recognition_serves_verify_from_a_tensorflow_worker(
    tmp_path_factory: pytest.TempPathFactory, client: TestClient
) -> None:
    models = deepface_models(tmp_path_factory, "Facenet512")
    report = probe(tmp_path_factory.mktemp("state"), "recognition=deepface:Facenet512", models_dir=models)
    listed = {b["part"]: b for b in report["health"]["backends"]}
    assert report["health"]["ready"] is True and report["health"]["status"] == "ok"
    assert listed["recognition"] == {
        "part": "recognition",
        "backend": "deepface:Facenet512",
        "isolated": True,
        "runtime": "tensorflow",
        "state": "running",
        "restarts": 0,
    }
    # /verify's embeddings came from the TensorFlow worker: TensorFlow is mapped there and
    # neither imported nor mapped in the service's process.
    assert report["workers"] == {"tensorflow": {"separate": True, "mapped": ["tensorflow"]}}
    assert report["service_modules"] == [] and report["service_mapped"] == []
    verify = report["answers"]["verify"]
    assert verify["status"] == 200 and set(verify["body"]) >= {"verified", "faces_match", "face_match_confidence"}
    # The default engine's parts answer as they do without the backend (random weights make the
    # match itself meaningless; the liveness half is the default engine's).
    reference = client.post("/antispoof", json={"image": read_b64(backend_probe.LIVE)}).json()
    assert report["answers"]["antispoof"] == {
        "status": 200,
        "body": {k: v for k, v in reference.items() if k != "processing_time_ms"},
    }


# In the build process: DeepFace's emotion model on the faces the service will find (the default
# engine's largest face), scored in process, for the worker's answers to be compared with.
EMOTION_REFERENCE = [
    "import json",
    "from liveness import load_default_engine",
    "from liveness.backends.deepface import build_smile",
    "from tests.api.backend_probe import SELFIE, SMILING",
    "from tests.conftest import MODELS_DIR, read_image",
    "engine, smile = load_default_engine(MODELS_DIR), build_smile(d)",
    "scores = {}",
    "for name in (SELFIE, SMILING):",
    "    image = read_image(name)",
    "    scores[name] = smile.score_face(image, engine.images.subject(image).face)",
    "(d / 'emotion-reference.json').write_text(json.dumps(scores))",
]


# Builds DeepFace's emotion model (random weights) and starts TensorFlow twice: about 30 s.
def test_deepface_emotion_scores_smiles_from_a_tensorflow_worker(
    tmp_path_factory: pytest.TempPathFactory, client: TestClient
) -> None:
    models = deepface_models(tmp_path_factory, "Emotion", *EMOTION_REFERENCE)
    expected = json.loads((models / "emotion-reference.json").read_text())
    report = probe(tmp_path_factory.mktemp("state"), "smile=deepface:emotion", models_dir=models)
    listed = {b["part"]: b for b in report["health"]["backends"]}
    assert report["health"]["ready"] is True and report["health"]["status"] == "ok"
    assert listed["smile"] == {
        "part": "smile",
        "backend": "deepface:emotion",
        "isolated": True,
        "runtime": "tensorflow",
        "state": "running",
        "restarts": 0,
    }
    assert report["workers"] == {"tensorflow": {"separate": True, "mapped": ["tensorflow"]}}
    assert report["service_modules"] == [] and report["service_mapped"] == []
    # /smile-check: the emotion model's score of the face, computed in the worker (the same number
    # as in process), the method named.
    smile = report["answers"]["smile"]
    assert smile["status"] == 200 and smile["body"]["method"] == "deepface-emotion"
    score = smile["body"]["smile_score"]
    assert score == pytest.approx(expected[backend_probe.SMILING], abs=0.011)
    assert smile["body"]["is_smiling"] is (score >= smile["body"]["threshold"])
    geometric = client.post("/smile-check", json={"image": read_b64(backend_probe.SMILING)}).json()
    assert geometric["method"] == "geometric" and geometric["mouth_width"] == smile["body"]["mouth_width"]
    # A smile challenge measures the change of the emotion scores between the two frames.
    challenge = report["answers"]["challenge"]
    assert challenge["status"] == 200 and challenge["body"]["measure"] == "smile_score"
    before, after = expected[backend_probe.SELFIE], expected[backend_probe.SMILING]
    assert challenge["body"]["baseline_value"] == pytest.approx(before, abs=1e-3)
    assert challenge["body"]["challenge_value"] == pytest.approx(after, abs=1e-3)
    assert challenge["body"]["change"] == pytest.approx(after - before, abs=2e-3)
    assert challenge["body"]["baseline"]["smile_score"] == pytest.approx(before, abs=0.011)
    # The rest of the engine is the default one.
    reference = client.post("/antispoof", json={"image": read_b64(backend_probe.LIVE)}).json()
    assert report["answers"]["antispoof"]["body"] == {k: v for k, v in reference.items() if k != "processing_time_ms"}
