"""The real service on a free local port, and Debian's Chromium driven by Playwright.

The service runs in a thread of this process (uvicorn on a socket bound to 127.0.0.1 port 0, so
the OS picks the port before the URL is known to anyone) with its own state directory; it is
stopped through its handle when the tests are done. Chromium is the system one
(``/usr/bin/chromium``, installed by ``.ci/run``); Playwright never downloads a browser here.
Without it the browser tests skip, saying so.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from livecred import Settings, create_app
from tests.capture.performances import D9
from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.web.fake_camera import write_fake_camera

CHROMIUM = Path("/usr/bin/chromium")
# The person the canvas camera shows (tests/web/canvas_camera.py), and the challenges sessions
# draw: the ones that clip can perform (tests/capture/performances.py).
CANVAS_PERFORMANCE = D9
SESSION_CHALLENGES = "smile,blink"
QUIET_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_or_skip() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)")
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $LIVECRED_TEST_ARTIFACTS (CI sets it), else a pytest temp dir."""
    configured = os.environ.get("LIVECRED_TEST_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    if not path.is_absolute():
        path = REPO_ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path


class LiveServer:
    """uvicorn serving ``create_app(settings)`` in a thread; ``url`` once it accepts requests."""

    def __init__(self, state_dir: Path) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        with pytest.MonkeyPatch.context() as env:
            env.setenv("LIVECRED_SESSION_CHALLENGES", SESSION_CHALLENGES)
            self.settings = Settings(models_dir=MODELS_DIR, state_dir=state_dir, public_url=self.url)
        config = uvicorn.Config(create_app(self.settings), log_level="warning", ws="websockets-sansio", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 120
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the service stopped while starting (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError("the service did not start within 120 s")
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=60)
        self._socket.close()
        assert not self._thread.is_alive(), "the service thread did not stop"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("web-state"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fake_camera(tmp_path_factory.mktemp("camera") / "face.y4m")


@pytest.fixture(scope="session")
def browser(fake_camera: Path) -> Iterator[object]:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            args=[
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={fake_camera}",
                *QUIET_CHROMIUM,
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
