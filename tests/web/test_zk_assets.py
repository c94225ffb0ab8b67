"""Serving the browser prover: the pinned manifest, the circuit's files, the snarkjs bundle and its
licence, and the policies the pages and the prover worker are served with.

The pins are checked against the files (what the browser downloads hashes to what the manifest
says), against their sources (the ceremony record for the circuit, the locked snarkjs release for
the bundle), and a file that no longer equals its pin on disk is not published at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from livecred.routes.zk_browser import build_browser_prover
from livecred.settings import Settings
from livecred.zk_browser import SNARKJS_BUNDLE_SHA256, BrowserProverFiles
from tests.conftest import MODELS_DIR
from zk import Artifacts

SNARKJS_DIR = Artifacts.packaged().directory.parent / "node_modules" / "snarkjs"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def circuit_dir(root: Path, wasm: bytes = b"\0asm wasm stand-in", zkey: bytes = b"zkey stand-in") -> Path:
    """A presentation artifacts folder as the build writes it: the files and ceremony.json."""
    folder = root / "presentation"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "presentation.wasm").write_bytes(wasm)
    (folder / "presentation_final.zkey").write_bytes(zkey)
    (folder / "verification_key.json").write_text("{}")
    files = {name: sha256((folder / name).read_bytes()) for name in ("presentation.wasm", "presentation_final.zkey")}
    files["verification_key.json"] = sha256(b"{}")
    (folder / "ceremony.json").write_text(json.dumps({"files": files}))
    return folder


@pytest.fixture
def served(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = circuit_dir(tmp_path)
    monkeypatch.setattr(client.app.state, "zk_browser", BrowserProverFiles(folder, SNARKJS_DIR), raising=False)  # type: ignore[attr-defined]
    return folder


def test_the_bundle_pin_is_the_locked_snarkjs_release() -> None:
    bundle = SNARKJS_DIR / "build" / "snarkjs.min.js"
    assert bundle.is_file(), "zk/node_modules missing: run `npm ci --prefix zk`"
    assert sha256(bundle.read_bytes()) == SNARKJS_BUNDLE_SHA256
    lock = json.loads((SNARKJS_DIR.parents[1] / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/snarkjs"]["version"] == "0.7.6"


def test_every_pin_equals_the_file_the_browser_downloads(client: TestClient, served: Path) -> None:
    response = client.get("/zk/browser/manifest.json")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-cache"
    manifest = response.json()
    ceremony = json.loads((served / "ceremony.json").read_text())["files"]
    for part in ("wasm", "zkey", "snarkjs"):
        entry = manifest[part]
        body = client.get("/" + entry["url"]).content
        assert sha256(body) == entry["sha256"]
        assert entry["integrity"] == "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert entry["bytes"] == len(body)
    assert manifest["wasm"]["sha256"] == ceremony["presentation.wasm"]
    assert manifest["zkey"]["sha256"] == ceremony["presentation_final.zkey"]
    assert manifest["snarkjs"]["sha256"] == SNARKJS_BUNDLE_SHA256
    assert manifest["totalBytes"] == sum(manifest[p]["bytes"] for p in ("wasm", "zkey", "snarkjs"))


def test_the_bundle_carries_its_gpl_notice_and_licence(client: TestClient, served: Path) -> None:
    manifest = client.get("/zk/browser/manifest.json").json()["snarkjs"]
    assert manifest["license"] == "GPL-3.0" and manifest["version"] == "0.7.6"
    assert manifest["source"].startswith("https://github.com/iden3/snarkjs")
    bundle = client.get("/zk/browser/snarkjs.min.js")
    assert bundle.headers["content-type"] == "text/javascript; charset=utf-8"
    assert bundle.headers["link"] == '<LICENSE>; rel="license"'
    assert "GPL-3.0" in bundle.headers["x-license-notice"]
    licence = client.get("/" + manifest["licenseUrl"])
    assert licence.status_code == 200 and licence.headers["content-type"] == "text/plain; charset=utf-8"
    assert "GNU GENERAL PUBLIC LICENSE" in licence.text and "Version 3, 29 June 2007" in licence.text


def test_the_circuit_files_carry_their_gpl_licence(client: TestClient) -> None:
    """The packaged circuit: built from circomlib's templates, GPL-3.0 (zk/NOTICE.md)."""
    manifest = client.get("/zk/browser/manifest.json").json()
    for part in ("wasm", "zkey"):
        assert manifest[part]["license"] == "GPL-3.0"
        assert "circomlib" in manifest[part]["source"]
    licence = client.get("/" + manifest["wasm"]["licenseUrl"])
    assert licence.status_code == 200 and licence.headers["content-type"] == "text/plain; charset=utf-8"
    assert "GNU GENERAL PUBLIC LICENSE" in licence.text and "Version 3, 29 June 2007" in licence.text


def test_the_packaged_pins_equal_the_committed_circuit(client: TestClient) -> None:
    """The default service: the manifest pins the committed presentation circuit, as its ceremony says."""
    artifacts = Artifacts.packaged("presentation")
    ceremony = artifacts.ceremony_record()["files"]
    manifest = client.get("/zk/browser/manifest.json").json()
    for part, path in (("wasm", artifacts.wasm), ("zkey", artifacts.zkey)):
        assert manifest[part]["sha256"] == ceremony[path.name] == sha256(path.read_bytes())
        assert sha256(client.get("/" + manifest[part]["url"]).content) == manifest[part]["sha256"]


def test_files_are_cached_by_build_and_revalidated_by_etag(client: TestClient, served: Path) -> None:
    entry = client.get("/zk/browser/manifest.json").json()["zkey"]
    current = client.get("/" + entry["url"])
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.headers["etag"] == f'"{entry["sha256"]}"'
    assert current.headers["content-type"] == "application/octet-stream"
    unversioned = client.get("/zk/browser/circuit/presentation_final.zkey")
    assert unversioned.headers["cache-control"] == "no-cache"
    again = client.get(
        "/zk/browser/circuit/presentation_final.zkey", headers={"If-None-Match": current.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    stale = client.get("/zk/browser/circuit/presentation_final.zkey", headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.content == current.content
    wasm = client.get("/" + client.get("/zk/browser/manifest.json").json()["wasm"]["url"])
    assert wasm.headers["content-type"] == "application/wasm"


@pytest.mark.parametrize(
    "path",
    [
        "/zk/browser/circuit/ceremony.json",
        "/zk/browser/circuit/verification_key.json",
        "/zk/browser/circuit/..%2Fceremony.json",
        "/zk/browser/circuit/presentation.r1cs",
        "/zk/browser/snarkjs.js",
    ],
)
def test_only_the_listed_files_are_served(client: TestClient, served: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_file_that_no_longer_equals_its_pin_is_not_published(client: TestClient, served: Path) -> None:
    (served / "presentation_final.zkey").write_bytes(b"a proving key of someone else's ceremony")
    for path in ("/zk/browser/manifest.json", "/zk/browser/circuit/presentation_final.zkey"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.json()["code"] == "zk_artifacts_unavailable"
        assert "presentation_final.zkey" in response.json()["message"]
        assert response.headers["retry-after"]


def test_a_missing_circuit_is_a_503_that_names_the_fix(client: TestClient, served: Path) -> None:
    (served / "ceremony.json").unlink()
    response = client.get("/zk/browser/manifest.json")
    assert response.status_code == 503
    assert response.json()["code"] == "zk_artifacts_unavailable"
    assert "ceremony.json" in response.json()["message"]


def test_without_node_modules_the_prover_is_a_503_with_its_code(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = circuit_dir(tmp_path)
    missing = BrowserProverFiles(folder, tmp_path / "node_modules" / "snarkjs")
    monkeypatch.setattr(client.app.state, "zk_browser", missing, raising=False)  # type: ignore[attr-defined]
    for path in ("/zk/browser/manifest.json", "/zk/browser/snarkjs.min.js", "/zk/browser/LICENSE"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.json()["code"] == "zk_browser_unavailable"
        assert "livecred zk install" in response.json()["message"]
        assert response.headers["retry-after"]


def test_another_snarkjs_build_is_not_served(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "node_modules" / "snarkjs"
    (other / "build").mkdir(parents=True)
    (other / "build" / "snarkjs.min.js").write_text("var snarkjs = {};")
    shutil.copy(SNARKJS_DIR / "COPYING", other / "COPYING")
    files = BrowserProverFiles(circuit_dir(tmp_path), other)
    monkeypatch.setattr(client.app.state, "zk_browser", files, raising=False)  # type: ignore[attr-defined]
    response = client.get("/zk/browser/snarkjs.min.js")
    assert response.status_code == 503
    assert response.json()["code"] == "zk_browser_unavailable"


def test_a_rebuilt_circuit_is_picked_up_without_a_restart(client: TestClient, served: Path) -> None:
    before = client.get("/zk/browser/manifest.json").json()["zkey"]["sha256"]
    circuit_dir(served.parent, zkey=b"the next ceremony's proving key, longer than the first")
    after = client.get("/zk/browser/manifest.json").json()["zkey"]
    assert after["sha256"] != before
    assert sha256(client.get("/" + after["url"]).content) == after["sha256"]


def test_the_service_looks_for_the_circuit_beside_its_other_artifacts(state_dir: Path, tmp_path: Path) -> None:
    packaged = build_browser_prover(Settings(models_dir=MODELS_DIR, state_dir=state_dir))
    assert packaged.artifacts_dir == Artifacts.packaged().directory / "presentation"
    assert packaged.snarkjs_dir == SNARKJS_DIR
    own = build_browser_prover(
        Settings(models_dir=MODELS_DIR, state_dir=state_dir, zk_artifacts_dir=tmp_path, zk_node_modules=tmp_path / "nm")
    )
    assert own.artifacts_dir == tmp_path / "presentation"
    assert own.snarkjs_dir == tmp_path / "nm" / "snarkjs"


def test_only_the_prover_worker_may_compile_webassembly(client: TestClient) -> None:
    for page in ("/", "/verifier", "/web/app.js", "/web/zkholder.js"):
        policy = client.get(page).headers["content-security-policy"]
        assert "wasm-unsafe-eval" not in policy and "blob:" not in policy.split("script-src")[1].split(";")[0], page
    worker = client.get("/web/zk-prover.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"] == "text/javascript; charset=utf-8"
    policy = worker.headers["content-security-policy"]
    assert "script-src 'self' blob: 'wasm-unsafe-eval'" in policy
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
