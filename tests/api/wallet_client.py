"""A wallet for the API tests: a holder key, sessions opened with proof of possession, and a driver
for the live-capture WebSocket on a virtual server clock.

``ScriptedTake`` stands in for the engine's live take where a test is about the protocol, not the
models: each frame is a tiny PNG whose first pixel says what the person shows (action, progress,
problem), so the route, the state machine, the database, the prover and the credential all run
for real while the pictures stay trivial. Model-backed takes (real clips, attacks) live in
tests/api/test_capture_attacks.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from fastapi.testclient import TestClient

from did import Ed25519KeyPair, did_key_from_public_key
from did.jws import sign_jws
from tests.capture.driver import VirtualClock, encode_jpeg, run_capture
from tests.wallet.people import Facts, Person
from wallet import PROOF_JWT_TYPE
from zk import holder_commitment, random_field_element

ACTIONS = ("", "smile", "blink", "turn_left", "turn_right", "look_up", "open_mouth")
PROBLEMS = ("", "repeated_frame", "discontinuity", "multiple_faces")
FPS = 12.0


class Holder:
    """A wallet's holder: a DID key, and the secret of its zero-knowledge claims (it sends only
    ``Poseidon(secret)``, and keeps each credential with its claim's opening)."""

    def __init__(self) -> None:
        self.key = Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.kid = f"{self.did}#{self.key.public_key.multibase}"
        self.secret = random_field_element()
        self.commitment = holder_commitment(self.secret)
        self.credential: dict[str, Any] | None = None
        self.opening: dict[str, str] | None = None

    def keep(self, credential: dict[str, Any], opening: dict[str, str] | None) -> None:
        """Keep an issued credential and its claim's opening (``zkClaimOpening``) as a wallet would."""
        self.credential, self.opening = credential, opening

    def proof(self, nonce: str, aud: str, *, key: Ed25519KeyPair | None = None, iat: float | None = None) -> str:
        claims = {"aud": aud, "iat": int(time.time() if iat is None else iat), "nonce": nonce}
        return sign_jws(claims, key or self.key, kid=self.kid, typ=PROOF_JWT_TYPE)


def open_session(
    client: TestClient,
    holder: Holder,
    *,
    face_match: bool = False,
    device: str = "desktop",
    aud: str | None = None,
    zk: bool = True,
) -> Any:
    """``POST /nonce`` then ``POST /sessions`` with a key proof over that c_nonce (the response);
    with ``zk``, the holder's commitment asks for a zero-knowledge claim in the credential."""
    c_nonce = client.post("/nonce").json()["c_nonce"]
    audience = aud or client.get("/.well-known/openid-credential-issuer").json()["credential_issuer"]
    body = {
        "holderDid": holder.did,
        "deviceType": device,
        "holderProof": holder.proof(c_nonce, audience),
        "options": {"faceMatch": face_match},
    }
    if zk:
        body["zkHolderCommitment"] = str(holder.commitment)
    return client.post("/sessions", json=body)


def coded_image(facts: Facts) -> np.ndarray:
    """A 40x32 picture carrying ``facts`` in its first pixels (see ScriptedTake); send it losslessly."""
    image = np.full((32, 40, 3), 90, dtype=np.uint8)
    kind, level = next(iter(facts.actions.items()), ("", 0.0))
    problem = facts.problems[0] if facts.problems else ""
    image[0, 0] = (ACTIONS.index(kind), min(255, round(level * 100)), PROBLEMS.index(problem))
    image[0, 1] = (int(facts.face_found), facts.faces, int(facts.reference_ready))
    return image


def encode_png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return bytes(data.tobytes())


def coded_frame(facts: Facts) -> bytes:
    """:func:`coded_image` as the PNG a test sends."""
    return encode_png(coded_image(facts))


@dataclass(frozen=True)
class Report:
    index: int
    face_found: bool
    faces: int
    problems: tuple[str, ...]
    reference_ready: bool
    actions: Mapping[str, float]
    neutral: bool


@dataclass(frozen=True)
class Match:
    confidence: float
    matched: bool


@dataclass(frozen=True)
class TakeVerdict:
    passed: bool
    reasons: tuple[str, ...]
    checks: tuple[str, ...]
    face_match: Match | None


class ScriptedTake:
    """The judge a coded frame describes. ``id_match`` decides the ID comparison; an ID image whose
    first pixel is black is "someone else"."""

    def __init__(self, reasons: Sequence[str] = ()) -> None:
        self.reasons = tuple(reasons)
        self.index = 0
        self.id_matches: bool | None = None
        self.turns: Sequence[tuple[int, int]] = ()

    def set_id_image(self, image: np.ndarray) -> None:
        self.id_matches = bool(image[0, 0].sum() > 30)

    def add(self, image: np.ndarray, t: float) -> Report:
        code, level, problem = (int(v) for v in image[0, 0])
        found, faces, ready = (int(v) for v in image[0, 1])
        actions = {ACTIONS[code]: level / 100} if code else {}
        report = Report(
            self.index,
            bool(found),
            faces,
            (PROBLEMS[problem],) if problem else (),
            bool(ready),
            actions,
            bool(found) and all(v < 0.5 for v in actions.values()),
        )
        self.index += 1
        return report

    def finish(self, turns: Sequence[tuple[int, int]] = ()) -> TakeVerdict:
        self.turns = turns
        reasons = list(self.reasons)
        match = None
        if self.id_matches is not None:
            match = Match(0.91 if self.id_matches else 0.05, self.id_matches)
            if not self.id_matches:
                reasons.append("id_mismatch")
        checks = [c for c in ("antispoof", "same_person") if f"{c}_failed" not in reasons]
        if "spoof_detected" in reasons:
            checks.remove("antispoof")
        if turns:
            checks.append("3d_turn")
        if match is not None and match.matched:
            checks.append("face_match")
        return TakeVerdict(not reasons, tuple(reasons), tuple(checks), match)


class _Frames:
    """``frame_at(t, reply)`` as the driver's stream (``next_frame(reply, t)``)."""

    def __init__(self, frame_at: Callable[[float, dict[str, Any] | None], np.ndarray]) -> None:
        self.frame_at = frame_at

    def next_frame(self, reply: dict[str, Any] | None, t: float) -> np.ndarray:
        return self.frame_at(t, reply)


def capture(
    client: TestClient,
    session: Mapping[str, Any],
    frame_at: Callable[[float, dict[str, Any] | None], np.ndarray],
    clock: VirtualClock,
    *,
    id_image: np.ndarray | None = None,
    fps: float = FPS,
    encode: Callable[[np.ndarray], bytes] = encode_jpeg,
) -> dict[str, Any]:
    """Run one take through the capture driver (``tests/capture/driver.py``): ``frame_at(t, reply)``
    gives the next frame from the stream's time and the server's last reply; the result is returned."""
    with client.websocket_connect(f"/sessions/{session['sessionId']}/capture") as ws:
        return run_capture(ws, _Frames(frame_at), clock, fps=fps, id_image=id_image, encode=encode)


def person_frames(person: Person) -> Callable[[float, dict[str, Any] | None], np.ndarray]:
    counter = iter(range(10**6))

    def frame_at(t: float, reply: dict[str, Any] | None) -> np.ndarray:
        person.heard(reply, t)
        return coded_image(person.frame(t)(next(counter)))

    return frame_at
