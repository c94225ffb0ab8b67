"""What a browser needs to prove presentations itself, and the sha256 pins it checks them against.

The wallet page proves in the browser with snarkjs: it downloads the presentation circuit's
witness generator (``.wasm``), its final proving key (``.zkey``) and the snarkjs browser bundle
from this service, and runs each only after its sha256 equals the pin in the manifest
(``GET /zk/browser/manifest.json``). The pins do not come from hashing whatever files are on
disk: the circuit files' come from the ceremony record (``ceremony.json``, written by the build
beside them), and the bundle's is a constant of this module for the one snarkjs release the
project locks (``zk/package-lock.json``). A file that does not equal its pin on disk makes the
manifest answer 503 instead of publishing a pin nobody should trust; a file changed on its way
to the browser (a cache, a proxy) is refused by the page.

snarkjs and the libraries its bundle carries (ffjavascript, fastfile, circom_runtime ...) are
GPL-3.0: the bundle is served unmodified beside its licence text (snarkjs's ``COPYING``), and the
manifest names both, the version and the source, so the page can show the notice. The circuit's
wasm and zkey are built from circomlib's templates and are GPL-3.0 too (zk/NOTICE.md): their
licence is the artifacts folder's ``LICENSE``.

Nothing is hashed at import time; the manifest is built on first use and kept until the files
it pins change (size or mtime), so installing the npm packages or building the circuit later
works without a restart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "SNARKJS_BUNDLE_SHA256",
    "SNARKJS_VERSION",
    "BrowserProverFiles",
    "BrowserProverUnavailable",
    "PinnedFile",
    "ProverManifest",
]

SNARKJS_VERSION = "0.7.6"
# sha256 of node_modules/snarkjs/build/snarkjs.min.js as npm installs snarkjs 0.7.6; a test
# checks it against the installed file, so a change of the locked version changes this line too.
SNARKJS_BUNDLE_SHA256 = "3f61bbd9ac0a10173902eaef65b510fa4e9a2c057f759c7f18a6d0446b20fd06"
SNARKJS_SOURCE = f"https://github.com/iden3/snarkjs/tree/v{SNARKJS_VERSION}"
SNARKJS_LICENSE = "GPL-3.0"
CIRCUIT_SOURCE = "zk/circuits/presentation.circom in livecred, with circomlib 2.0.5"
BUNDLE_NAME = "snarkjs.min.js"
LICENSE_NAME = "LICENSE"
CEREMONY_FILE = "ceremony.json"
_CHUNK = 1 << 20


class BrowserProverUnavailable(Exception):
    """The browser prover cannot be served; ``code`` is stable, ``message`` names the fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """One file served to browsers: where it is, its pinned sha256 (hex) and size in bytes."""

    name: str
    path: Path
    sha256: str
    size: int

    @property
    def integrity(self) -> str:
        """The pin as a Subresource Integrity value (``sha256-`` + base64)."""
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'


@dataclass(frozen=True, slots=True)
class ProverManifest:
    """The pinned files; ``to_json`` is what the page reads."""

    wasm: PinnedFile
    zkey: PinnedFile
    bundle: PinnedFile
    license: Path
    circuit_license: Path

    def artifact(self, name: str) -> PinnedFile | None:
        return next((f for f in (self.wasm, self.zkey) if f.name == name), None)

    def to_json(self) -> dict[str, Any]:
        def entry(pinned: PinnedFile, url: str) -> dict[str, Any]:
            # The version in the URL lets a browser cache each build's file for good.
            return {
                "url": f"{url}?v={pinned.sha256[:16]}",
                "sha256": pinned.sha256,
                "integrity": pinned.integrity,
                "bytes": pinned.size,
            }

        # The circuit's files are built from circomlib's templates: GPL-3.0 like snarkjs.
        circuit = {
            "license": "GPL-3.0",
            "licenseUrl": f"zk/browser/circuit/{LICENSE_NAME}",
            "source": CIRCUIT_SOURCE,
        }
        return {
            "wasm": {**entry(self.wasm, f"zk/browser/circuit/{self.wasm.name}"), **circuit},
            "zkey": {**entry(self.zkey, f"zk/browser/circuit/{self.zkey.name}"), **circuit},
            "snarkjs": {
                **entry(self.bundle, f"zk/browser/{BUNDLE_NAME}"),
                "version": SNARKJS_VERSION,
                "license": SNARKJS_LICENSE,
                "licenseUrl": f"zk/browser/{LICENSE_NAME}",
                "source": SNARKJS_SOURCE,
            },
            "totalBytes": self.wasm.size + self.zkey.size + self.bundle.size,
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(paths: list[Path]) -> tuple[tuple[int, int], ...]:
    stamps = []
    for path in paths:
        stat = path.stat()
        stamps.append((stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


class BrowserProverFiles:
    """The presentation circuit's artifacts directory and snarkjs's package, pinned on demand."""

    def __init__(self, artifacts_dir: Path, snarkjs_dir: Path) -> None:
        self.artifacts_dir = artifacts_dir
        self.snarkjs_dir = snarkjs_dir
        self._lock = threading.Lock()
        self._cached: tuple[tuple[tuple[int, int], ...], ProverManifest] | None = None

    @property
    def bundle_path(self) -> Path:
        return self.snarkjs_dir / "build" / BUNDLE_NAME

    @property
    def license_path(self) -> Path:
        return self.snarkjs_dir / "COPYING"

    @property
    def circuit_license_path(self) -> Path:
        return self.artifacts_dir / LICENSE_NAME

    def manifest(self) -> ProverManifest:
        """The pinned files, hashed once per change; raises BrowserProverUnavailable."""
        wasm_name, zkey_name = self._artifact_names()
        paths = [self.artifacts_dir / wasm_name, self.artifacts_dir / zkey_name, self.bundle_path, self.license_path]
        try:
            stamp = _stamp(paths)
        except OSError as exc:
            raise self._missing(Path(exc.filename or "")) from exc
        with self._lock:
            if self._cached is not None and self._cached[0] == stamp:
                return self._cached[1]
            manifest = self._build(wasm_name, zkey_name)
            self._cached = (stamp, manifest)
            return manifest

    def _missing(self, path: Path) -> BrowserProverUnavailable:
        if path.is_relative_to(self.snarkjs_dir):
            return BrowserProverUnavailable(
                "zk_browser_unavailable",
                "the snarkjs browser bundle is not installed: run `livecred zk install` (npm ci in zk/)",
            )
        return BrowserProverUnavailable(
            "zk_artifacts_unavailable", f"the presentation circuit's {path.name} is missing: build the circuit"
        )

    def _ceremony_files(self) -> dict[str, str]:
        try:
            record = json.loads((self.artifacts_dir / CEREMONY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BrowserProverUnavailable(
                "zk_artifacts_unavailable", "the presentation circuit has no readable ceremony.json: build the circuit"
            ) from exc
        files = record.get("files") if isinstance(record, dict) else None
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise BrowserProverUnavailable(
                "zk_artifacts_unavailable", "the presentation circuit's ceremony.json has no file list"
            )
        return {str(k): v for k, v in files.items()}

    def _artifact_names(self) -> tuple[str, str]:
        files = self._ceremony_files()
        wasm = [n for n in files if n.endswith(".wasm")]
        zkey = [n for n in files if n.endswith("_final.zkey")] or [n for n in files if n.endswith(".zkey")]
        if len(wasm) != 1 or len(zkey) != 1:
            raise BrowserProverUnavailable(
                "zk_artifacts_unavailable", "the presentation ceremony.json must list one .wasm and one final .zkey"
            )
        return wasm[0], zkey[0]

    def _pinned(self, name: str, path: Path, pin: str, code: str, fix: str) -> PinnedFile:
        actual = sha256_file(path)
        if actual != pin.lower():
            raise BrowserProverUnavailable(code, f"{name} does not match its pinned sha256: {fix}")
        return PinnedFile(name=name, path=path, sha256=actual, size=path.stat().st_size)

    def _build(self, wasm_name: str, zkey_name: str) -> ProverManifest:
        files = self._ceremony_files()
        rebuild = "rebuild the circuit (its files and ceremony.json disagree)"
        try:
            wasm = self._pinned(
                wasm_name, self.artifacts_dir / wasm_name, files[wasm_name], "zk_artifacts_unavailable", rebuild
            )
            zkey = self._pinned(
                zkey_name, self.artifacts_dir / zkey_name, files[zkey_name], "zk_artifacts_unavailable", rebuild
            )
            bundle = self._pinned(
                BUNDLE_NAME,
                self.bundle_path,
                SNARKJS_BUNDLE_SHA256,
                "zk_browser_unavailable",
                f"install the locked snarkjs {SNARKJS_VERSION} (`livecred zk install`)",
            )
        except OSError as exc:
            raise self._missing(Path(exc.filename or "")) from exc
        return ProverManifest(
            wasm=wasm, zkey=zkey, bundle=bundle, license=self.license_path, circuit_license=self.circuit_license_path
        )
