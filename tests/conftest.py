"""Shared fixtures: real models from the models directory, real images from ../shared/testdata.

Paths are located from this file, never from the working directory. ``LIVECRED_MODELS_DIR`` and
``LIVECRED_TESTDATA_DIR`` override the defaults (``<repo>/../shared/models`` and ``/testdata``).
"""

from __future__ import annotations

import base64
import csv
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app

# Every app a test builds would warm every model first (0.3-0.5 s each, dozens of apps): the tests
# switch the warm-up off unless they ask for it (tests/liveness/test_warm_up.py does).
os.environ.setdefault("LIVECRED_WARM_UP", "false")
from liveness import ImageLimits, LivenessEngine, decode_image_bytes, load_default_engine

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
MODELS_DIR = Path(os.environ.get("LIVECRED_MODELS_DIR") or SHARED / "models").resolve()
TESTDATA = Path(os.environ.get("LIVECRED_TESTDATA_DIR") or SHARED / "testdata").resolve()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Without the models and the test images every model-backed test would error on its own;
    stop at once with the one thing to fix instead."""
    missing = [
        f"{name} {path}"
        for name, path in (("LIVECRED_MODELS_DIR", MODELS_DIR), ("LIVECRED_TESTDATA_DIR", TESTDATA))
        if not path.is_dir() or not any(path.iterdir())
    ]
    if missing:
        pytest.exit(
            "the tests need the shared models and test images, not found: "
            + "; ".join(missing)
            + ". Put shared/ beside the checkout (../shared/models, ../shared/testdata) or point "
            "LIVECRED_MODELS_DIR and LIVECRED_TESTDATA_DIR at them (docs/testing.md).",
            returncode=4,
        )


# Modules that wait on the clock or on real servers by design (deadlines against dripping hosts,
# a real `livecred serve`, the prover worker's restarts, every route against a live server):
# seconds each, so the fast loop (docs/testing.md) leaves them to CI. Measured with --junitxml.
SLOW_MODULES = frozenset(
    {
        "tests/did/test_fetch.py",
        "tests/api/test_public_url.py",
        "tests/api/test_hostile_server.py",
        "tests/api/test_outbound.py",
        "tests/zk/test_worker.py",
        "tests/api/test_backends.py",  # backend workers crashing, hanging and restarting; fresh services
        "tests/zk/test_verifier.py",
        "tests/zk/test_solidity.py",
        "tests/api/test_request_logs.py",
        "tests/api/test_fhe_routes.py",
        "tests/api/test_zk_api.py",
        "tests/api/test_zk_presentations.py",  # real presentation proofs through the Node worker
        "tests/liveness/test_stream.py",
        "tests/api/test_openapi_statuses.py",
        "tests/fhe/test_bounded_loading.py",
        "tests/api/test_rate_limits.py",
        # It watches the repository and the caches for files this process writes: alone, in CI.
        "tests/api/test_privacy.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # Every test that drives Chromium does it through the `browser` fixture (tests/web/conftest.py).
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if Path(str(item.fspath)).resolve().relative_to(REPO_ROOT).as_posix() in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def read_image(relative: str) -> np.ndarray:
    """A test image as BGR uint8, decoded by the product's own decoder."""
    return decode_image_bytes((TESTDATA / relative).read_bytes(), ImageLimits())


def read_b64(relative: str) -> str:
    return base64.b64encode((TESTDATA / relative).read_bytes()).decode()


def encode_b64(image: np.ndarray, ext: str = ".jpg") -> str:
    ok, buf = cv2.imencode(ext, image, [cv2.IMWRITE_JPEG_QUALITY, 92] if ext == ".jpg" else [])
    assert ok
    return base64.b64encode(buf.tobytes()).decode()


def labelled_pairs(folder: str) -> list[tuple[str, str, bool]]:
    with (TESTDATA / folder / "pairs.csv").open() as fh:
        return [(r["file_x"], r["file_y"], r["same_person"] == "yes") for r in csv.DictReader(fh)]


def make_id_card(
    portrait: np.ndarray, *, size: tuple[int, int] = (1000, 630), photo: tuple[int, int] = (260, 320)
) -> np.ndarray:
    """A synthetic ID card: drawn card, text lines, and the portrait's central crop pasted on the left."""
    width, height = size
    card = np.full((height, width, 3), (228, 236, 240), dtype=np.uint8)
    cv2.rectangle(card, (0, 0), (width - 1, 90), (120, 80, 30), -1)
    cv2.putText(card, "REPUBLIC OF TESTING  IDENTITY CARD", (30, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 2)
    for i, text in enumerate(["SURNAME  DOE", "GIVEN NAMES  JANE", "BORN  01.01.1990", "NO  X1234567"]):
        cv2.putText(card, text, (360, 170 + 60 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (40, 40, 40), 2)
    h, w = portrait.shape[:2]
    pw, ph = photo
    # Central crop at the photo's aspect ratio, then resize: a passport-style head shot.
    crop_h = min(h, int(w * ph / pw))
    crop_w = int(crop_h * pw / ph)
    y0, x0 = (h - crop_h) // 2, (w - crop_w) // 2
    face = cv2.resize(portrait[y0 : y0 + crop_h, x0 : x0 + crop_w], (pw, ph), interpolation=cv2.INTER_AREA)
    top = min(130, height - ph - 10)
    card[top : top + ph, 40 : 40 + pw] = face
    return card


@pytest.fixture(scope="session")
def engine() -> LivenessEngine:
    return load_default_engine(MODELS_DIR)


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def settings(state_dir: Path) -> Settings:
    # Every API test module shares this app and one client address: rate limits have their own tests.
    return Settings(models_dir=MODELS_DIR, state_dir=state_dir, rate_limits_enabled=False)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
