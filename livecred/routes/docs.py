"""The API docs (``/docs``, Swagger UI; ``/redoc``, ReDoc) with every asset served from here.

FastAPI's defaults load Swagger UI and ReDoc from a CDN, so the pages are blank offline and on a
network that blocks the CDN. The assets come from the ``fastapi-offline`` package instead
(Swagger UI's ``swagger-ui-dist`` 5, Apache-2.0; ReDoc 2, MIT; the package itself MIT), served
under ``/docs/assets/<name>`` from a fixed list of names. The Content-Security-Policy lets the
pages load scripts from this origin only; Swagger UI's inline start-up script is allowed by its
hash, and both UIs set inline styles.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_PATH = "/docs/assets"
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_POLICY = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)

router = APIRouter(tags=["docs"], include_in_schema=False)


@cache
def assets_dir() -> Path:
    """The installed ``fastapi_offline/static`` folder (a plain directory in its wheel)."""
    return Path(str(files("fastapi_offline") / "static"))


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body))
    )
    page.headers["Content-Security-Policy"] = _POLICY.format(hashes=hashes)
    page.headers["X-Content-Type-Options"] = "nosniff"
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return _with_policy(
        get_swagger_ui_html(
            openapi_url=root + request.app.openapi_url,
            title=f"{request.app.title} API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return _with_policy(
        get_redoc_html(
            openapi_url=root + request.app.openapi_url,
            title=f"{request.app.title} API",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
    )


@router.get(ASSETS_PATH + "/{name}")
async def asset(name: str) -> FileResponse:
    media_type = _ASSETS.get(name)
    path = assets_dir() / name
    if media_type is None or not path.is_file():
        raise HTTPException(404, {"code": "not_found", "message": "no such docs asset"})
    # The files change only with the installed package: a day's caching, then revalidation.
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})
