"""The wallet path: POST /sessions, /sessions/{id}/frames, /sessions/{id}/credential.

A wallet opens a session for its holder DID and gets a nonce and a random order of challenges.
It sends all its frames in one request (a baseline burst, one burst per challenge, the ID photo
when face match was asked); the engine judges them in memory and the session keeps only the
verdict. On success the response carries an OpenID4VCI credential offer; the wallet then takes
its one credential either through OpenID4VCI (``api.routes.oid4vci``) or directly here, proving
control of the holder DID with a key-proof JWT over the session nonce.

Failed checks answer 422 with the first failure as ``code`` (``spoof_detected``, ``face_mismatch``,
``challenge_not_met``, ``id_mismatch``), every failure in ``reasons``, and the per-check detail;
each failure counts towards the holder's and the device's lockout.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from concurrent.futures import Future
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.client_address import client_address
from api.deps import (
    get_engine,
    get_frame_limits,
    get_limits,
    require_prover_slot,
    run_blocking,
    run_db,
    run_outbound,
)
from api.ratelimit import limit_holder_did
from api.zk_state import ZKState, get_zk
from issuer import PROOF_JWT_TYPE, Session, WalletIssuer
from issuer.credential import xsd_datetime
from liveness import FrameLimits, ImageLimits, LivenessEngine, MatchResult, decode_base64_image
from liveness.challenges import ChallengeType
from liveness.session import SessionVerdict
from zk import (
    FaceMatchProof,
    FaceMatchProver,
    ProofMismatch,
    nonce_to_field,
    scale_score,
    scale_threshold,
)

router = APIRouter(tags=["sessions"])

Engine = Annotated[LivenessEngine, Depends(get_engine)]
Limits = Annotated[ImageLimits, Depends(get_limits)]
Frames = Annotated[FrameLimits, Depends(get_frame_limits)]
ZK = Annotated[ZKState, Depends(get_zk)]

_DEVICE_TYPE = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,63}")  # fullmatch: `$` lets a final newline in
_IMAGE = "Base64 image or data URL (JPEG, PNG, WebP, BMP)."


def get_wallet(request: Request) -> WalletIssuer:
    wallet: WalletIssuer = request.app.state.wallet
    return wallet


Wallet = Annotated[WalletIssuer, Depends(get_wallet)]


class SessionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    faceMatch: bool = Field(False, description="Also match the selfie against an ID photo (sent with the frames).")


class CreateSessionRequest(BaseModel):
    holderDid: str = Field(min_length=8, max_length=500, description="The wallet's DID (did:key or did:web).")
    deviceType: str = Field(description="Recorded in the credential, e.g. 'mobile' or 'desktop' (1-64 characters).")
    options: SessionOptions = Field(default_factory=SessionOptions)

    @field_validator("deviceType")
    @classmethod
    def _device_type(cls, value: str) -> str:
        if not _DEVICE_TYPE.fullmatch(value):
            raise ValueError("deviceType must be 1-64 printable ASCII characters")
        return value


class BurstLimits(BaseModel):
    min: int
    max: int


class FrameCounts(BaseModel):
    baseline: BurstLimits
    perChallenge: BurstLimits


class HolderProofSpec(BaseModel):
    typ: str = PROOF_JWT_TYPE
    alg: str = "EdDSA"
    aud: str = Field(description="The `aud` claim: this credential issuer's identifier.")


class SessionResponse(BaseModel):
    sessionId: str
    nonce: str = Field(description="Single-use; the holder proof signs it (claim `nonce`).")
    challenges: list[str] = Field(description="In the order the frames must answer them.")
    expiresAt: str
    maxAttempts: int
    attemptsLeft: int
    faceMatch: bool
    frames: FrameCounts
    holderProof: HolderProofSpec


class SessionStatus(BaseModel):
    sessionId: str
    state: str = Field(description="pending, passed, failed or issued.")
    challenges: list[str]
    expiresAt: str
    attemptsLeft: int
    faceMatch: bool
    checks: list[str]


class FramesRequest(BaseModel):
    baseline: str | list[str] = Field(description="The neutral, frontal face: one frame or a short burst. " + _IMAGE)
    challenges: list[str | list[str]] = Field(
        description="One entry per challenge, in the session's order: a frame or a short burst."
    )
    idImage: str | None = Field(None, description="The ID-document photo; required when the session has faceMatch.")


class HolderProofRequest(BaseModel):
    holderProof: str = Field(
        max_length=8192,
        description="Key-proof JWT (typ openid4vci-proof+jwt, alg EdDSA, kid = a DID URL of the holder DID) "
        "with claims aud, iat and nonce = the session nonce.",
    )


def prove_in_background(prover: FaceMatchProver, score: int, threshold: int, nonce: int) -> Future[FaceMatchProof]:
    """Prove "score >= threshold" bound to ``nonce`` on a thread of its own, and check the proof
    against the published key (which catches a remote prover holding another key)."""
    future: Future[FaceMatchProof] = Future()

    def run() -> None:
        try:
            proof = prover.prove(score=score, threshold=threshold, nonce=nonce).proof
            check = prover.verify(
                proof, expected_threshold=threshold, expected_nonce=nonce, expected_commitment=proof.commitment
            )
            if not check.verified:
                raise ProofMismatch("the prover's proof does not verify against the published key")
            future.set_result(proof)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
            future.set_exception(exc)

    threading.Thread(target=run, name="livecred-session-proof", daemon=True).start()
    return future


def _public_state(session: Session) -> str:
    return "passed" if session.state == "issuing" else session.state


def _session_body(session: Session, request: Request) -> SessionResponse:
    settings = request.app.state.settings
    return SessionResponse(
        sessionId=session.id,
        nonce=session.nonce,
        challenges=list(session.challenges),
        expiresAt=xsd_datetime(session.expires_at),
        maxAttempts=session.max_attempts,
        attemptsLeft=session.attempts_left,
        faceMatch=session.face_match,
        frames=FrameCounts(
            baseline=BurstLimits(min=1, max=settings.session_baseline_frames),
            perChallenge=BurstLimits(min=1, max=settings.session_burst_frames),
        ),
        holderProof=HolderProofSpec(aud=get_wallet(request).issuer_id),
    )


@router.post("/sessions", status_code=201, response_model=SessionResponse)
async def create_session(body: CreateSessionRequest, request: Request, wallet: Wallet) -> SessionResponse:
    """Open a liveness session for a holder DID: nonce, challenges in a random order, expiry."""
    wallet.check_holder_did(body.holderDid)  # a DID, not a DID URL, before it keys a budget
    await limit_holder_did(request, body.holderDid)
    # Resolving a did:web holder waits on another host: the outbound pool, not the database's.
    session = await run_outbound(
        request,
        lambda: wallet.create_session(
            holder_did=body.holderDid,
            device_type=body.deviceType,
            face_match=body.options.faceMatch,
            device=client_address(request),
        ),
    )
    return _session_body(session, request)


@router.get("/sessions/{session_id}", response_model=SessionStatus)
async def session_status(session_id: str, request: Request, wallet: Wallet) -> SessionStatus:
    """Where a session stands (no nonce, no verdict detail)."""
    session = await run_db(request, lambda: wallet.sessions.get(session_id))
    return SessionStatus(
        sessionId=session.id,
        state=_public_state(session),
        challenges=list(session.challenges),
        expiresAt=xsd_datetime(session.expires_at),
        attemptsLeft=session.attempts_left,
        faceMatch=session.face_match,
        checks=list(session.checks),
    )


def _as_burst(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _check_shape(body: FramesRequest, session: Session, request: Request) -> list[list[str]]:
    settings = request.app.state.settings

    def refuse(code: str, message: str, field: str) -> HTTPException:
        return HTTPException(422, {"code": code, "message": message, "field": field})

    baseline = _as_burst(body.baseline)
    if not 1 <= len(baseline) <= settings.session_baseline_frames:
        raise refuse("invalid_frame_count", f"baseline takes 1-{settings.session_baseline_frames} frames", "baseline")
    if len(body.challenges) != len(session.challenges):
        raise refuse(
            "frames_mismatch",
            f"this session has {len(session.challenges)} challenges ({', '.join(session.challenges)}); "
            f"got {len(body.challenges)} bursts",
            "challenges",
        )
    bursts = [_as_burst(b) for b in body.challenges]
    for k, burst in enumerate(bursts):
        if not 1 <= len(burst) <= settings.session_burst_frames:
            raise refuse(
                "invalid_frame_count",
                f"each challenge takes 1-{settings.session_burst_frames} frames",
                f"challenges[{k}]",
            )
    if session.face_match and body.idImage is None:
        raise refuse("id_image_required", "this session matches against an ID photo: send idImage", "idImage")
    if not session.face_match and body.idImage is not None:
        raise refuse("id_image_unexpected", "this session was opened without faceMatch; leave idImage out", "idImage")
    return [baseline, *bursts]


def _checks(verdict: SessionVerdict) -> dict[str, Any]:
    """The per-check detail a wallet shows: scores and thresholds, never an image or embedding."""
    checks: dict[str, Any] = {
        "antispoof": {
            "passed": "spoof_detected" not in verdict.reasons,
            "minScore": round(verdict.min_spoof_score, 4),
            "threshold": verdict.antispoof_threshold,
            "frames": len(verdict.frames),
            "failedFrames": [f.field for f in verdict.frames if not f.is_real],
        },
        "challenges": [
            {
                "type": c.type,
                "passed": c.passed,
                "frame": c.frame,
                "quantity": c.measurement.quantity,
                "change": round(c.measurement.change, 4),
                "threshold": c.measurement.threshold,
            }
            for c in verdict.challenges
        ],
        "samePerson": {
            "passed": "face_mismatch" not in verdict.reasons,
            "minConfidence": round(verdict.min_same_person, 4),
            "threshold": verdict.min_same_person_confidence,
            "failedFrames": [
                f.field for f in verdict.frames if f.same_person_confidence < verdict.min_same_person_confidence
            ],
        },
        "baselineFrame": verdict.baseline_frame,
    }
    if verdict.face_match is not None:
        checks["faceMatch"] = {
            "passed": verdict.face_match.matched,
            "confidence": round(verdict.face_match.confidence, 4),
            "threshold": verdict.face_match.min_confidence,
        }
    return checks


_MESSAGES = {
    "spoof_detected": "a frame does not show a live person",
    "face_mismatch": "the frames do not all show the same person",
    "challenge_not_met": "a challenge was not performed",
    "id_mismatch": "the face does not match the ID photo",
}


@router.post(
    "/sessions/{session_id}/frames",
    responses={
        404: {"description": "No such session"},
        409: {"description": "Already passed, issued, or every attempt failed"},
        410: {"description": "Expired"},
        422: {"description": "A check failed (code names it), or malformed frames"},
        429: {"description": "Locked out after repeated failures (Retry-After)"},
    },
)
async def session_frames(
    session_id: str,
    body: FramesRequest,
    request: Request,
    wallet: Wallet,
    engine: Engine,
    limits: Limits,
    frame_limits: Frames,
    zk: ZK,
) -> JSONResponse:
    """Judge the session's frames: live, each challenge met in order, same person, ID match."""
    start = time.perf_counter()
    device = client_address(request)
    session = await run_db(request, lambda: wallet.sessions.get(session_id))
    groups = _check_shape(body, session, request)
    prover = require_prover_slot(request, zk) if session.face_match else None  # 503 before an attempt is spent
    session = await run_db(request, lambda: wallet.begin_attempt(session_id, device))
    min_match = request.app.state.settings.credential_min_face_match_confidence

    threshold = scale_threshold(min_match)
    nonce = nonce_to_field(session.nonce)
    proving: list[Future[FaceMatchProof]] = []

    def start_proof(match: MatchResult) -> None:
        # Proving (a Node process, the other core) overlaps with judging the challenge frames;
        # a proof of a session that then fails is dropped.
        score = scale_score(match.confidence)
        if prover is not None and match.matched and score >= threshold:
            proving.append(prove_in_background(prover, score, threshold, nonce))

    def evaluate() -> SessionVerdict:
        image = frame_limits.image
        baseline = [decode_base64_image(f, image, field=f"baseline[{i}]") for i, f in enumerate(groups[0])]
        bursts: list[tuple[ChallengeType, list[Any]]] = []
        for k, (kind, burst) in enumerate(zip(session.challenges, groups[1:], strict=True)):
            frames = [decode_base64_image(f, image, field=f"challenges[{k}][{i}]") for i, f in enumerate(burst)]
            bursts.append((kind, frames))  # type: ignore[arg-type]
        id_image = decode_base64_image(body.idImage, limits, field="idImage") if body.idImage else None
        return engine.check_session(
            baseline, bursts, id_image, min_face_match_confidence=min_match, on_face_match=start_proof
        )

    verdict = await run_blocking(request, evaluate)
    proof_json: dict[str, Any] | None = None
    if verdict.passed and proving:
        proof_json = (await asyncio.wrap_future(proving[0])).to_json()
    passed = verdict.passed and (proof_json is not None or not session.face_match)
    done, offer = await run_db(
        request,
        lambda: wallet.finish_attempt(
            session, passed=passed, checks=verdict.checks, face_match_proof=proof_json, device=device
        ),
    )
    content: dict[str, Any] = {
        "sessionId": done.id,
        "status": _public_state(done),
        "passed": passed,
        "attemptsLeft": done.attempts_left,
        "reasons": list(verdict.reasons) or ([] if passed else ["id_mismatch"]),
        "checks": _checks(verdict),
        "processing_time_ms": round((time.perf_counter() - start) * 1000, 2),
    }
    if passed and offer is not None:
        content["credentialOffer"] = offer
        content["credentialOfferUri"] = wallet.offer_uri(offer)
        return JSONResponse(content, headers={"Cache-Control": "no-store"})
    code = content["reasons"][0]
    return JSONResponse(
        {"code": code, "message": _MESSAGES.get(code, "the liveness checks failed"), **content}, status_code=422
    )


@router.post(
    "/sessions/{session_id}/credential",
    status_code=201,
    responses={
        401: {"description": "The holder proof does not verify"},
        404: {"description": "No such session"},
        409: {"description": "Checks not passed, or the credential was already issued"},
        410: {"description": "Expired"},
        429: {"description": "Locked out after repeated failures"},
    },
)
async def session_credential(
    session_id: str, body: HolderProofRequest, request: Request, wallet: Wallet
) -> JSONResponse:
    """The session's one LivenessCredential, for a holder proof over the session nonce."""
    device = client_address(request)
    credential = await run_outbound(request, lambda: wallet.issue_direct(session_id, body.holderProof, device))
    return JSONResponse({"credential": credential}, status_code=201, headers={"Cache-Control": "no-store"})
