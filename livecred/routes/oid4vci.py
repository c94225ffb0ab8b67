"""OpenID for Verifiable Credential Issuance 1.0 on top of liveness sessions (pre-authorized code).

``GET /.well-known/openid-credential-issuer`` and ``/.well-known/oauth-authorization-server``
publish the metadata; ``POST /token`` exchanges the pre-authorized code a passed session offered
for an access token; ``POST /nonce`` hands out a ``c_nonce``; ``POST /credential`` takes the
token and a key-proof JWT of the session's holder DID and returns the ``ldp_vc``. Errors follow
the specs' shape (``{"error", "error_description"}``); responses carrying tokens or nonces are
``Cache-Control: no-store``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from livecred.client_address import client_address
from livecred.deps import WalletDep, run_db, run_outbound
from livecred.forms import read_form
from wallet import OID4VCIError

router = APIRouter(tags=["openid4vci"])

_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/.well-known/openid-credential-issuer")
async def credential_issuer_metadata(wallet: WalletDep) -> dict[str, Any]:
    """Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2)."""
    return wallet.oid4vci.issuer_metadata()


@router.get("/.well-known/oauth-authorization-server")
async def authorization_server_metadata(wallet: WalletDep) -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) for the token endpoint."""
    return wallet.oid4vci.authorization_server_metadata()


@router.post("/token")
async def token(request: Request, wallet: WalletDep) -> JSONResponse:
    """Token Endpoint: ``grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code``."""
    form = await read_form(
        request, lambda message: OID4VCIError("invalid_request", message), "the token request", encoding="ascii"
    )
    answer = await run_db(request, lambda: wallet.oid4vci.token(form))
    return JSONResponse(answer, headers={**_NO_STORE, "Pragma": "no-cache"})


@router.post("/nonce")
async def nonce(request: Request, wallet: WalletDep) -> JSONResponse:
    """Nonce Endpoint: a fresh single-use ``c_nonce`` for the next key proof."""
    value = await run_db(request, wallet.binding.new_nonce)
    return JSONResponse({"c_nonce": value}, headers=_NO_STORE)


@router.post("/credential")
async def credential(request: Request, wallet: WalletDep) -> JSONResponse:
    """Credential Endpoint: ``{"credential_configuration_id", "proofs": {"jwt": [...]}}`` with a Bearer token."""
    scheme, _, access_token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not access_token.strip():
        raise OID4VCIError("invalid_token", "a Bearer access token from /token is required", status=401)
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (UnicodeDecodeError, ValueError) as exc:
        raise OID4VCIError("invalid_credential_request", "the credential request is not valid JSON") from exc
    device = client_address(request)
    # The key proof's DID may be a did:web: resolving it can wait on another host.
    answer = await run_outbound(request, lambda: wallet.oid4vci.credential(access_token.strip(), body, device))
    request.app.state.metrics.credential_issued("oid4vci")
    return JSONResponse(answer, headers=_NO_STORE)
