"""Zero-knowledge liveness presentations over HTTP: a verifier's request, the holder's proof.

``POST /zk/presentations/requests`` makes a request (the verifier's threshold, required checks,
maximum age, domain and scope; this service adds a fresh nonce and ``atTime``) that expires in
five minutes. ``POST /zk/presentations/verify`` checks a holder's proof against a request made
here and the trusted issuers' BabyJubJub keys, once: 200 ``verified``, 400 with the same body
and the ``reasons`` when not (a replay is ``request_already_used``). ``GET
/zk/presentation/verification-key`` is the circuit's Groth16 key. docs/zk-presentations.md has
the protocol, what a proof shows and what it does not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from issuer import Issuer
from issuer.zk_presentations import DEFAULT_REQUIRED_CHECKS, RequestSpec, ZKPresentationVerifier
from livecred.deps import run_outbound, run_verification
from livecred.routes.credentials import get_issuer
from livecred.zk_state import ZKState, get_zk

router = APIRouter(tags=["zk presentations"])

REQUESTS_PATH = "/zk/presentations/requests"
VERIFY_PATH = "/zk/presentations/verify"
KEY_PATH = "/zk/presentation/verification-key"
_NO_STORE = {"Cache-Control": "no-store"}


class ZKRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    threshold: int | None = Field(
        None,
        ge=0,
        le=10_000,
        description="Lowest face-match score the holder must prove, x 10000; at least the service's floor "
        "(LIVECRED_CREDENTIAL_MIN_FACE_MATCH_CONFIDENCE), which is also the default.",
    )
    requiredChecks: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REQUIRED_CHECKS),
        max_length=8,
        description="Checks the take must have passed: antispoof, challenges, same_person, 3d_turn, face_match.",
    )
    maxAgeSeconds: int | None = Field(
        None, gt=0, le=10 * 365 * 86400, description="How long ago the liveness check may have been (notBefore)."
    )
    domain: str | None = Field(
        None, min_length=1, max_length=255, description="The verifier's origin or client id, bound into the proof."
    )
    scope: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="Ask for the holder's stable pseudonym for this scope (the same holder, the same pseudonym).",
    )


class ZKVerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    requestId: str | None = Field(None, min_length=1, max_length=40, description="The id of a request made here.")
    request: dict[str, Any] | None = Field(None, description="Or the whole request, as it was made here.")
    proof: dict[str, Any] = Field(description="The snarkjs Groth16 proof (pi_a, pi_b, pi_c, protocol, curve).")
    publicSignals: list[Any] = Field(
        max_length=16, description="The 10 public signals as decimal strings, in snarkjs order."
    )

    @model_validator(mode="after")
    def _one_request(self) -> ZKVerifyBody:
        if (self.requestId is None) == (self.request is None):
            raise ValueError("give either requestId or request")
        return self


class ZKVerifyResponse(BaseModel):
    verified: bool
    reasons: list[str] = Field(description="Why not (empty when verified): stable codes, docs/zk-presentations.md.")
    requestId: str | None
    issuer: str | None = Field(description="The trusted issuer whose key signed the holder's claim.")
    pseudonym: str | None = Field(description="The holder's pseudonym for the request's scope (decimal).")


def get_zk_presentations(request: Request) -> ZKPresentationVerifier:
    verifier: ZKPresentationVerifier | None = getattr(request.app.state, "zk_presentations", None)
    if verifier is None:
        issuer: Issuer = request.app.state.issuer
        zk: ZKState = request.app.state.zk
        verifier = request.app.state.zk_presentations = ZKPresentationVerifier(
            issuer.zk_requests,
            issuer.zk_keys,
            zk.require_presentation_key,
            min_threshold=issuer.policy.min_face_match_threshold,
            fast_verify=zk.verify_presentation,
            clock=issuer.clock,
        )
    return verifier


@router.post(
    REQUESTS_PATH,
    status_code=201,
    responses={422: {"description": "A threshold below the floor, an unknown check, or invalid fields"}},
)
async def create_request(
    body: ZKRequestBody,
    request: Request,
    issuer: Issuer = Depends(get_issuer),
    verifier: ZKPresentationVerifier = Depends(get_zk_presentations),
) -> JSONResponse:
    """A presentation request for a holder: the circuit's public inputs as decimal strings, the
    trusted issuer keys a proof may use, and when it expires (single use)."""
    spec = RequestSpec(
        threshold=issuer.policy.min_face_match_threshold if body.threshold is None else body.threshold,
        required_checks=tuple(body.requiredChecks),
        max_age=timedelta(seconds=body.maxAgeSeconds) if body.maxAgeSeconds else None,
        domain=body.domain,
        scope=body.scope,
    )
    # Listing the trusted keys may resolve did:web issuers: the outbound pool.
    stored = await run_outbound(request, lambda: verifier.create_request(spec))
    content = {**stored.request, "verificationKey": f"{issuer.public_url}{KEY_PATH}"}
    return JSONResponse(content, status_code=201, headers=_NO_STORE)


@router.post(
    VERIFY_PATH,
    response_model=ZKVerifyResponse,
    responses={
        400: {"description": "Not verified: the same body, with the reasons", "model": ZKVerifyResponse},
        422: {"description": "A malformed proof or body"},
        503: {"description": "The presentation verification key is unavailable, or the service is busy"},
    },
)
async def verify(
    body: ZKVerifyBody, request: Request, verifier: ZKPresentationVerifier = Depends(get_zk_presentations)
) -> JSONResponse:
    """Verify a holder's presentation proof for a request made here (once)."""
    proof = {"proof": body.proof, "publicSignals": body.publicSignals}
    result = await run_verification(
        request, lambda: verifier.verify(proof, request_id=body.requestId, request=body.request)
    )
    request.app.state.metrics.verification("zk_presentation", result.verified)
    answer = ZKVerifyResponse(
        verified=result.verified,
        reasons=list(result.reasons),
        requestId=result.request_id,
        issuer=result.issuer,
        pseudonym=result.pseudonym,
    )
    return JSONResponse(answer.model_dump(), status_code=200 if result.verified else 400, headers=_NO_STORE)


@router.get(KEY_PATH, responses={503: {"description": "The presentation artifacts are not available"}})
async def verification_key(zk: ZKState = Depends(get_zk)) -> JSONResponse:
    """The presentation circuit's Groth16 verification key (snarkjs JSON)."""
    return JSONResponse(zk.require_presentation_key().to_json(), headers={"Cache-Control": "public, max-age=3600"})
