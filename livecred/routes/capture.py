"""The live take: ``GET /sessions/{id}/capture``, a WebSocket the wallet streams camera frames into.

Protocol (docs/wallet.md, "Live capture", has it with examples):

1. client: ``{"type": "start", "idImage": "<base64 or data URL>"}`` (idImage only with faceMatch);
   the attempt is taken here.
2. server: ``{"type": "ready", "fps": {"min", "max"}, "maxWidth", "maxHeight", "challenges"}``.
3. client: binary messages, one encoded frame each (JPEG/PNG/WebP, at most 640x480), as captured.
4. server: exactly one text message per frame, in order: ``{"type": "frame", ...}`` with the
   current phase, the announced challenge and guidance; the take's last frame gets
   ``{"type": "result", "passed", "status", "reasons", "checks", "attemptsLeft", ...}`` instead,
   and the socket closes (1000).

Errors are ``{"type": "error", "code", "message"}`` and close with 4000 + the HTTP status the same
error has elsewhere. Every frame's time is the server's clock when it arrived
(``app.state.capture_clock``); frames are judged in order on the stream pool while a reader keeps
stamping arrivals, so a slow frame never delays the next one's timestamp. The client never gets a
score; operators see the face-match confidence at DEBUG level only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from livecred.capacity import ServerBusy
from livecred.client_address import client_address
from livecred.deps import get_limits, require_prover_slot
from livecred.errors import status_for
from livecred.issuer_setup import capture_policy
from livecred.ratelimit import RATE_LIMITED, RateLimits, address_subject
from livecred.routes.sessions import public_state
from livecred.take_adapter import open_take
from liveness import decode_base64_image
from liveness.images import decode_frame_bytes
from wallet import CaptureMachine, CaptureOutcome, CaptureProtocolError, ClaimOpening, Session, Wallet
from zk import (
    FaceMatchProof,
    FaceMatchProver,
    ProofMismatch,
    nonce_to_field,
    random_field_element,
    scale_score,
    scale_threshold,
)

logger = logging.getLogger("livecred.capture")
router = APIRouter(tags=["sessions"])

MAX_WIDTH, MAX_HEIGHT = 640, 480
_QUEUE = 32  # frames received but not yet judged; more means the server cannot keep up (503)
_START_TIMEOUT = 15.0


class _Abandoned(Exception):
    """The client went away mid-take."""


async def _send_error(ws: WebSocket, code: str, message: str, status: int) -> None:
    if ws.client_state != WebSocketState.CONNECTED:
        return
    with contextlib.suppress(Exception):
        await ws.send_json({"type": "error", "code": code, "message": message})
        await ws.close(code=4000 + status if 400 <= status < 600 else 1011)


class _Slots:
    """Live takes at once in this process (``capture_max_sessions``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    @contextlib.contextmanager
    def take(self) -> Any:
        if self.active >= self.limit:
            raise ServerBusy("capture", 2)
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1


def capture_slots(state: Any) -> _Slots:
    slots: _Slots | None = getattr(state, "capture_slots", None)
    if slots is None:
        slots = state.capture_slots = _Slots(state.settings.capture_max_sessions)
    return slots


@router.websocket("/sessions/{session_id}/capture")
async def capture(ws: WebSocket, session_id: str) -> None:
    await ws.accept()
    try:
        with capture_slots(ws.app.state).take():
            await _Take(ws, session_id).run()
    except (WebSocketDisconnect, _Abandoned):
        return
    except ServerBusy as exc:
        await _send_error(ws, exc.code, exc.message, 503)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a coded close, never a crash
        status = status_for(exc)
        if status == 500:
            logger.error("capture failed: %s", type(exc).__name__)
            await _send_error(ws, "internal_error", "internal server error", 500)
            return
        code = str(getattr(exc, "code", "error"))
        await _send_error(ws, code, str(getattr(exc, "message", code)), status)


class _Take:
    def __init__(self, ws: WebSocket, session_id: str) -> None:
        self.ws = ws
        self.session_id = session_id
        self.state = ws.app.state
        self.settings = self.state.settings
        self.wallet: Wallet = self.state.wallet
        self.clock: Callable[[], float] = getattr(self.state, "capture_clock", None) or time.monotonic
        self.device = client_address(ws)
        self.session: Session | None = None
        self.recorded = False
        self.overflow: ServerBusy | None = None

    async def run(self) -> None:
        await self._rate_limit()
        start = await self._start_message()
        pools = self.state.pools
        session = await pools.database.run(lambda: self.wallet.sessions.get(self.session_id))
        id_data = start.get("idImage")
        if session.face_match and id_data is None:
            raise CaptureProtocolError("id_image_required", "this session matches an ID photo: send idImage", 422)
        if not session.face_match and id_data is not None:
            raise CaptureProtocolError("id_image_unexpected", "this session was opened without faceMatch", 422)
        # 503 before an attempt is spent: the prover's queue, then the models.
        prover = require_prover_slot(self.ws, self.state.zk) if session.face_match else None
        take = open_take(self.ws)
        self.session = await pools.database.run(lambda: self.wallet.begin_attempt(self.session_id, self.device))
        try:
            if isinstance(id_data, str):
                limits = get_limits(self.ws)  # the ID photo is a whole image, not a camera frame
                await pools.stream.run(lambda: take.set_id_image(decode_base64_image(id_data, limits, field="idImage")))
            machine = CaptureMachine(
                self.session.challenges,
                take,
                policy=capture_policy(self.settings),
                watched=self.wallet.sessions.policy.challenge_types,
                rng=getattr(self.state, "capture_rng", None),
            )
            await self.ws.send_json(
                {
                    "type": "ready",
                    "fps": {"min": self.settings.capture_min_fps, "max": self.settings.capture_max_fps},
                    "maxWidth": MAX_WIDTH,
                    "maxHeight": MAX_HEIGHT,
                    "challenges": len(self.session.challenges),
                }
            )
            outcome = await self._frames(machine)
            await self._result(outcome, prover)
        finally:
            if not self.recorded:  # an error or a departed client: the attempt failed
                self.state.metrics.live_take(False, ("incomplete",))
                await self._record(False, (), None)

    async def _rate_limit(self) -> None:
        limits: RateLimits | None = getattr(self.state, "rate_limits", None)
        if limits is None:
            return
        refusal = await limits.check("faces", address_subject(self.device))
        if refusal is not None:
            raise CaptureProtocolError(RATE_LIMITED, refusal.message, status=429)

    async def _start_message(self) -> dict[str, Any]:
        try:
            message = await asyncio.wait_for(self.ws.receive(), timeout=_START_TIMEOUT)
        except TimeoutError as exc:
            raise CaptureProtocolError("start_timeout", "send the start message first", status=408) from exc
        if message["type"] == "websocket.disconnect":
            raise _Abandoned()
        text = message.get("text")
        limit = (self.settings.max_image_bytes + 2) // 3 * 4 + 4096
        if text is None or len(text) > limit:
            raise CaptureProtocolError(
                "invalid_message", "the first message must be a JSON text message of type 'start'", status=400
            )
        try:
            start = json.loads(text)
        except ValueError as exc:
            raise CaptureProtocolError("invalid_message", "the start message is not valid JSON", status=400) from exc
        if (
            not isinstance(start, dict)
            or start.get("type") != "start"
            or not set(start) <= {"type", "idImage"}
            or not isinstance(start.get("idImage", ""), str)
        ):
            raise CaptureProtocolError(
                "invalid_message", 'the start message is {"type": "start", "idImage"?: string}', status=400
            )
        return start

    async def _reader(self, queue: asyncio.Queue[tuple[float, bytes] | Exception | None]) -> None:
        max_bytes = self.settings.capture_max_frame_bytes
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                await queue.put(None)
                return
            arrived = self.clock()
            data = message.get("bytes")
            if data is None:
                await queue.put(CaptureProtocolError("invalid_message", "frames are binary messages", status=400))
                return
            if len(data) > max_bytes:
                await queue.put(
                    CaptureProtocolError("frame_too_large", f"a frame is at most {max_bytes} bytes", status=413)
                )
                return
            if queue.full():  # the judge fell a queue behind the camera: end the take now
                self.overflow = ServerBusy("stream", 2)
                return
            queue.put_nowait((arrived, data))

    async def _frames(self, machine: CaptureMachine) -> CaptureOutcome:
        queue: asyncio.Queue[tuple[float, bytes] | Exception | None] = asyncio.Queue(maxsize=_QUEUE)
        reader = asyncio.create_task(self._reader(queue))
        limits = self.state.frame_limits.image
        try:
            while machine.outcome is None:
                if self.overflow is not None:
                    raise self.overflow
                item = await queue.get()
                if item is None:
                    raise _Abandoned()
                if isinstance(item, Exception):
                    raise item
                arrived, data = item

                def judge(data: bytes = data, arrived: float = arrived) -> dict[str, Any] | None:
                    image = decode_frame_bytes(data, limits, field="frame")
                    height, width = image.shape[:2]
                    if max(width, height) > MAX_WIDTH or min(width, height) > MAX_HEIGHT:
                        raise CaptureProtocolError(
                            "frame_too_large", f"frames are at most {MAX_WIDTH}x{MAX_HEIGHT} pixels", status=413
                        )
                    return machine.on_frame(image, arrived)

                reply = await self.state.pools.stream.run(judge)
                if reply is not None:
                    await self.ws.send_json(reply)
                    if reply.get("challenge") is not None:
                        machine.note_sent(self.clock())
            assert machine.outcome is not None
            return machine.outcome
        finally:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def _result(self, outcome: CaptureOutcome, prover: FaceMatchProver | None) -> None:
        assert self.session is not None
        session = self.session
        verdict: Any = outcome.verdict
        proof_json: dict[str, Any] | None = None
        opening: ClaimOpening | None = None
        passed = outcome.passed
        match = getattr(verdict, "face_match", None)
        if match is not None:
            logger.debug("take of session %s: face-match confidence %.4f", session.id, match.confidence)
        reasons = list(outcome.reasons)
        if passed and prover is not None:
            # The credential's own threshold (LIVECRED_CREDENTIAL_MIN_FACE_MATCH_CONFIDENCE) decides,
            # and the Groth16 proof states it: "score >= threshold", the score staying private.
            threshold = scale_threshold(self.settings.credential_min_face_match_confidence)
            score = scale_score(match.confidence) if match is not None else -1
            if match is None or not match.matched or score < threshold:
                passed = False
                reasons.append("id_mismatch")
            else:
                nonce = nonce_to_field(session.nonce)
                # The salt is ours, so that a holder who asked for a zero-knowledge claim can be
                # given the commitment's opening with its credential (wallet/zk_claims.py).
                opening = ClaimOpening(score, random_field_element())
                salt = opening.salt
                proof = await self.state.pools.prover.run(lambda: _prove(prover, score, threshold, nonce, salt))
                proof_json = proof.to_json()
        checks = tuple(c for c in outcome.checks if c != "face_match" or "id_mismatch" not in reasons)
        self.state.metrics.live_take(passed, reasons)  # reason codes only: never a score
        done, offer = await self._record(passed, checks, proof_json, opening)
        judged = verdict is not None
        checks_done = set(outcome.checks) - ({"face_match"} if "id_mismatch" in reasons else set())
        turns = any(kind.startswith("turn_") for kind in session.challenges)
        content: dict[str, Any] = {
            "type": "result",
            "passed": passed,
            "status": public_state(done),
            "reasons": reasons,
            "checks": {
                "live": "antispoof" in checks_done if judged else None,
                "challenges": [{"type": kind, "passed": ok} for kind, ok in outcome.challenges],
                "samePerson": "same_person" in checks_done if judged else None,
                "3dTurn": ("3d_turn" in checks_done) if judged and turns else None,
                "faceMatch": ("face_match" in checks_done) if judged and session.face_match else None,
            },
            "attemptsLeft": done.attempts_left,
        }
        if passed and offer is not None:
            content["credentialOffer"] = offer
            content["credentialOfferUri"] = self.wallet.oid4vci.offer_uri(offer)
        await self.ws.send_json(content)
        await self.ws.close(code=1000)

    async def _record(
        self,
        passed: bool,
        checks: tuple[str, ...],
        proof: dict[str, Any] | None,
        opening: ClaimOpening | None = None,
    ) -> tuple[Session, dict[str, Any] | None]:
        assert self.session is not None
        session = self.session
        self.recorded = True
        recorded: tuple[Session, dict[str, Any] | None] = await self.state.pools.database.run(
            lambda: self.wallet.finish_attempt(
                session,
                passed=passed,
                checks=checks,
                face_match_proof=proof,
                device=self.device,
                claim_opening=opening if passed else None,
            )
        )
        return recorded


def _prove(prover: FaceMatchProver, score: int, threshold: int, nonce: int, salt: int) -> FaceMatchProof:
    """Prove "score >= threshold" bound to ``nonce`` and check the proof against the published key
    (which catches a remote prover holding another key)."""
    proof = prover.prove(score=score, threshold=threshold, nonce=nonce, salt=salt).proof
    check = prover.verify(
        proof, expected_threshold=threshold, expected_nonce=nonce, expected_commitment=proof.commitment
    )
    if not check.verified:
        raise ProofMismatch("the prover's proof does not verify against the published key")
    return proof
