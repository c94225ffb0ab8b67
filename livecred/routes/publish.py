"""What the issuer publishes for the ecosystem: its DID document (did:web), the credential's
JSON Schema and JSON-LD context, and its status list credentials. All public and cacheable."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from did import did_web_to_url
from issuer import LIVENESS_CONTEXT_PATH, SCHEMA_PATH, Issuer, liveness_context, liveness_schema
from issuer.contexts import SCHEMA_PATH_V2
from livecred.deps import run_db
from livecred.routes.credentials import get_issuer

router = APIRouter(tags=["publishing"])


def _json(content: Any, media_type: str, max_age: int = 300) -> JSONResponse:
    return JSONResponse(content, media_type=media_type, headers={"Cache-Control": f"public, max-age={max_age}"})


@router.get("/issuer", summary="The issuer's DID and DID document (any DID method)")
async def issuer_identity(issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    return _json(
        {"did": issuer.did, "verificationMethod": issuer.verification_method, "didDocument": issuer.document.to_json()},
        "application/json",
    )


def _did_web_document(issuer: Issuer, path: str) -> JSONResponse:
    if not issuer.did.startswith("did:web:"):
        raise HTTPException(
            404, {"code": "not_did_web", "message": f"this issuer's DID is {issuer.did}; it has no did:web document"}
        )
    if not did_web_to_url(issuer.did).endswith(path):
        raise HTTPException(404, {"code": "not_found", "message": "no DID document here"})
    return _json(issuer.document.to_json(), "application/did+json")


@router.get("/.well-known/did.json", summary="The issuer's did:web DID document")
async def well_known_did(issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    return _did_web_document(issuer, "/.well-known/did.json")


@router.get("/{path:path}/did.json", summary="A path-based did:web DID document", include_in_schema=False)
async def path_did(path: str, issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    return _did_web_document(issuer, f"/{path}/did.json")


@router.get(SCHEMA_PATH, summary="The LivenessCredential JSON Schema")
async def schema(issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    return _json(liveness_schema(issuer.public_url), "application/schema+json", 3600)


@router.get(SCHEMA_PATH_V2, summary="The LivenessCredential JSON Schema for VC Data Model 2.0 credentials")
async def schema_v2(issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    return _json(liveness_schema(issuer.public_url, v2=True), "application/schema+json", 3600)


@router.get(LIVENESS_CONTEXT_PATH, summary="The LivenessCredential JSON-LD context")
async def context() -> JSONResponse:
    return _json(liveness_context(), "application/ld+json", 86400)


@router.get("/status/{list_id}", summary="A Bitstring Status List credential")
async def status_list(list_id: str, request: Request, issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    if not (0 < len(list_id) <= 64 and list_id.isalnum()):
        raise HTTPException(404, {"code": "status_list_not_found", "message": "no such status list"})
    credential = await run_db(request, lambda: issuer.status_list_credential(list_id))
    return _json(credential, "application/vc+ld+json", 60)
