"""Run a service with the given backend settings in a fresh process and report what it did.

``python -m tests.api.backend_probe STATE_DIR MODELS_DIR KEY=VALUE ...`` starts the app with those
settings, calls /health, /antispoof, /verify, /smile-check and a smile /challenge/validate on real
test images, and prints one JSON object:
the answers, which heavy runtimes this (the service's) process imported, and which runtime each
worker process has mapped into memory. A fresh process, because the test session itself may have
imported torch or TensorFlow for other tests.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from livecred import Settings, create_app
from tests.conftest import read_b64

ID, SELFIE, LIVE = "deepface_identities/img1.jpg", "deepface_identities/img2.jpg", "silentface_real_spoof/image_T1.jpg"
SMILING = ID  # an open smile; SELFIE, the same person with a closed mouth
RUNTIME_LIBRARIES = {"torch": "libtorch", "tensorflow": "tensorflow"}


def _mapped(pid: int) -> list[str]:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return sorted(name for name, library in RUNTIME_LIBRARIES.items() if library in maps)


def _untimed(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "processing_time_ms"}


def main(state_dir: str, models_dir: str, *pairs: str) -> None:
    options = dict(pair.split("=", 1) for pair in pairs)
    settings = Settings(models_dir=Path(models_dir), state_dir=Path(state_dir), rate_limits_enabled=False, **options)
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        answers = {
            "antispoof": client.post("/antispoof", json={"image": read_b64(LIVE)}),
            "verify": client.post("/verify", json={"idImage": read_b64(ID), "selfieImage": read_b64(SELFIE)}),
            "smile": client.post("/smile-check", json={"image": read_b64(SMILING)}),
            "challenge": client.post(
                "/challenge/validate",
                json={"baselineImage": read_b64(SELFIE), "challengeImage": read_b64(SMILING), "challengeType": "smile"},
            ),
        }
        workers = client.app.state.backends.workers  # type: ignore[attr-defined]
        report = {
            "health": health.json(),
            "answers": {
                name: {
                    "status": r.status_code,
                    "body": {k: v for k, v in r.json().items() if k != "processing_time_ms"},
                }
                for name, r in answers.items()
            },
            "service_modules": sorted(m for m in RUNTIME_LIBRARIES if m in sys.modules),
            "service_mapped": _mapped(os.getpid()),
            "workers": {
                runtime: {"separate": w.pid is not None and w.pid != os.getpid(), "mapped": _mapped(w.pid)}
                for runtime, w in workers.items()
            },
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
