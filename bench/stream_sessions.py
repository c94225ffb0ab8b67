"""Live takes over the WebSocket against a running service: server CPU per streamed frame, whether
N concurrent takes at 10 fps are judged in time, and what a whole session costs the server.

Starts the service from this checkout (``python -m livecred.cli serve``, rate limits off, a temporary
state directory) and drives it the way wallets do: each simulated wallet opens a session (with a
proof of possession), streams a real clip's frames at ``--fps`` by the wall clock without waiting
for replies, and starts a new session when the take ends. Per load level it prints:

* server CPU per frame: the server process's CPU seconds (from /proc, its children included)
  divided by the frames it judged, over the steady part of the run;
* reply latency (frame sent -> its reply received): p50 / p95 / max; a reply later than one frame
  interval means the server fell behind the camera;
* takes the server ended for load (``server_busy``, ``stream_interrupted``): must be 0.

Then one cooperative session (a real person's clip answering the prompts: ``tests/capture``) from
``POST /nonce`` to the credential: wall time and server CPU.

    .venv/bin/python bench/stream_sessions.py                    # 1, 5, 10 wallets, 3 runs each
    .venv/bin/python bench/stream_sessions.py --wallets 10 --runs 1 --seconds 30

The clips are read from LIVECRED_TESTDATA_DIR (default ../shared/testdata). Linux only (/proc).
Not a test: numbers depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
# The repository first: bench/fhe.py must not stand in for the fhe package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
_spec = importlib.util.spec_from_file_location("hostile", ROOT / "bench" / "hostile.py")
assert _spec is not None and _spec.loader is not None
_hostile = importlib.util.module_from_spec(_spec)
sys.modules["hostile"] = _hostile
_spec.loader.exec_module(_hostile)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # hostile.py added it
Service, _tree, cpu_seconds = _hostile.Service, _hostile._tree, _hostile.cpu_seconds

from did import Ed25519KeyPair, did_key_from_public_key  # noqa: E402
from did.jws import sign_jws  # noqa: E402
from wallet import PROOF_JWT_TYPE  # noqa: E402

TESTDATA = Path(os.environ.get("LIVECRED_TESTDATA_DIR") or ROOT.parent / "shared" / "testdata")
CLIP = TESTDATA / "videos" / "LivePortrait__d9.mp4"


def clip_frames(path: Path, fps: float, seconds: float = 12.0) -> list[bytes]:
    """The clip resampled to ``fps``, fitted into 640x480, as JPEG (quality 85)."""
    capture = cv2.VideoCapture(str(path))
    native = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames: list[bytes] = []
    index, wanted = 0, 0.0
    while len(frames) < seconds * fps:
        ok, frame = capture.read()
        if not ok:
            break
        if index / native + 1e-9 >= wanted:
            h, w = frame.shape[:2]
            scale = min(1.0, 640 / max(w, h), 480 / min(w, h))
            if scale < 1.0:
                frame = cv2.resize(frame, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
            frames.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
            wanted += 1 / fps
        index += 1
    capture.release()
    if not frames:
        raise SystemExit(f"cannot read {path}")
    return frames


class Holder:
    def __init__(self) -> None:
        self.key = Ed25519KeyPair.generate()
        self.did = did_key_from_public_key(self.key.public_key)

    def proof(self, nonce: str, aud: str) -> str:
        claims = {"aud": aud, "iat": int(time.time()), "nonce": nonce}
        return sign_jws(claims, self.key, kid=f"{self.did}#{self.key.public_key.multibase}", typ=PROOF_JWT_TYPE)


async def open_session(client: httpx.AsyncClient, aud: str, holder: Holder, *, face_match: bool = False) -> dict:
    c_nonce = (await client.post("/nonce")).json()["c_nonce"]
    body = {
        "holderDid": holder.did,
        "deviceType": "desktop",
        "holderProof": holder.proof(c_nonce, aud),
        "options": {"faceMatch": face_match},
    }
    answer = await client.post("/sessions", json=body)
    answer.raise_for_status()
    return dict(answer.json())


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    ends: Counter[str] = field(default_factory=Counter)
    frames: int = 0


async def wallet(url: str, aud: str, frames: list[bytes], fps: float, until: float, load: Load) -> None:
    """Take after take until ``until``: stream the clip (looping) at ``fps`` by the wall clock."""
    ws_url = url.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < until:
            session = await open_session(client, aud, Holder())
            async with websockets.connect(f"{ws_url}/sessions/{session['sessionId']}/capture") as ws:
                await ws.send(json.dumps({"type": "start"}))
                ready = json.loads(await ws.recv())
                if ready.get("type") != "ready":
                    load.ends[ready.get("code", "?")] += 1
                    continue
                sent: list[float] = []
                done = asyncio.Event()

                async def receive(
                    ws: websockets.ClientConnection = ws, sent: list[float] = sent, done: asyncio.Event = done
                ) -> None:
                    async for message in ws:
                        reply = json.loads(message)
                        if reply["type"] in ("frame", "result") and len(load.latencies) >= 0:
                            i = reply.get("index", len(sent) - 1)
                            if reply["type"] == "frame" and i < len(sent):
                                load.latencies.append(time.monotonic() - sent[i])
                                load.frames += 1
                        if reply["type"] in ("result", "error"):
                            load.ends[(reply.get("reasons") or [reply.get("code", "passed")])[0]] += 1
                            done.set()
                            return

                receiver = asyncio.create_task(receive())
                start = time.monotonic()
                for n in range(10_000):
                    if done.is_set() or time.monotonic() > until + 30:
                        break
                    await asyncio.sleep(max(0.0, start + n / fps - time.monotonic()))
                    sent.append(time.monotonic())
                    try:
                        await ws.send(frames[n % len(frames)])
                    except websockets.ConnectionClosed:
                        break
                await asyncio.wait([receiver], timeout=10)
                receiver.cancel()


def measure(service: Service, aud: str, frames: list[bytes], wallets: int, fps: float, seconds: float) -> dict:
    assert service.process is not None
    pids = _tree(service.process.pid)
    load = Load()
    until = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(*(wallet(service.url, aud, frames, fps, until, load) for _ in range(wallets)))

    cpu0 = sum(cpu_seconds(p) for p in pids)
    asyncio.run(run())
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    lat = sorted(load.latencies) or [float("nan")]
    return {
        "frames": load.frames,
        "cpu_ms": 1000 * cpu / max(1, load.frames),
        "p50": 1000 * lat[len(lat) // 2],
        "p95": 1000 * lat[int(len(lat) * 0.95)],
        "max": 1000 * lat[-1],
        "late": sum(x > 1 / fps for x in lat) / len(lat),
        "shed": load.ends["server_busy"] + load.ends["stream_interrupted"],
        "ends": dict(load.ends),
    }


def cooperative_session(service: Service, aud: str) -> tuple[float, float] | None:
    """Wall and server CPU seconds of one whole session (nonce to credential) by a person who
    answers the prompts (tests/capture's cooperative clip player), or None without it."""
    try:
        from tests.capture.performances import PERFORMANCES  # type: ignore[import-not-found]
        from tests.capture.streams import CooperativeUser  # type: ignore[import-not-found]
    except ImportError as exc:
        print(f"(no cooperative session: {exc})")
        return None
    assert service.process is not None
    pids = _tree(service.process.pid)
    performance = PERFORMANCES["d9"]
    holder = Holder()

    async def run() -> None:
        async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
            session = await open_session(client, aud, holder)
            user = CooperativeUser(performance)
            ws_url = service.url.replace("http://", "ws://")
            async with websockets.connect(f"{ws_url}/sessions/{session['sessionId']}/capture") as ws:
                await ws.send(json.dumps({"type": "start"}))
                await ws.recv()
                reply: dict | None = None
                start = time.monotonic()
                while True:
                    frame = user.next_frame(reply, time.monotonic() - start)
                    if frame is None:
                        return
                    await ws.send(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
                    reply = json.loads(await ws.recv())
                    if reply["type"] != "frame":
                        break
                    await asyncio.sleep(max(0.0, 1 / 12 - (time.monotonic() - start) % (1 / 12)))
            proof = holder.proof(session["nonce"], aud)
            await client.post(f"/sessions/{session['sessionId']}/credential", json={"holderProof": proof})

    wall0, cpu0 = time.monotonic(), sum(cpu_seconds(p) for p in pids)
    asyncio.run(run())
    return time.monotonic() - wall0, sum(cpu_seconds(p) for p in pids) - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wallets", default="1,5,10", help="concurrent wallets per level (comma-separated)")
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument(
        "--inference-threads", default="1", help="LIVECRED_INFERENCE_THREADS of the service (0 = onnxruntime's choice)"
    )
    parser.add_argument(
        "--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR", ROOT.parent / "shared/models"))
    )
    args = parser.parse_args()
    frames = clip_frames(args.clip, args.fps)
    env = {
        "LIVECRED_RATE_LIMITS_ENABLED": "false",
        "LIVECRED_LOCKOUT_FAILURES": "1000",
        "LIVECRED_SESSION_MAX_ATTEMPTS": "1",
        "LIVECRED_CAPTURE_MAX_SESSIONS": "64",
        # One thread per model run: many takes at once run in parallel, not each on both cores.
        "LIVECRED_INFERENCE_THREADS": args.inference_threads,
        # What the cooperative clip (d9) can do when asked: smile and close its eyes.
        "LIVECRED_SESSION_CHALLENGES": "smile,blink",
        "LIVECRED_SESSION_CHALLENGE_COUNT": "2",
    }
    service = Service(ROOT, args.models.resolve(), env)
    service.start()
    try:
        aud = httpx.get(service.url + "/.well-known/openid-credential-issuer").json()["credential_issuer"]
        measure(service, aud, frames, 1, args.fps, 4.0)  # warm-up
        print(
            f"clip {args.clip.name}: {len(frames)} frames at {args.fps:g} fps; {args.runs} runs of {args.seconds:g} s"
        )
        print("| wallets | frames judged | server CPU / frame | reply p50 | reply p95 | reply max | late | shed |")
        print("|---|---|---|---|---|---|---|---|")
        for wallets in (int(w) for w in args.wallets.split(",")):
            runs = [measure(service, aud, frames, wallets, args.fps, args.seconds) for _ in range(args.runs)]

            def med(key: str, runs: list[dict] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            print(
                f"| {wallets} | {med('frames'):.0f} | {med('cpu_ms'):.1f} ms | {med('p50'):.0f} ms | "
                f"{med('p95'):.0f} ms | {med('max'):.0f} ms | {100 * med('late'):.1f} % | "
                f"{sum(r['shed'] for r in runs)} |"
            )
        whole = cooperative_session(service, aud)
        if whole is not None:
            print(
                f"\nwhole cooperative session (nonce -> credential): {whole[0]:.1f} s wall, {whole[1]:.2f} s server CPU"
            )
    finally:
        service.stop()


if __name__ == "__main__":
    main()
