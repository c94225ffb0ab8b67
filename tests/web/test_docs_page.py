"""``/docs`` (Swagger UI) and ``/redoc`` render with no network beyond the service: their scripts
and styles come from the service itself (livecred/routes/docs.py), under its Content-Security-Policy.

Chromium here has no internet, which is the point: with FastAPI's CDN defaults the pages stay blank.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.web.conftest import LiveServer


def _open(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    """A page at ``url``; its script errors and console errors (CSP violations among them), and
    every URL it requested outside the service."""
    page = browser.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    origin = urlsplit(url).netloc
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).netloc != origin
            else None
        ),
    )
    page.goto(url)
    return page, errors, foreign


def test_swagger_ui_lists_the_operations_offline(live_server: LiveServer, browser: Any) -> None:
    page, errors, foreign = _open(browser, f"{live_server.url}/docs")
    try:
        page.wait_for_selector(".opblock", timeout=30_000)
        summaries = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/credentials/verify" in {s.replace("\u200b", "") for s in summaries}
        assert page.locator(".opblock").count() > 20
        assert page.locator(".information-container .title").inner_text().startswith("livecred")
        assert not errors, errors
        assert not foreign, foreign
    finally:
        page.close()


def test_redoc_renders_offline(live_server: LiveServer, browser: Any) -> None:
    page, errors, foreign = _open(browser, f"{live_server.url}/redoc")
    try:
        page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=30_000)
        assert "/credentials/verify" in page.content()
        # ReDoc's "powered by" footer names its logo on its CDN; the policy's img-src refuses it
        # and nothing else is asked for outside the service.
        assert set(foreign) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}, foreign
        assert not [e for e in errors if "Content Security Policy" in e and "logo-mini" not in e], errors
    finally:
        page.close()
