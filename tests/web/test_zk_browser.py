"""Zero-knowledge presentations proved in the browser, end to end in Chromium.

A person passes a live session on the wallet page (the canvas camera of test_browser.py) and the
page holds a credential with an issuer-signed claim and its opening. The demo verifier page, in
its zero-knowledge mode, asks for a threshold, checks, a time bound and a nonce of its choosing;
the wallet page proves it in a Web Worker with snarkjs, from the wasm, zkey and bundle it
downloaded and checked against their pins, and sends only the proof; the service verifies it
(with its own Python verifier, not snarkjs). The same proof sent again is refused, and a request
above the holder's score cannot be proven: the page says so. A circuit file or bundle changed on
its way to the browser is refused before it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from tests.web.conftest import LiveServer

FLOW_TIMEOUT_MS = 120_000
PROVE_TIMEOUT_MS = 120_000  # generous for a shared machine; bench/zk_browser.py measures it


class Watched:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")


@pytest.fixture
def wallet(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 420, "height": 900})
    watched = Watched(context.new_page())
    try:
        yield watched
    finally:
        context.close()
    assert not watched.errors, watched.errors


def prove_in_page(page: Page) -> dict[str, Any]:
    """Ask the page's prover for a proof of nothing in particular: downloads and checks come first."""
    answer: dict[str, Any] = page.evaluate(
        """async () => {
            const { prove } = await import("./web/zkholder.js");
            try { await prove({}); return { code: "proved" }; }
            catch (err) { return { code: err.code, message: err.message }; }
        }"""
    )
    return answer


@pytest.mark.parametrize("part", ["zkey", "wasm", "snarkjs"])
def test_a_file_changed_on_its_way_to_the_browser_is_refused(
    browser: Browser, live_server: LiveServer, part: str
) -> None:
    manifest = httpx.get(f"{live_server.url}/zk/browser/manifest.json", timeout=30).json()
    path = manifest[part]["url"].split("?")[0]
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def tamper(route: Route) -> None:
            response = route.fetch()
            body = bytearray(response.body())
            body[len(body) // 2] ^= 0x01  # one bit, in the middle
            route.fulfill(response=response, body=bytes(body))

        context.route(f"**/{path}*", tamper)
        page.goto(live_server.url + "/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        answer = prove_in_page(page)
        assert answer["code"] == "artifact_hash_mismatch", answer
        # The control: untouched, the same files pass their checks and reach the prover, which
        # refuses the empty input for what it is.
        context.unroute(f"**/{path}*")
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        control = prove_in_page(page)
        assert control["code"] == "prover_error", control
        assert errors == []
    finally:
        context.close()
