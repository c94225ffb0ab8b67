"""The browser prover's files: the pinned manifest, the presentation circuit's wasm and zkey, and
the snarkjs bundle with its GPL-3.0 licence (see ``livecred/zk_browser.py`` for what is pinned
and why).

Files are served only by the names the manifest lists, never by a client's path. Each carries a
strong ETag (its sha256); a request that names the current build (``?v=`` the pin's first 16 hex
digits, as the manifest's URLs do) may be cached for a year, anything else is revalidated. When
the npm packages or the circuit's files are missing, or do not equal their pins, these routes
answer 503 with a stable code (``zk_browser_unavailable``, ``zk_artifacts_unavailable``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from livecred.settings import Settings
from livecred.zk_browser import BrowserProverFiles, BrowserProverUnavailable, PinnedFile, ProverManifest
from zk import Artifacts

router = APIRouter(tags=["zk"])

_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Not a file of the browser prover"},
    503: {"description": "The npm packages or the presentation circuit are missing or do not match their pins"},
}
_YEAR = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_LICENSE = {"Cache-Control": "public, max-age=86400"}


def build_browser_prover(settings: Settings) -> BrowserProverFiles:
    """Where the presentation circuit and snarkjs are for this service's settings."""
    packaged = Artifacts.packaged("presentation").directory
    # An own ceremony's directory holds the presentation circuit's build in presentation/, as
    # the packaged one does (zk/build.py).
    artifacts = Path(settings.zk_artifacts_dir) / packaged.name if settings.zk_artifacts_dir else packaged
    node_modules = settings.zk_node_modules or Artifacts.packaged().directory.parent / "node_modules"
    return BrowserProverFiles(artifacts_dir=artifacts, snarkjs_dir=Path(node_modules) / "snarkjs")


def get_browser_prover(request: Request) -> BrowserProverFiles:
    files: BrowserProverFiles | None = getattr(request.app.state, "zk_browser", None)
    if files is None:
        files = build_browser_prover(request.app.state.settings)
        request.app.state.zk_browser = files
    return files


def _manifest(files: Annotated[BrowserProverFiles, Depends(get_browser_prover)]) -> ProverManifest:
    try:
        return files.manifest()
    except BrowserProverUnavailable as exc:
        raise HTTPException(503, {"code": exc.code, "message": exc.message}, headers={"Retry-After": "60"}) from exc


Manifest = Annotated[ProverManifest, Depends(_manifest)]


def _not_found() -> HTTPException:
    return HTTPException(404, {"code": "not_found", "message": "no such file of the browser prover"})


def _serve(request: Request, pinned: PinnedFile, media_type: str, extra: dict[str, str] | None = None) -> Response:
    current = request.query_params.get("v") == pinned.sha256[:16]
    headers = {
        "ETag": pinned.etag,
        "Cache-Control": _YEAR if current else _REVALIDATE,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        **(extra or {}),
    }
    if pinned.etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return FileResponse(pinned.path, media_type=media_type, headers=headers)


@router.get("/zk/browser/manifest.json", responses=_ERRORS)
async def manifest(manifest: Manifest) -> JSONResponse:
    """The sha256 pins, sizes and URLs of the wasm, zkey and snarkjs bundle the wallet page proves with."""
    return JSONResponse(manifest.to_json(), headers={"Cache-Control": _REVALIDATE})


@router.get("/zk/browser/circuit/{name}", responses=_ERRORS)
async def presentation_artifact(name: str, request: Request, manifest: Manifest) -> Response:
    """The presentation circuit's witness generator (.wasm) or final proving key (.zkey), or their
    GPL-3.0 licence (LICENSE)."""
    if name == "LICENSE" and manifest.circuit_license.is_file():
        return FileResponse(manifest.circuit_license, media_type="text/plain; charset=utf-8", headers=_LICENSE)
    pinned = manifest.artifact(name)
    if pinned is None:
        raise _not_found()
    media_type = "application/wasm" if name.endswith(".wasm") else "application/octet-stream"
    return _serve(request, pinned, media_type)


@router.get("/zk/browser/snarkjs.min.js", responses=_ERRORS)
async def snarkjs_bundle(request: Request, manifest: Manifest) -> Response:
    """snarkjs's browser bundle (GPL-3.0, unmodified); its licence is at /zk/browser/LICENSE."""
    notice = {
        "Link": '<LICENSE>; rel="license"',
        "X-License-Notice": "snarkjs (GPL-3.0), unmodified; licence: LICENSE beside this file; "
        "source: https://github.com/iden3/snarkjs",
    }
    return _serve(request, manifest.bundle, "text/javascript; charset=utf-8", notice)


@router.get("/zk/browser/LICENSE", responses=_ERRORS)
async def snarkjs_license(files: Annotated[BrowserProverFiles, Depends(get_browser_prover)]) -> Response:
    """The GPL-3.0 text the snarkjs bundle is distributed under (snarkjs's COPYING)."""
    path = files.license_path
    if not path.is_file():
        raise HTTPException(
            503,
            {"code": "zk_browser_unavailable", "message": "snarkjs is not installed: run `livecred zk install`"},
            headers={"Retry-After": "60"},
        )
    return FileResponse(path, media_type="text/plain; charset=utf-8", headers=_LICENSE)
