"""The wallet page: how it is served, and its key handling in the real browser.

The did:key and the key-proof JWS the page makes with WebCrypto are checked by the Python side
(``did``): a page whose DID or signature the service would not accept fails here, before any
camera is involved.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from did import Ed25519KeyPair, did_key_from_public_key, public_key_from_did_key
from tests.web.conftest import LiveServer

# RFC 8032 test 1: a fixed key, so the expected DID is a constant.
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
EXPECTED_DID = "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _private_jwk(pair: Ed25519KeyPair, seed: bytes) -> dict[str, str]:
    return {**pair.public_key.to_jwk(), "d": _b64url(seed)}


# --- serving (no browser) ---------------------------------------------------------------------


def test_root_serves_the_page_with_a_strict_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert 'id="start"' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("app.js", "text/javascript; charset=utf-8"), ("style.css", "text/css; charset=utf-8")],
)
def test_page_files_have_their_content_types(client: TestClient, name: str, content_type: str) -> None:
    response = client.get(f"/web/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize("path", ["/web/missing.js", "/web/..%2Fapi%2Fapp.py", "/web/.hidden.js", "/web/app.py"])
def test_nothing_outside_the_page_files_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_page_loads_nothing_from_other_origins(client: TestClient) -> None:
    for name in (
        "/",
        *(
            f"/web/{n}"
            for n in (
                "app.js",
                "api.js",
                "camera.js",
                "capture.js",
                "dom.js",
                "result.js",
                "wallet.js",
                "words.js",
                "poseidon.js",
                "zkholder.js",
                "zkpresent.js",
                "zk-prover.js",
                "style.css",
            )
        ),
    ):
        text = client.get(name).text
        assert "http://" not in text.replace("http://localhost", "") and "https://" not in text, name


# --- in Chromium ------------------------------------------------------------------------------


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.goto(live_server.url + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    yield page
    context.close()
    assert not errors, errors


def test_a_new_key_gives_a_did_that_survives_a_reload_until_forgotten(page: Page) -> None:
    expect(page.locator("#session-panel")).to_be_hidden()
    page.click("#generate")
    expect(page.locator("#did")).to_have_text(re.compile(r"^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$"))
    did = page.locator("#did").inner_text()
    public_key_from_did_key(did)  # the service's parser accepts it
    expect(page.locator("#session-panel")).to_be_visible()
    page.reload()
    expect(page.locator("#did")).to_have_text(did)
    page.click("#logout")
    expect(page.locator("#generate")).to_be_visible()
    page.reload()
    expect(page.locator("#logged-in")).to_be_hidden()


def test_a_pasted_key_gives_the_did_the_service_derives(page: Page) -> None:
    pair = Ed25519KeyPair(SEED)
    assert did_key_from_public_key(pair.public_key) == EXPECTED_DID
    page.click("#import-box summary")
    page.fill("#key-input", json.dumps(_private_jwk(pair, SEED)))
    page.click("#import")
    expect(page.locator("#did")).to_have_text(EXPECTED_DID)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not json", "not valid JSON"),
        (json.dumps({"kty": "OKP", "crv": "Ed25519", "x": _b64url(bytes(32))}), '"d"'),
        ('{"kty": "EC", "crv": "P-256", "x": "a", "d": "b"}', "only Ed25519"),
        # d and x of two different keys
        (
            json.dumps({**Ed25519KeyPair(SEED).public_key.to_jwk(), "d": _b64url(bytes(range(32)))}),
            "not one key pair",
        ),
    ],
)
def test_a_bad_pasted_key_is_refused_with_a_reason(page: Page, key: str, message: str) -> None:
    page.click("#import-box summary")
    page.fill("#key-input", key)
    page.click("#import")
    expect(page.locator("#error")).to_contain_text(message)
    expect(page.locator("#error")).to_contain_text("invalid_key")
    expect(page.locator("#logged-in")).to_be_hidden()


def test_the_key_proof_is_a_jws_the_holder_did_verifies(page: Page) -> None:
    jwk = _private_jwk(Ed25519KeyPair(SEED), SEED)
    proof = page.evaluate(
        """async (jwk) => {
            const wallet = await import("./web/wallet.js");
            const w = await wallet.walletFromJwk(jwk);
            return wallet.keyProof(w, {audience: "https://issuer.example", nonce: "n-0S6_WzA2Mj", now: 1700000000000});
        }""",
        jwk,
    )
    header_b64, claims_b64, signature_b64 = proof.split(".")
    header = json.loads(_b64url_decode(header_b64))
    assert header == {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": f"{EXPECTED_DID}#{EXPECTED_DID[8:]}"}
    assert json.loads(_b64url_decode(claims_b64)) == {
        "aud": "https://issuer.example",
        "iat": 1700000000,
        "nonce": "n-0S6_WzA2Mj",
    }
    key = public_key_from_did_key(header["kid"])
    signing_input = f"{header_b64}.{claims_b64}".encode()
    assert key.verify(_b64url_decode(signature_b64), signing_input)
    assert not key.verify(_b64url_decode(signature_b64), signing_input + b"x")
