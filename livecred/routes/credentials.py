"""VC-API style credential routes: issue (admin), verify (public), status (admin).

Issuing and status changes need ``Authorization: Bearer $LIVECRED_ADMIN_TOKEN``; without a
configured token they are disabled (403), never open. Verification is public and answers every
well-formed request with a verdict in one body shape: 200 when verified, 400 (as the VC-API
specifies) with ``verified: false`` and the reason codes when not. Issuing honours an ``Idempotency-Key``
header, so that a retry does not mint a second credential (:mod:`issuer.idempotency`).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from issuer import IdempotencyStore, Issuer, VerificationResult, parse_idempotency_key
from livecred.deps import run_db, run_verification

router = APIRouter(tags=["credentials"])


def get_issuer(request: Request) -> Issuer:
    issuer: Issuer = request.app.state.issuer
    return issuer


def require_admin(request: Request) -> None:
    token = request.app.state.settings.admin_token
    if token is None:
        raise HTTPException(
            403, {"code": "admin_disabled", "message": "admin endpoints are disabled: set LIVECRED_ADMIN_TOKEN"}
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
        raise HTTPException(
            401,
            {"code": "unauthorized", "message": "a valid admin bearer token is required"},
            headers={"WWW-Authenticate": "Bearer"},
        )


class IssueOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proof_type: Literal["eddsa-rdfc-2022", "Ed25519Signature2020"] | None = Field(None, alias="proofType")
    status_purpose: Literal["revocation", "suspension", "none"] | None = Field(
        None, alias="statusPurpose", description="Status entry purpose; 'none' issues without one."
    )


class IssueRequest(BaseModel):
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueResponse(BaseModel):
    verifiable_credential: dict[str, Any] = Field(serialization_alias="verifiableCredential")


class VerifyRequest(BaseModel):
    verifiable_credential: dict[str, Any] = Field(alias="verifiableCredential")


class CheckDetail(BaseModel):
    check: str
    status: Literal["passed", "failed", "unchecked"]
    message: str
    code: str | None = Field(None, description="Why the check did not pass (a reason code).")


class VerifyResponse(BaseModel):
    verified: bool
    issuer: str | None = Field(
        description="The issuer's DID when it is trusted; null otherwise (nothing a client sent is echoed)."
    )
    trusted_issuer: bool = Field(
        serialization_alias="trustedIssuer", description="Whether it is one of LIVECRED_TRUSTED_ISSUERS."
    )
    reasons: list[str] = Field(description="Reason codes of the failed checks (untrusted_issuer, revoked, ...).")
    checks: list[str]
    warnings: list[str]
    errors: list[str]
    details: list[CheckDetail]
    credential_status: str | None = Field(None, serialization_alias="credentialStatus")


def verify_response(result: VerificationResult) -> VerifyResponse:
    return VerifyResponse(
        verified=result.verified,
        issuer=result.issuer if result.trusted_issuer else None,
        trusted_issuer=result.trusted_issuer,
        reasons=result.reasons,
        checks=result.checks,
        warnings=result.warnings,
        errors=result.errors,
        details=[CheckDetail(check=o.name, status=o.status, message=o.message, code=o.code) for o in result.outcomes],
        credential_status=result.credential_status,
    )


class StatusEntryUpdate(BaseModel):
    type: str = "BitstringStatusListEntry"
    status: Literal["revoked", "suspended", "active"]


class StatusRequest(BaseModel):
    credential_id: str = Field(alias="credentialId", min_length=1, max_length=200)
    credential_status: list[StatusEntryUpdate] = Field(alias="credentialStatus", min_length=1, max_length=1)


class StatusResponse(BaseModel):
    credential_id: str = Field(serialization_alias="credentialId")
    status: str


IDEMPOTENCY_KEY = Header(
    alias="Idempotency-Key",
    description="A unique key per credential to issue (e.g. a UUID; draft-ietf-httpapi-idempotency-key-header). "
    "Sent again with the same body within 24 hours, it gets the first response again (201, the same "
    "credential, none issued anew); with another body, 422 `idempotency_key_reused`; while the first "
    "request is still running, 409 `idempotency_key_in_use`. 1-255 printable ASCII characters, quoted or not.",
    examples=['"8e03978e-40d5-43e8-bc93-6894a57f9324"'],
)


@router.post(
    "/credentials/issue",
    status_code=201,
    response_model=IssueResponse,
    response_model_by_alias=True,
    dependencies=[Depends(require_admin)],
    responses={
        400: {"description": "Malformed request or `Idempotency-Key` (`invalid_idempotency_key`)"},
        409: {"description": "`idempotency_key_in_use`: a request with this key is still being processed"},
        422: {"description": "The credential cannot be issued, or `idempotency_key_reused` with another body"},
    },
)
async def issue(
    body: IssueRequest,
    request: Request,
    issuer: Issuer = Depends(get_issuer),
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> IssueResponse:
    """Sign a credential; with an ``Idempotency-Key``, a retry gets the first answer again."""
    options = body.options
    purpose: str | None = "" if options.status_purpose is None else options.status_purpose
    if purpose == "none":
        purpose = None

    def sign() -> dict[str, Any]:
        signed = issuer.issue(body.credential, proof_type=options.proof_type, status_purpose=purpose)
        request.app.state.metrics.credential_issued("admin")  # in here: an idempotent replay is not counted
        return signed

    if idempotency_key is None:
        vc = await run_verification(request, sign)
    else:
        key = parse_idempotency_key(idempotency_key)
        store = IdempotencyStore(issuer.store.engine)
        fingerprint = body.model_dump(mode="json", by_alias=True)
        vc = await run_verification(request, lambda: store.run(key, fingerprint, sign))
    return IssueResponse(verifiable_credential=vc)


VERIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Verified: every check passed (under the strict status policy, status was checked)."},
    400: {
        "model": VerifyResponse,
        "description": "Not verified (VC-API): the same body, with `verified: false` and the `reasons`; "
        "or a malformed request (`invalid_json` ...).",
    },
}


def verdict(result: VerificationResult) -> JSONResponse:
    """VC-API: a failed verification is a 400 with the same body as a successful one."""
    body = verify_response(result).model_dump(mode="json", by_alias=True)
    return JSONResponse(body, status_code=200 if result.verified else 400)


@router.post(
    "/credentials/verify", response_model=VerifyResponse, response_model_by_alias=True, responses=VERIFY_RESPONSES
)
async def verify(body: VerifyRequest, request: Request, issuer: Issuer = Depends(get_issuer)) -> JSONResponse:
    """Verify a credential under this service's policy (LIVECRED_TRUSTED_ISSUERS, LIVECRED_VERIFY_STATUS ...)."""
    result = await run_verification(request, lambda: issuer.verify(body.verifiable_credential))
    request.app.state.metrics.verification("credential", result.verified)
    return verdict(result)


@router.post(
    "/credentials/status",
    response_model=StatusResponse,
    response_model_by_alias=True,
    dependencies=[Depends(require_admin)],
)
async def update_status(body: StatusRequest, request: Request, issuer: Issuer = Depends(get_issuer)) -> StatusResponse:
    wanted = body.credential_status[0].status
    status = await run_db(request, lambda: issuer.set_status(body.credential_id, wanted))
    return StatusResponse(credential_id=body.credential_id, status=status)
