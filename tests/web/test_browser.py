"""End to end in a real browser: the wallet page, the camera, the session, OpenID4VCI, the credential.

Chromium's fake camera plays a video built from real photos of one person (``fake_camera``); the
page creates a did:key, opens a session with face match against an ID photo of the same person,
takes its bursts, receives the credential through OpenID4VCI and has it verified. The credential
the page downloads is then verified again offline with the CLI. A screenshot of the final page
(or of the page where it failed) is saved as a test artifact.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.conftest import REPO_ROOT, TESTDATA
from tests.web.conftest import LiveServer
from tests.web.fake_camera import ID_PHOTO

# Someone else's ID photo: match confidence 0.05 against the fake camera's face.
OTHER_PERSONS_ID = TESTDATA / "lfw_pairs" / "images" / "Adrien_Brody" / "Adrien_Brody_0002.jpg"

# Generous for a shared machine: the bursts take ~13 s, the checks and the proof a few seconds.
FLOW_TIMEOUT_MS = 60_000


def test_the_wallet_page_gets_a_credential_that_verifies(
    browser: Browser, live_server: LiveServer, artifacts_dir: Path, tmp_path: Path
) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": 900, "height": 1200})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console error: {message.text}")

    page.on("console", on_console)
    screenshot = artifacts_dir / "wallet-e2e-failed.png"
    try:
        page.goto(live_server.url + "/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        page.click("#generate")
        expect(page.locator("#did")).to_contain_text("did:key:z6Mk")
        did = page.locator("#did").inner_text()

        page.select_option("#device-type", "desktop")
        page.check("#face-match")
        page.set_input_files("#id-image", str(ID_PHOTO))
        expect(page.locator("#id-preview")).to_be_visible()
        page.click("#start")

        expect(page.locator("#video")).to_be_visible()
        expect(page.locator("#step")).to_contain_text("Look straight at the camera")
        # A session draws 2 or 3 of the challenges: 3 or 4 steps with the baseline.
        expect(page.locator("#step")).to_contain_text(re.compile(r"Step 2 of [34]"), timeout=FLOW_TIMEOUT_MS)
        page.screenshot(path=str(artifacts_dir / "wallet-e2e-challenge.png"))
        challenges = page.locator("#challenge-list li").count() - 1
        assert challenges in (2, 3)
        # Either a credential or a failure: fail fast on the latter, with the page's own words.
        page.wait_for_selector(
            "#credential:not(:empty), #result[data-status='failed'], #error:not([hidden])", timeout=FLOW_TIMEOUT_MS
        )
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("#result")).to_have_attribute("data-status", "passed")
        checks = page.locator("#result li[data-check]")
        # anti-spoofing, each challenge, same person, ID photo
        expect(checks).to_have_count(challenges + 3)
        expect(page.locator("#result li[data-passed='false']")).to_have_count(0)

        credential = json.loads(page.locator("#credential").inner_text())
        assert "LivenessCredential" in credential["type"]
        assert credential["credentialSubject"]["id"] == did
        assert credential["credentialSubject"]["deviceType"] == "desktop"

        page.click("#verify")
        expect(page.locator("#verify-result")).to_have_attribute("data-verified", "true", timeout=30_000)
        expect(page.locator("#verify-result")).to_contain_text("Credential verified")

        with page.expect_download() as download_info:
            page.click("#download")
        downloaded = tmp_path / "credential.json"
        download_info.value.save_as(downloaded)
        assert json.loads(downloaded.read_text()) == credential

        screenshot = artifacts_dir / "wallet-e2e.png"
    finally:
        page.screenshot(path=str(screenshot), full_page=True)
        context.close()
    assert not errors, errors

    # Offline, as the issuer's operator would: the CLI resolves the issuer's did:key itself, trusts
    # the configured issuer and reads its status list from the issuer's database.
    state = str(live_server.settings.state_dir)
    env = {**os.environ, "LIVECRED_PUBLIC_URL": live_server.url, "LIVECRED_STATE_DIR": state}
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "credentials", "verify", str(downloaded)],
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


def test_a_failed_check_is_shown_with_its_reasons_and_a_retry(
    browser: Browser, live_server: LiveServer, artifacts_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 900})  # a phone-sized page
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        page.goto(live_server.url + "/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        page.click("#generate")
        expect(page.locator("#did")).to_contain_text("did:key:z6Mk")
        page.check("#face-match")
        page.set_input_files("#id-image", str(OTHER_PERSONS_ID))
        expect(page.locator("#id-preview")).to_be_visible()
        page.click("#start")
        page.wait_for_selector("#result[data-status], #error:not([hidden])", timeout=FLOW_TIMEOUT_MS)
        expect(page.locator("#result")).to_have_attribute("data-status", "failed")
        expect(page.locator("#result")).to_contain_text("id_mismatch")
        expect(page.locator("#result li[data-check='matches the ID photo']")).to_have_attribute("data-passed", "false")
        expect(page.locator("#result li[data-check='live person (anti-spoofing)']")).to_have_attribute(
            "data-passed", "true"
        )
        expect(page.locator("#result")).to_contain_text("Attempts left in this session: 2")
        expect(page.locator("#retry")).to_be_visible()
        expect(page.locator("#credential-panel")).to_be_hidden()
    finally:
        page.screenshot(path=str(artifacts_dir / "wallet-failed-check.png"), full_page=True)
        context.close()
    assert not errors, errors
