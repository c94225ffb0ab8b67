"""Exceptions -> HTTP, in one table. Every error body is ``{"code", "message"[, "field"]}``.

Rules: anything the client sent wrong is a 4xx with a stable ``code``; a missing model is 503;
nothing a client sends produces a 500, and a 500 never carries a traceback. Every 503 carries
``Retry-After``: whatever is unavailable (a model, the prover, the database, a full pool), a
client is told when to come back instead of retrying at once. Request validation
errors are rewritten without pydantic's ``input`` echo, which would otherwise copy a client's
base64 image into the response.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from did import (
    DIDError,
    DIDNotFound,
    DIDResolutionError,
    FetchBusy,
    InvalidDID,
    InvalidKey,
    UnsupportedDIDMethod,
    VerificationMethodNotFound,
)
from fhe import (
    FHEError,
    InputTooLarge,
    InvalidCiphertext,
    InvalidEmbedding,
    InvalidEncoding,
    InvalidParameters,
    ModelBackendUnavailable,
    ModelMismatch,
    UnsupportedModel,
)
from fhe import InvalidKey as FHEInvalidKey
from issuer import (
    CanonicalizationTooComplex,
    CredentialNotFound,
    CredentialTooComplex,
    DuplicateCredentialId,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidCredential,
    IssuerError,
    IssuerKeyError,
    StatusChangeRefused,
    StatusListNotFound,
    StoreUnavailable,
    UnsupportedProofType,
)
from livecred.capacity import ClientDisconnected, ServerBusy
from liveness import (
    EmptyImage,
    FaceNotFound,
    FaceQualityTooLow,
    ImageTooLarge,
    ImageTooManyPixels,
    InvalidBase64,
    InvalidFrameCount,
    InvalidImage,
    LivenessError,
    ModelUnavailable,
)
from liveness.backends import BackendFailed, BackendUnavailable
from wallet import (
    AttemptsExhausted,
    CaptureProtocolError,
    CredentialAlreadyIssued,
    HolderProofInvalid,
    InvalidHolderCommitment,
    InvalidHolderDID,
    LockedOut,
    OAuthError,
    PresentationRequestNotFound,
    SessionCompleted,
    SessionExpired,
    SessionNotFound,
    SessionNotPassed,
    WalletError,
)
from zk import (
    ArtifactsUnavailable,
    InvalidNonce,
    InvalidPresentationRequest,
    InvalidStatement,
    InvalidVerificationKey,
    MalformedProof,
    ProverError,
    WitnessRejected,
    ZKError,
)

logger = logging.getLogger("livecred.api")

# Most specific first; the first matching base class wins.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (ImageTooLarge, 413),
    (ImageTooManyPixels, 413),
    (InvalidBase64, 400),
    (EmptyImage, 400),
    (InvalidImage, 422),
    (FaceNotFound, 422),
    (FaceQualityTooLow, 422),
    (InvalidFrameCount, 422),
    (ModelUnavailable, 503),
    (BackendFailed, 503),  # the documented 503 of every face route; no 5xx beyond it
    (BackendUnavailable, 503),
    (LivenessError, 400),
    (CanonicalizationTooComplex, 422),
    (CredentialTooComplex, 422),
    (InvalidCredential, 422),
    (UnsupportedProofType, 400),
    (CredentialNotFound, 404),
    (StatusListNotFound, 404),
    (StatusChangeRefused, 409),
    (DuplicateCredentialId, 409),
    (IssuerKeyError, 503),
    (StoreUnavailable, 503),
    (IdempotencyKeyReused, 422),
    (IdempotencyKeyInUse, 409),
    (InvalidHolderDID, 422),
    (InvalidHolderCommitment, 422),
    (SessionNotFound, 404),
    (SessionExpired, 410),
    (SessionCompleted, 409),
    (AttemptsExhausted, 409),
    (SessionNotPassed, 409),
    (CredentialAlreadyIssued, 409),
    (HolderProofInvalid, 401),
    (PresentationRequestNotFound, 404),
    (LockedOut, 429),
    (IssuerError, 400),
    (WalletError, 400),
    (InvalidDID, 400),
    (InvalidKey, 400),
    (UnsupportedDIDMethod, 400),
    (FetchBusy, 503),
    (DIDNotFound, 404),
    (VerificationMethodNotFound, 404),
    (DIDResolutionError, 502),
    (DIDError, 400),
    (InputTooLarge, 413),
    (InvalidEncoding, 400),
    (FHEInvalidKey, 422),
    (InvalidCiphertext, 422),
    (InvalidParameters, 422),
    (InvalidEmbedding, 422),
    (ModelMismatch, 422),
    (ModelBackendUnavailable, 503),
    (UnsupportedModel, 422),
    (FHEError, 400),
    (InvalidNonce, 422),
    (InvalidPresentationRequest, 422),
    (InvalidStatement, 422),
    (MalformedProof, 422),
    (WitnessRejected, 422),
    (ProverError, 503),
    (ArtifactsUnavailable, 503),
    (InvalidVerificationKey, 503),
    (ZKError, 400),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


# Seconds a client should wait after a 503 whose cause has no better estimate.
RETRY_AFTER_SECONDS = 5


def retry_headers(status: int, headers: dict[str, str] | None = None) -> dict[str, str] | None:
    """``headers`` with ``Retry-After`` added to a 503 that lacks one."""
    if status != 503 or (headers and any(k.lower() == "retry-after" for k in headers)):
        return headers
    return {**(headers or {}), "Retry-After": str(RETRY_AFTER_SECONDS)}


def status_for(exc: Exception) -> int:
    if isinstance(exc, CaptureProtocolError):
        return exc.status
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}


# The base class of each domain package's exception tree. Each carries ``code`` and ``message``
# (and optionally ``field``); STATUS_BY_ERROR picks the status.
DOMAIN_ERRORS: tuple[type[Exception], ...] = (LivenessError, IssuerError, WalletError, DIDError, FHEError, ZKError)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    extra: dict[str, Any] = {"field": getattr(exc, "field", None)}
    if isinstance(exc, ModelUnavailable):
        extra["missing_models"] = list(exc.missing)
    # Schema violations and undefined JSON-LD terms are listed (paths and rules, never values).
    # A refused face lists the quality gate's reasons (names, never measurements of the image).
    for name in ("errors", "terms", "reasons"):
        if isinstance(getattr(exc, name, None), list):
            extra[name] = getattr(exc, name)
    code = getattr(exc, "code", "error")
    message = getattr(exc, "message", code.replace("_", " "))
    # A lockout and a backend worker that is down, busy or restarting know when to come back.
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, LockedOut | BackendUnavailable) else None
    status = status_for(exc)
    return JSONResponse(
        status_code=status, content=error_body(code, message, **extra), headers=retry_headers(status, headers)
    )


async def _server_busy(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServerBusy)
    return JSONResponse(
        status_code=503, content=error_body(exc.code, exc.message), headers={"Retry-After": str(exc.retry_after)}
    )


async def _client_disconnected(request: Request, exc: Exception) -> Response:
    # Nobody reads this answer; 499 is nginx's name for it in access logs.
    return Response(status_code=499)


async def _oauth_error(request: Request, exc: Exception) -> JSONResponse:
    """OpenID4VCI, OpenID4VP and OAuth 2.0 errors in the shape those specs define."""
    assert isinstance(exc, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return JSONResponse(
        status_code=exc.status,
        content={"error": exc.error, "error_description": exc.message},
        headers=retry_headers(exc.status, headers),
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse(status_code=400, content=error_body("invalid_json", "the request body is not valid JSON"))
    if any(e.get("loc") == ("body",) and e.get("type") == "missing" for e in errors):
        return JSONResponse(status_code=400, content=error_body("empty_body", "the request body is empty"))
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body",
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in errors
    ]
    fields = ", ".join(d["field"] for d in details)
    return JSONResponse(
        status_code=422,
        content=error_body("invalid_request", f"invalid request fields: {fields}", errors=details),
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if isinstance(exc.detail, dict):  # raised by our own routes with a specific code
        code, message = str(exc.detail.get("code", code)), str(exc.detail.get("message", message))
    return JSONResponse(
        status_code=exc.status_code,
        content=error_body(code, message),
        headers=retry_headers(exc.status_code, dict(exc.headers) if exc.headers else None),
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # Type and route only: an exception's args could hold data derived from the request.
    logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return JSONResponse(status_code=500, content=error_body("internal_error", "internal server error"))


def install_error_handlers(app: FastAPI) -> None:
    for base in DOMAIN_ERRORS:
        app.add_exception_handler(base, _domain_error)
    app.add_exception_handler(OAuthError, _oauth_error)
    app.add_exception_handler(ServerBusy, _server_busy)
    app.add_exception_handler(ClientDisconnected, _client_disconnected)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
