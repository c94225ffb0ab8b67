"""`livecred did show`, `livecred credentials verify|revoke|suspend`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livecred.cli import app
from livecred.issuer_setup import build_issuer
from livecred.settings import Settings

runner = CliRunner()
HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVECRED_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("LIVECRED_PUBLIC_URL", "https://issuer.example")
    for name in ("LIVECRED_ISSUER_KEY", "LIVECRED_ISSUER_KEY_FILE", "LIVECRED_ISSUER_DOMAIN", "LIVECRED_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _issue(status_purpose: str = "") -> dict:  # type: ignore[type-arg]
    issuer = build_issuer(Settings())
    try:
        return issuer.issue(
            issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["antispoof"]),
            status_purpose=status_purpose,
        )
    finally:
        issuer.close()


def test_did_show_prints_a_stable_did_and_document(state: Path) -> None:
    first = runner.invoke(app, ["did", "show"])
    assert first.exit_code == 0, first.output
    assert "did:key:z6Mk" in first.output
    document = json.loads(runner.invoke(app, ["did", "show", "--json"]).output)
    assert document["id"] in first.output  # the key was generated once and reused
    assert (state / "state" / "issuer-key.json").stat().st_mode & 0o077 == 0


def test_did_show_with_a_domain_is_did_web(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_ISSUER_DOMAIN", "issuer.example:8443/live")
    result = runner.invoke(app, ["did", "show"])
    assert result.exit_code == 0 and "did:web:issuer.example%3A8443:live" in result.output


def test_bad_configured_key_is_a_clear_error(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_ISSUER_KEY", "znot-a-key")
    result = runner.invoke(app, ["did", "show"])
    assert result.exit_code == 2 and "issuer key" in result.output


def test_verify_offline_passes_and_fails_with_a_report(state: Path, tmp_path: Path) -> None:
    vc = _issue()
    good = tmp_path / "vc.json"
    good.write_text(json.dumps(vc))
    result = runner.invoke(app, ["credentials", "verify", str(good)])
    assert result.exit_code == 0, result.output
    # The issuer's own database is here: its status list is read from it, no network needed.
    assert "VERIFIED" in result.output and "NOT" not in result.output and "unchecked" not in result.output
    vc["credentialSubject"]["deviceType"] = "desktop"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(vc))
    result = runner.invoke(app, ["credentials", "verify", str(bad), "--json"])
    assert result.exit_code == 1
    assert "proof: the signature does not verify" in json.loads(result.output)["errors"]
    missing = runner.invoke(app, ["credentials", "verify", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    node: dict = {"type": "LivenessCheckEvidence"}  # type: ignore[type-arg]
    for _ in range(200):
        node = {"type": "LivenessCheckEvidence", "verifier": node}
    vc["evidence"] = [node]
    bad.write_text(json.dumps(vc))
    refused = runner.invoke(app, ["credentials", "verify", str(bad)])
    assert refused.exit_code == 2 and "too complex" in refused.output


def test_revoke_and_suspend_from_the_command_line(state: Path) -> None:
    vc = _issue()
    result = runner.invoke(app, ["credentials", "revoke", vc["id"]])
    assert result.exit_code == 0 and "revoked" in result.output
    issuer = build_issuer(Settings())
    try:
        assert issuer.verify(vc).credential_status == "revoked"
    finally:
        issuer.close()
    again = runner.invoke(app, ["credentials", "revoke", vc["id"]])
    assert again.exit_code == 1 and "final" in again.output
    suspended = _issue("suspension")
    assert runner.invoke(app, ["credentials", "suspend", suspended["id"]]).exit_code == 0
    assert runner.invoke(app, ["credentials", "unsuspend", suspended["id"]]).exit_code == 0
    assert runner.invoke(app, ["credentials", "revoke", "urn:uuid:unknown"]).exit_code == 1
