"""GET /metrics through the HTTP client: the series an operator scrapes, and nothing personal in them.

The take's judge is scripted (as in test_sessions.py), so a passed and a failed take, a credential
and a verification happen for real while the pictures stay trivial; one /detect on a real image
runs the real models, so the inference histograms fill.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livecred import Settings, create_app
from livecred.routes import capture as capture_route
from tests.api.wallet_client import (
    Holder,
    ScriptedTake,
    VirtualClock,
    capture,
    encode_png,
    open_session,
    person_frames,
)
from tests.conftest import MODELS_DIR, read_b64
from tests.wallet.people import Person

AUD = "http://127.0.0.1:5003"
TOKEN = "metrics-token-0123456789abcdef"


class _Takes:
    def __init__(self) -> None:
        self.reasons: tuple[str, ...] = ()

    def __call__(self, state: Any) -> ScriptedTake:
        return ScriptedTake(self.reasons)


def _settings(tmp: Path, **extra: Any) -> Settings:
    options: dict[str, Any] = {
        "models_dir": MODELS_DIR,
        "state_dir": tmp,
        "public_url": AUD,
        "session_challenges": "smile,blink",
        "rate_limits_enabled": False,
    }
    return Settings(**(options | extra))


@pytest.fixture(scope="module")
def takes() -> Iterator[_Takes]:
    scripted = _Takes()
    patch = pytest.MonkeyPatch()
    patch.setattr(capture_route, "open_take", scripted)
    yield scripted
    patch.undo()


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory, takes: _Takes) -> dict[str, Any]:
    """One app taken through the wallet path (a failed take, a passed one, the credential, its
    verification) and a /detect; then scraped."""
    clock = VirtualClock()
    with TestClient(create_app(_settings(tmp_path_factory.mktemp("metrics")))) as client:
        client.app.state.capture_clock = clock  # type: ignore[attr-defined]
        holder = Holder()
        opened = open_session(client, holder, aud=AUD)
        assert opened.status_code == 201, opened.text
        session = opened.json()
        assert client.get(f"/sessions/{session['sessionId']}").status_code == 200
        takes.reasons = ("spoof_detected",)
        try:
            failed = capture(client, session, person_frames(Person()), clock, encode=encode_png)
        finally:
            takes.reasons = ()
        assert failed["type"] == "result" and not failed["passed"], failed
        passed = capture(client, session, person_frames(Person()), clock, encode=encode_png)
        assert passed["type"] == "result" and passed["passed"], passed
        proof = holder.proof(session["nonce"], session["holderProof"]["aud"])
        issued = client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})
        assert issued.status_code == 201, issued.text
        verdict = client.post("/credentials/verify", json={"verifiableCredential": issued.json()["credential"]})
        assert verdict.status_code == 200, verdict.text
        assert client.post("/detect", json={"image": read_b64("silentface_real_spoof/image_T1.jpg")}).status_code == 200
        assert client.get("/no-such-page/12345").status_code == 404
        response = client.get("/metrics")
    return {"response": response, "text": response.text, "session": session, "holder": holder}


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` (labels in any order), or fail."""
    for line in text.splitlines():
        sample = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if sample is None or sample[1] != name:
            continue
        if dict(re.findall(r'(\w+)="([^"]*)"', sample[2] or "")) == labels:
            return float(sample[3])
    raise AssertionError(f"no sample {name}{labels}")


def test_metrics_scrape_in_the_prometheus_format(scraped: dict[str, Any]) -> None:
    response = scraped["response"]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")


def test_requests_are_counted_by_route_template_never_the_raw_path(scraped: dict[str, Any]) -> None:
    text = scraped["text"]
    assert _value(text, "livecred_http_requests_total", route="/sessions/{session_id}", method="GET", status="2xx") == 1
    assert _value(text, "livecred_http_requests_total", route="/detect", method="POST", status="2xx") == 1
    assert _value(text, "livecred_http_requests_total", route="unmatched", method="GET", status="4xx") == 1
    assert _value(text, "livecred_http_request_duration_seconds_count", route="/detect", method="POST") == 1
    assert "12345" not in text


def test_inference_is_timed_per_model(scraped: dict[str, Any]) -> None:
    text = scraped["text"]
    assert _value(text, "livecred_inference_duration_seconds_count", model="detector") >= 1
    for model in ("antispoof", "embedder", "mesh"):
        _value(text, "livecred_inference_duration_seconds_count", model=model)  # present, maybe 0


def test_takes_credentials_and_state_are_reported(scraped: dict[str, Any]) -> None:
    text = scraped["text"]
    assert _value(text, "livecred_live_takes_total", outcome="passed") == 1
    assert _value(text, "livecred_live_takes_total", outcome="failed") == 1
    assert _value(text, "livecred_live_take_failures_total", reason="spoof_detected") == 1
    assert _value(text, "livecred_credentials_issued_total", channel="wallet") == 1
    assert _value(text, "livecred_credentials_verified_total", kind="credential", verified="true") == 1
    assert _value(text, "livecred_component_up", component="engine") == 1
    assert _value(text, "livecred_component_up", component="database") == 1
    _value(text, "livecred_component_up", component="prover")  # 0 or 1: Node.js may be absent
    for pool in ("inference", "verification", "outbound", "database", "prover", "stream"):
        assert _value(text, "livecred_pool_waiting", pool=pool) == 0
        assert _value(text, "livecred_pool_capacity", pool=pool) >= 1
    assert _value(text, "livecred_live_takes_active") == 0


def test_nothing_personal_or_biometric_is_exposed(scraped: dict[str, Any]) -> None:
    text = scraped["text"]
    session = scraped["session"]
    assert session["sessionId"] not in text and session["nonce"] not in text
    assert scraped["holder"].did not in text and "did:" not in text
    lowered = text.lower()
    for word in ("score", "confidence", "similarity", "embedding", "127.0.0.1", "testclient"):
        assert word not in lowered, word


def test_a_metrics_token_is_required_when_set(tmp_path: Path) -> None:
    settings = _settings(tmp_path, models_dir=tmp_path / "no-models", metrics_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * len(TOKEN)})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        good = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert good.status_code == 200
        assert _value(good.text, "livecred_component_up", component="engine") == 0  # models missing


def test_a_short_metrics_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LIVECRED_METRICS_TOKEN"):
        _settings(tmp_path, metrics_token="short")
