"""The wallet path over HTTP: open a session (proof of possession), see where it stands, take its
one credential. The live take itself is a WebSocket (``livecred/routes/capture.py``).

Opening a session needs a key proof of the holder DID over a fresh ``c_nonce`` (``POST /nonce``),
so nobody opens, fails or locks sessions under a DID whose key they do not hold. The session's
challenges are not revealed here: the server announces them one at a time during the take.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from issuer.credential import xsd_datetime
from livecred.client_address import client_address
from livecred.deps import WalletDep, run_db, run_outbound
from livecred.ratelimit import limit_holder_did
from wallet import PROOF_JWT_TYPE, Session

router = APIRouter(tags=["sessions"])

_DEVICE_TYPE = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,63}")  # fullmatch: `$` lets a final newline in
_PROOF_RULE = (
    "Key-proof JWT (typ openid4vci-proof+jwt, alg EdDSA, kid = a DID URL of holderDid) with claims aud "
    "(this issuer's identifier), iat and nonce"
)


class SessionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    faceMatch: bool = Field(
        False, description="Also match an ID photo (sent when the take starts) against the live frames."
    )


class CreateSessionRequest(BaseModel):
    holderDid: str = Field(min_length=8, max_length=500, description="The wallet's DID (did:key or did:web).")
    deviceType: str = Field(description="Recorded in the credential, e.g. 'mobile' or 'desktop' (1-64 characters).")
    holderProof: str = Field(
        max_length=8192, description=_PROOF_RULE + " = a fresh c_nonce from POST /nonce: proof of possession."
    )
    options: SessionOptions = Field(default_factory=SessionOptions)
    zkHolderCommitment: str | None = Field(
        None,
        max_length=80,
        description=(
            "Poseidon(holderSecret) as a decimal string below the BN254 scalar field order: the credential then "
            "carries an issuer-signed claim for zero-knowledge presentations, and the issuance response the "
            "opening of its score commitment (docs/zk-presentations.md). Without it, no claim."
        ),
    )

    @field_validator("deviceType")
    @classmethod
    def _device_type(cls, value: str) -> str:
        if not _DEVICE_TYPE.fullmatch(value):
            raise ValueError("deviceType must be 1-64 printable ASCII characters")
        return value


class HolderProofSpec(BaseModel):
    typ: str = PROOF_JWT_TYPE
    alg: str = "EdDSA"
    aud: str = Field(description="The `aud` claim: this credential issuer's identifier.")


class SessionResponse(BaseModel):
    sessionId: str
    nonce: str = Field(description="Single-use; the holder proof of the credential step signs it (claim `nonce`).")
    challengeCount: int = Field(description="How many challenges the take will announce (not which, nor when).")
    captureUrl: str = Field(description="The WebSocket of the live take: GET, upgraded (docs/wallet.md).")
    expiresAt: str
    maxAttempts: int
    attemptsLeft: int
    faceMatch: bool
    holderProof: HolderProofSpec


class SessionStatus(BaseModel):
    sessionId: str
    state: str = Field(description="pending, passed, failed or issued.")
    expiresAt: str
    attemptsLeft: int
    faceMatch: bool
    checks: list[str] = Field(description="Names of the checks a passed take met (no scores).")


class HolderProofRequest(BaseModel):
    holderProof: str = Field(max_length=8192, description=_PROOF_RULE + " = the session nonce.")


def public_state(session: Session) -> str:
    return "passed" if session.state == "issuing" else session.state


def capture_url(request: Request, session_id: str) -> str:
    base = request.app.state.wallet.issuer_id
    scheme = "wss" if base.startswith("https://") else "ws"
    return f"{scheme}://{base.split('://', 1)[1]}/sessions/{session_id}/capture"


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionResponse,
    responses={
        401: {"description": "The holder proof does not verify, or its nonce is not a fresh c_nonce"},
        422: {
            "description": "holderDid is not a DID, or cannot be resolved; zkHolderCommitment is not a field element"
        },
        429: {"description": "This device is locked out after repeated failures (Retry-After)"},
    },
)
async def create_session(body: CreateSessionRequest, request: Request, wallet: WalletDep) -> SessionResponse:
    """Open a liveness session for a holder DID whose control the wallet proves."""
    wallet.check_holder_did(body.holderDid)  # a DID, not a DID URL, before it keys a budget
    await limit_holder_did(request, body.holderDid)
    # Resolving a did:web holder waits on another host: the outbound pool, not the database's.
    session = await run_outbound(
        request,
        lambda: wallet.create_session(
            holder_did=body.holderDid,
            device_type=body.deviceType,
            face_match=body.options.faceMatch,
            holder_proof=body.holderProof,
            device=client_address(request),
            zk_holder_commitment=body.zkHolderCommitment,
        ),
    )
    return SessionResponse(
        sessionId=session.id,
        nonce=session.nonce,
        challengeCount=len(session.challenges),
        captureUrl=capture_url(request, session.id),
        expiresAt=xsd_datetime(session.expires_at),
        maxAttempts=session.max_attempts,
        attemptsLeft=session.attempts_left,
        faceMatch=session.face_match,
        holderProof=HolderProofSpec(aud=wallet.issuer_id),
    )


@router.get("/sessions/{session_id}", response_model=SessionStatus)
async def session_status(session_id: str, request: Request, wallet: WalletDep) -> SessionStatus:
    """Where a session stands (no nonce, no challenges, no scores)."""
    session = await run_db(request, lambda: wallet.sessions.get(session_id))
    return SessionStatus(
        sessionId=session.id,
        state=public_state(session),
        expiresAt=xsd_datetime(session.expires_at),
        attemptsLeft=session.attempts_left,
        faceMatch=session.face_match,
        checks=list(session.checks),
    )


@router.post(
    "/sessions/{session_id}/credential",
    status_code=201,
    responses={
        401: {"description": "The holder proof does not verify"},
        404: {"description": "No such session"},
        409: {"description": "Checks not passed, or the credential was already issued"},
        410: {"description": "Expired"},
    },
)
async def session_credential(
    session_id: str, body: HolderProofRequest, request: Request, wallet: WalletDep
) -> JSONResponse:
    """The session's one LivenessCredential, for a holder proof over the session nonce; with
    ``zkClaimOpening`` {score, salt} beside it when the session was opened with a
    ``zkHolderCommitment`` (returned this once, never inside the credential)."""
    device = client_address(request)
    issued = await run_outbound(request, lambda: wallet.issue_direct(session_id, body.holderProof, device))
    request.app.state.metrics.credential_issued("wallet")
    content: dict[str, Any] = {"credential": issued.credential}
    if issued.zk_claim_opening is not None:
        content["zkClaimOpening"] = issued.zk_claim_opening.to_json()
    return JSONResponse(content, status_code=201, headers={"Cache-Control": "no-store"})
