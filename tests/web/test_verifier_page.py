"""The OpenID4VP round trip in the browser: the demo verifier page asks, the wallet-side module
(``web/present.js``) answers with a credential issued through the admin route, and the verifier
page shows the verdict. The wallet key is made with WebCrypto in the page, as the wallet does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import LiveServer

ADMIN_TOKEN = "verifier-page-admin-token-0123456789"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LIVECRED_ADMIN_TOKEN", ADMIN_TOKEN)
        live = LiveServer(tmp_path_factory.mktemp("verifier-state"))
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_the_verifier_page_is_served_with_the_strict_policy(client: TestClient) -> None:
    response = client.get("/verifier")
    assert response.status_code == 200 and 'id="create"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for name in ("verifier.js", "present.js"):
        assert client.get(f"/web/{name}").headers["content-type"] == "text/javascript; charset=utf-8"


def issue_for(server: LiveServer, did: str) -> dict[str, Any]:
    body = {
        "credential": {
            "@context": ["https://www.w3.org/2018/credentials/v1", f"{server.url}/contexts/liveness/v1"],
            "type": ["VerifiableCredential", "LivenessCredential"],
            "credentialSubject": {"id": did, "deviceType": "mobile", "timestamp": "2026-11-21T10:00:00Z"},
            "credentialSchema": {"id": f"{server.url}/schemas/LivenessCredential.json", "type": "JsonSchema"},
            "evidence": [{"type": ["LivenessCheckEvidence"], "checks": ["antispoof", "blink"]}],
        }
    }
    response = httpx.post(
        f"{server.url}/credentials/issue", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
    )
    assert response.status_code == 201, response.text
    vc: dict[str, Any] = response.json()["verifiableCredential"]
    return vc


def open_page(browser: Browser, url: str) -> Page:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_a_presentation_from_the_wallet_module_verifies_on_the_verifier_page(
    browser: Browser, server: LiveServer, artifacts_dir: Path
) -> None:
    verifier = open_page(browser, f"{server.url}/verifier")
    verifier.click("#create")
    expect(verifier.locator("#result-status")).to_have_text("pending")
    request_uri = verifier.locator("#request-uri").input_value()
    assert request_uri.startswith("openid4vp://?")

    # The wallet: its own tab on this origin, a fresh WebCrypto key, the module the page will call.
    wallet = open_page(browser, f"{server.url}/verifier")
    did = wallet.evaluate(
        """async () => {
            const { generateWallet } = await import("/web/wallet.js");
            window.demoWallet = await generateWallet();
            return window.demoWallet.did;
        }"""
    )
    vc = issue_for(server, did)
    # A credential about someone else is refused by the module before anything is sent.
    refused = wallet.evaluate(
        """async ([vc, request]) => {
            const { presentToVerifier } = await import("/web/present.js");
            const other = {...vc, credentialSubject: {...vc.credentialSubject, id: "did:key:z6Mkother"}};
            try { await presentToVerifier(other, window.demoWallet, request); return null; }
            catch (err) { return err.code; }
        }""",
        [vc, request_uri],
    )
    assert refused == "invalid_credential"
    answer = wallet.evaluate(
        """async ([vc, request]) => {
            const { presentToVerifier } = await import("/web/present.js");
            return presentToVerifier(vc, window.demoWallet, request);
        }""",
        [vc, request_uri],
    )
    assert answer == {"status": 200, "body": {}}, answer

    expect(verifier.locator("#result-status")).to_have_text("verified", timeout=15_000)
    expect(verifier.locator("#result-holder")).to_have_text(did)
    expect(verifier.locator("#result-device")).to_have_text("mobile")
    verifier.screenshot(path=str(artifacts_dir / "verifier-verified.png"), full_page=True)
    # Answering the same request again is refused: it was answered once.
    again = wallet.evaluate(
        """async ([vc, request]) => {
            const { presentToVerifier } = await import("/web/present.js");
            return presentToVerifier(vc, window.demoWallet, request);
        }""",
        [vc, request_uri],
    )
    assert again["status"] == 400 and again["body"]["error"] == "invalid_request"
    assert verifier.errors == [] and wallet.errors == []  # type: ignore[attr-defined]
