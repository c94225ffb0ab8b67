"""`livecred credentials verify` under the verification policy: trusted issuers, fail-closed
status, and exit codes that say which (0 verified, 1 failed, 2 unusable input, 3 not fully checked)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

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
    for name in (
        "LIVECRED_ISSUER_KEY",
        "LIVECRED_ISSUER_KEY_FILE",
        "LIVECRED_ISSUER_DOMAIN",
        "LIVECRED_DATABASE_URL",
        "LIVECRED_TRUSTED_ISSUERS",
        "LIVECRED_VERIFY_STATUS",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _issue(**options: Any) -> dict[str, Any]:
    issuer = build_issuer(Settings())
    try:
        return issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile"), **options)
    finally:
        issuer.close()


def _verify(tmp_path: Path, vc: dict[str, Any], *args: str) -> tuple[int, str]:
    path = tmp_path / "vc.json"
    path.write_text(json.dumps(vc))
    result = runner.invoke(app, ["credentials", "verify", str(path), *args])
    return result.exit_code, result.output


def test_a_revoked_credential_is_never_verified_offline(state: Path, tmp_path: Path) -> None:
    vc = _issue()
    assert runner.invoke(app, ["credentials", "revoke", vc["id"]]).exit_code == 0
    code, output = _verify(tmp_path, vc)
    assert code == 1 and "NOT VERIFIED" in output and "revoked" in output
    # Without the issuer's database (a relying party's machine), status cannot be checked offline.
    shutil.move(state / "state" / "livecred.db", tmp_path / "elsewhere.db")
    code, output = _verify(tmp_path, vc, "--json")
    body = json.loads(output)
    assert code == 3 and not body["verified"] and body["reasons"] == ["status_unchecked"]
    code, output = _verify(tmp_path, vc, "--lenient")
    assert code == 3 and "NOT FULLY VERIFIED" in output and "status" in output
    assert "\nVERIFIED" not in output


def test_an_untrusted_issuer_fails_and_trust_is_explicit(state: Path, tmp_path: Path) -> None:
    vc = _issue()
    code, output = _verify(tmp_path, vc, "--trust", "did:key:z6MkhK5BYWX6RUVnxjkJ3hxrRLVCmVoW1pmWG2gDW6bHiqw7")
    assert code == 1 and "untrusted_issuer" in output and "NOT trusted" in output
    code, output = _verify(tmp_path, vc, "--trust", vc["issuer"], "--json")
    body = json.loads(output)
    assert code == 0 and body["verified"] and body["trustedIssuer"] and body["issuer"] == vc["issuer"]
    assert body["exitCode"] == 0


def test_a_same_rdf_rewrite_does_not_unrevoke_in_the_cli(state: Path, tmp_path: Path) -> None:
    vc = _issue()
    runner.invoke(app, ["credentials", "revoke", vc["id"]])
    rewritten = copy.deepcopy(vc)
    rewritten["type"] = ["VerifiableCredential", "urn:livecred:vocab#LivenessCredential"]
    rewritten["credentialStatus"] = [rewritten["credentialStatus"]]
    code, output = _verify(tmp_path, rewritten, "--json")
    assert code == 1 and json.loads(output)["reasons"] == ["revoked"]


def test_without_any_trusted_issuer_the_cli_refuses_to_judge(state: Path, tmp_path: Path) -> None:
    vc = _issue()
    shutil.rmtree(state / "state")  # no key here: "self" names nobody
    code, output = _verify(tmp_path, vc)
    assert code == 2 and "--trust" in output
