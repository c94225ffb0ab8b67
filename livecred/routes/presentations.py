"""VC-API presentation verification: ``POST /challenges`` and ``POST /presentations/verify``.

A relying party asks this service for a challenge, hands it to the holder's wallet, and sends the
wallet's presentation here. The presentation must be signed by the holder (proof purpose
``authentication``) over that challenge and this service's domain, and the challenge is
accepted once: a presentation copied off the wire, or signed by anyone but the credential's
subject, fails. Answers follow ``/credentials/verify``: 200 verified, 400 with the same body when
not, each embedded credential's result in ``credentialResults``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from issuer import Issuer
from livecred.deps import run_db, run_verification
from livecred.routes.credentials import VERIFY_RESPONSES, get_issuer, verify_response

router = APIRouter(tags=["presentations"])


def verifier_domain(issuer: Issuer) -> str:
    """The domain presentations are bound to: this service's public host (with its port)."""
    return urlsplit(issuer.public_url).netloc


class ChallengeResponse(BaseModel):
    challenge: str
    domain: str
    expires: str


class PresentationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(min_length=1, max_length=256)
    domain: str | None = Field(None, max_length=255, description="Default (and only accepted): this service's.")


class PresentationVerifyRequest(BaseModel):
    verifiable_presentation: dict[str, Any] = Field(alias="verifiablePresentation")
    options: PresentationOptions


@router.post("/challenges", response_model=ChallengeResponse, status_code=201)
async def create_challenge(request: Request, issuer: Issuer = Depends(get_issuer)) -> ChallengeResponse:
    """A single-use challenge (5 minutes) for a presentation to this service."""
    domain = verifier_domain(issuer)
    challenge, expires = await run_db(request, lambda: issuer.challenges.issue(domain))
    stamp = expires.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return ChallengeResponse(challenge=challenge, domain=domain, expires=stamp)


@router.post("/presentations/verify", responses=VERIFY_RESPONSES)
async def verify_presentation(
    body: PresentationVerifyRequest, request: Request, issuer: Issuer = Depends(get_issuer)
) -> JSONResponse:
    """Verify a holder-signed presentation over a challenge from ``POST /challenges``."""
    domain = verifier_domain(issuer)
    options = body.options
    result = await run_verification(
        request,
        lambda: issuer.verify_presentation(
            body.verifiable_presentation, challenge=options.challenge, domain=options.domain or domain
        ),
    )
    request.app.state.metrics.verification("presentation", result.verified)
    payload = verify_response(result).model_dump(mode="json", by_alias=True)
    payload["credentialResults"] = [
        verify_response(nested).model_dump(mode="json", by_alias=True) for nested in result.credentials
    ]
    return JSONResponse(payload, status_code=200 if result.verified else 400)
