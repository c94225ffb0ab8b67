"""OpenID for Verifiable Presentations 1.0: the verifier's endpoints (``wallet.oid4vp``).

``POST /oid4vp/requests`` (the relying party) creates a request and answers its secret
``transactionId``, the request by value and as an ``openid4vp://`` link for the wallet;
``POST /oid4vp/response`` is the Response Endpoint the wallet posts ``vp_token`` and ``state`` to
(``direct_post``, form-encoded; errors in the OAuth shape); ``GET /oid4vp/requests/{id}`` is where
the relying party polls for the verdict. Everything here is ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from livecred.deps import WalletDep, run_db, run_verification
from livecred.forms import read_form
from wallet import OID4VPError

router = APIRouter(tags=["openid4vp"])

_NO_STORE = {"Cache-Control": "no-store"}
RESULTS_PATH = "/oid4vp/requests/"


def _stamp(moment: Any) -> str:
    return str(moment.replace(microsecond=0).isoformat().replace("+00:00", "Z"))


class PresentationRequestResponse(BaseModel):
    transaction_id: str = Field(serialization_alias="transactionId", description="Keep it: the result's handle.")
    request_uri: str = Field(serialization_alias="requestUri", description="openid4vp://?... for the wallet.")
    request: dict[str, Any] = Field(description="The Authorization Request parameters, by value.")
    result_uri: str = Field(serialization_alias="resultUri")
    expires: str


class PresentationResultResponse(BaseModel):
    status: Literal["pending", "verified", "failed", "expired"]
    expires: str
    result: dict[str, Any] | None = None


@router.post("/oid4vp/requests", status_code=201, response_model=PresentationRequestResponse)
async def create_request(request: Request, wallet: WalletDep) -> JSONResponse:
    """A request for one LivenessCredential (DCQL, ``direct_post``), open for 5 minutes."""
    created = await run_db(request, wallet.oid4vp.create_request)
    body = PresentationRequestResponse(
        transaction_id=created.transaction_id,
        request_uri=created.uri,
        request=created.request,
        result_uri=f"{wallet.issuer.public_url}{RESULTS_PATH}{created.transaction_id}",
        expires=_stamp(created.expires_at),
    )
    return JSONResponse(body.model_dump(by_alias=True), status_code=201, headers=_NO_STORE)


@router.get("/oid4vp/requests/{transaction_id}", response_model=PresentationResultResponse)
async def request_result(transaction_id: str, request: Request, wallet: WalletDep) -> JSONResponse:
    """``pending`` until the wallet answers, then ``verified`` or ``failed`` with the verdict."""
    found = await run_db(request, lambda: wallet.oid4vp.result(transaction_id))
    body = PresentationResultResponse.model_validate(
        {"status": found.status, "expires": _stamp(found.expires_at), "result": found.result}
    )
    return JSONResponse(body.model_dump(), headers=_NO_STORE)


@router.post("/oid4vp/response")
async def response_endpoint(request: Request, wallet: WalletDep) -> JSONResponse:
    """The Response Endpoint (``direct_post``): ``vp_token`` and ``state``, or ``error`` and ``state``."""
    form = await read_form(request, lambda message: OID4VPError("invalid_request", message), "the response")
    # Verifying may resolve a did:web holder or fetch a status list: the verification pool.
    answer = await run_verification(request, lambda: wallet.oid4vp.respond(form))
    return JSONResponse(answer, headers=_NO_STORE)
