"""End to end in a real browser: the wallet page, a live camera stream, the session, OpenID4VCI.

The page's camera is a canvas stream the test controls (``canvas_camera``): a real person from a
shared clip who holds a neutral face, reads the page's instruction and performs it after a human
reaction time. The page creates a did:key, opens a session (with proof of possession) and face
match against an ID card made from another frame of the same clip, streams its camera to the
service, shows each instruction and the progress, receives the credential through OpenID4VCI and
has it verified; the credential it downloads is verified again offline with the CLI. Chromium's
own fake camera, looping a video of photos (``fake_camera``), fails with its reason on the page.
Both run on a phone-sized page. Screenshots are saved as test artifacts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.capture.streams import CooperativeUser
from tests.conftest import REPO_ROOT, make_id_card
from tests.web.canvas_camera import CanvasCamera
from tests.web.conftest import CANVAS_PERFORMANCE, SESSION_CHALLENGES, LiveServer

PHONE = {"width": 420, "height": 900}
# Generous for a shared machine: a take lasts 10-20 s of real time, the proof a few seconds.
FLOW_TIMEOUT_MS = 90_000
# What a looping video of still photos can be refused for (see tests/api/test_capture_attacks.py).
LOOP_REASONS = {"repeated_frame", "discontinuity", "unrequested_action", "not_neutral", "challenge_too_early"}


class Watched:
    """A phone-sized page whose script errors fail the test."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Watched]:
    watched = Watched(browser.new_context(accept_downloads=True, viewport=PHONE))
    try:
        yield watched
    finally:
        watched.context.close()
    assert not watched.errors, watched.errors


def sign_in(page: Page, url: str) -> str:
    page.goto(url + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.click("#generate")
    expect(page.locator("#did")).to_contain_text("did:key:z6Mk")
    return page.locator("#did").inner_text()


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_person_following_the_page_gets_a_credential_that_verifies(
    phone: Watched, live_server: LiveServer, artifacts_dir: Path, tmp_path: Path
) -> None:
    user = CooperativeUser(CANVAS_PERFORMANCE, noise=2.0, seed=5)
    CanvasCamera(user).install(phone.page)
    page = phone.page
    id_card = tmp_path / "id-card.jpg"
    cv2.imwrite(str(id_card), make_id_card(CANVAS_PERFORMANCE.load().at(CANVAS_PERFORMANCE.id_photo)))
    screenshot = artifacts_dir / "wallet-e2e-failed.png"
    try:
        did = sign_in(page, live_server.url)
        page.select_option("#device-type", "mobile")
        page.check("#face-match")
        page.set_input_files("#id-image", str(id_card))
        expect(page.locator("#id-preview")).to_be_visible()
        page.click("#start")

        expect(page.locator("#video")).to_be_visible()
        expect(page.locator("#guide")).to_have_attribute("data-phase", "baseline", timeout=30_000)
        expect(page.locator("#step")).to_contain_text("Look straight at the camera")
        expect(page.locator("#guide")).to_have_attribute("data-phase", "challenge", timeout=FLOW_TIMEOUT_MS)
        expect(page.locator("#step")).to_contain_text(re.compile(r"^1 of \d: "))
        expect(page.locator("#progress-text")).to_contain_text(re.compile(r"\d of \d done"))
        assert fits_the_screen(page)
        page.screenshot(path=str(artifacts_dir / "wallet-e2e-challenge.png"))

        # Either a credential or a failure: fail fast on the latter, with the page's own words.
        page.wait_for_selector(
            "#credential:not(:empty), #result[data-status='failed'], #error:not([hidden])", timeout=FLOW_TIMEOUT_MS
        )
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("#result")).to_have_attribute("data-status", "passed")
        challenges = [kind for kind, _ in user.performed]
        assert sorted(challenges) == sorted(set(challenges)) and set(challenges) <= set(SESSION_CHALLENGES.split(","))
        checks = page.locator("#result li[data-check]")
        # live, each challenge, same person, ID photo (and a 3-D turn when one was asked for)
        turns = any(kind.startswith("turn_") for kind in challenges)
        expect(checks).to_have_count(len(challenges) + 3 + int(turns))
        expect(page.locator("#result li[data-passed='false']")).to_have_count(0)
        expect(page.locator("#result")).not_to_contain_text(re.compile(r"\d\.\d"))  # no scores

        expect(page.locator("#credential")).not_to_be_empty(timeout=30_000)
        credential = json.loads(page.locator("#credential").inner_text())
        assert "LivenessCredential" in credential["type"]
        assert credential["credentialSubject"]["id"] == did
        assert credential["credentialSubject"]["deviceType"] == "mobile"

        page.click("#verify")
        expect(page.locator("#verify-result")).to_have_attribute("data-verified", "true", timeout=30_000)
        expect(page.locator("#verify-result")).to_contain_text("Credential verified")

        with page.expect_download() as download_info:
            page.click("#download")
        downloaded = tmp_path / "credential.json"
        download_info.value.save_as(downloaded)
        assert json.loads(downloaded.read_text()) == credential
        assert fits_the_screen(page)

        # OpenID4VP: the demo verifier asks, the wallet page presents, the verifier sees the verdict.
        verifier = page.context.new_page()
        verifier.goto(f"{live_server.url}/verifier")
        verifier.click("#create")
        expect(verifier.locator("#result-status")).to_have_text("pending")
        page.locator("#present-box summary").click()
        page.fill("#present-request", verifier.locator("#request-uri").input_value())
        page.click("#present")
        expect(page.locator("#present-result")).to_have_attribute("data-status", "sent", timeout=30_000)
        expect(verifier.locator("#result-status")).to_have_text("verified", timeout=30_000)
        expect(verifier.locator("#result-holder")).to_have_text(did)
        verifier.screenshot(path=str(artifacts_dir / "verifier-from-wallet.png"), full_page=True)
        verifier.close()
        screenshot = artifacts_dir / "wallet-e2e.png"
    finally:
        page.screenshot(path=str(screenshot), full_page=True)

    # Offline, as the issuer's operator would: the CLI resolves the issuer's did:key itself, trusts
    # the configured issuer and reads its status list from the issuer's database.
    state = str(live_server.settings.state_dir)
    env = {**os.environ, "LIVECRED_PUBLIC_URL": live_server.url, "LIVECRED_STATE_DIR": state}
    result = subprocess.run(
        [sys.executable, "-m", "livecred.cli", "credentials", "verify", str(downloaded)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NOT VERIFIED" not in result.stdout
    assert "VERIFIED" in result.stdout


def test_a_looping_video_camera_fails_with_its_reason_shown(
    phone: Watched, live_server: LiveServer, artifacts_dir: Path
) -> None:
    page = phone.page  # Chromium's fake camera: the looping video of photos
    try:
        sign_in(page, live_server.url)
        page.click("#start")
        page.wait_for_selector("#result[data-status], #error:not([hidden])", timeout=FLOW_TIMEOUT_MS)
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("#result")).to_have_attribute("data-status", "failed")
        reason = page.locator("#result li[data-reason]").first
        expect(reason).to_be_visible()
        assert reason.get_attribute("data-reason") in LOOP_REASONS
        # Plain words first, the code after them.
        assert re.match(r"^[A-Z][a-z].+\(([a-z_]+)\)$", reason.inner_text().strip()), reason.inner_text()
        expect(page.locator("#result")).to_contain_text("Attempts left in this session: 2")
        expect(page.locator("#retry")).to_be_visible()
        expect(page.locator("#credential-panel")).to_be_hidden()
        assert fits_the_screen(page)
    finally:
        page.screenshot(path=str(artifacts_dir / "wallet-looping-camera.png"), full_page=True)
