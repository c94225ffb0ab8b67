"""The demo pages (``web/``): ``/`` is the wallet's HTML, ``/verifier`` the OpenID4VP demo
verifier's, ``/web/<file>`` their scripts and styles.

Everything the page needs is served from here, so it runs with no CDN and no network beyond this
service; the Content-Security-Policy says so to the browser. Files are looked up by flat name in
a fixed folder (no sub-paths, a short list of suffixes), so a request can never reach outside it.
The folder is package data of ``livecred`` (``livecred/web/``), so a checkout, an editable install
and an installed wheel all find it beside this module.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parents[1] / "web"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\.(html|js|css|svg)$")

# Scripts, styles and connections only from this origin; camera frames are drawn from a
# MediaStream into a canvas and sent as data URLs, so media and images also allow those schemes.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The page changes with the service; let the browser revalidate rather than run stale code.
    "Cache-Control": "no-cache",
}

# The wallet's prover worker (zk-prover.js) gets its own, wider policy, and only it: a dedicated
# worker runs under the policy of its script's response, and snarkjs compiles WebAssembly
# ('wasm-unsafe-eval') and is run from the bytes the worker checked against their pin (blob:).
# The pages themselves still may do neither.
_WORKER_HEADERS = {
    **_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self' blob: 'wasm-unsafe-eval'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'"
    ),
}
_OWN_HEADERS = {"zk-prover.js": _WORKER_HEADERS}

router = APIRouter(tags=["wallet page"], include_in_schema=False)


def _file(name: str) -> FileResponse:
    path = WEB_DIR / name
    if not _NAME.fullmatch(name) or not path.is_file():
        raise HTTPException(404, {"code": "not_found", "message": "no such page file"})
    return FileResponse(path, media_type=_CONTENT_TYPES[path.suffix], headers=_OWN_HEADERS.get(name, _HEADERS))


@router.get("/")
async def wallet_page() -> FileResponse:
    """The demo wallet: log in with a did:key, pass the liveness session, receive the credential."""
    return _file("index.html")


@router.get("/verifier")
async def verifier_page() -> FileResponse:
    """The demo verifier: create an OpenID4VP request for a LivenessCredential, show the verdict."""
    return _file("verifier.html")


@router.get("/web/{name}")
async def wallet_asset(name: str) -> FileResponse:
    return _file(name)
