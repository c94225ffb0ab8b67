"""Latency benchmark of the running service: per-endpoint p50 / p95, throughput, start-up time and memory.

Starts the real service (``python -m uvicorn livecred.main:app``) as a subprocess on a free local port, with
``LIVECRED_MODELS_DIR`` set to the models directory and ``LIVECRED_STATE_DIR`` set to a temporary directory.
It measures the time from launch until ``GET /health`` answers 200 ``{"ready": true}``, warms every endpoint
up, reads the server's resident memory (VmRSS, Linux only), then times ``--requests`` requests per endpoint
with 1 client and with several concurrent clients (``--concurrency``), each client a keep-alive httpx
connection. The whole measurement is repeated ``--runs`` times; the tables show the median across runs of
p50, p95 and requests/s, next to the targets and the original service's documented latencies.

Inputs are built in memory from ../shared/testdata: a 640x480 selfie (deepface img2) and a synthetic
1000x630 ID card with a portrait of the same person (deepface img4), both JPEG quality 90, base64 once.

    .venv/bin/python bench/latency.py [--models DIR] [--requests N] [--runs R] [--concurrency 1,4]

Not a test: it measures and prints. Numbers depend on the machine (CPU count above all).
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# Single-client p50 targets for this service (ms); None = no target.
TARGET_P50_MS: dict[str, float | None] = {
    "/detect": 15,
    "/liveness": 40,
    "/antispoof": None,
    "/face-match": 60,
    "/verify": 100,
}
# Latencies documented for the original service (ms); None = not documented.
ORIGINAL_MS: dict[str, float | None] = {
    "/detect": 45,
    "/liveness": 120,
    "/antispoof": None,
    "/face-match": 250,
    "/verify": 500,
}

WARMUP_REQUESTS = 3
READY_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
JPEG_QUALITY = 90
SELFIE_SIZE = (640, 480)  # width, height
CARD_SIZE = (1000, 630)
PORTRAIT_SIZE = (260, 320)


class BenchError(Exception):
    """A failure that ends the benchmark with a message and a non-zero exit status."""


@dataclass(frozen=True)
class RunResult:
    p50_ms: float
    p95_ms: float
    req_per_s: float
    errors: int


# --- inputs -------------------------------------------------------------------------------------------------------


def _read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise BenchError(f"cannot read image {path}")
    return image


def _centre_crop(image: np.ndarray, aspect: float) -> np.ndarray:
    """The largest centred crop with width / height == aspect."""
    h, w = image.shape[:2]
    if w / h > aspect:
        new_w = round(h * aspect)
        x0 = (w - new_w) // 2
        return image[:, x0 : x0 + new_w]
    new_h = round(w / aspect)
    y0 = (h - new_h) // 2
    return image[y0 : y0 + new_h, :]


def _jpeg_b64(image: np.ndarray) -> str:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise BenchError("JPEG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii")


def make_selfie(path: Path) -> np.ndarray:
    width, height = SELFIE_SIZE
    crop = _centre_crop(_read_image(path), width / height)
    return cv2.resize(crop, SELFIE_SIZE, interpolation=cv2.INTER_AREA)


def make_id_card(portrait_path: Path) -> np.ndarray:
    """A synthetic ID card: light background, header band, text fields, lines and a portrait on the left."""
    width, height = CARD_SIZE
    card = np.full((height, width, 3), (228, 236, 240), dtype=np.uint8)  # BGR, light cream
    font = cv2.FONT_HERSHEY_SIMPLEX
    dark = (60, 50, 40)

    cv2.rectangle(card, (0, 0), (width, 110), (150, 110, 40), thickness=-1)
    cv2.putText(card, "REPUBLIC OF EXAMPLE", (40, 50), font, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(card, "IDENTITY CARD / CARTE D'IDENTITE", (40, 92), font, 0.8, (235, 235, 235), 1, cv2.LINE_AA)
    cv2.rectangle(card, (10, 10), (width - 10, height - 10), (150, 110, 40), thickness=2)

    pw, ph = PORTRAIT_SIZE
    px, py = 40, 150
    portrait = _centre_crop(_read_image(portrait_path), pw / ph)
    portrait = cv2.resize(portrait, PORTRAIT_SIZE, interpolation=cv2.INTER_AREA)
    card[py : py + ph, px : px + pw] = portrait
    cv2.rectangle(card, (px - 2, py - 2), (px + pw + 1, py + ph + 1), dark, thickness=2)

    fields = [
        ("Surname", "SAMPLE"),
        ("Given names", "ALEX JORDAN"),
        ("Date of birth", "01.01.1990"),
        ("Nationality", "EXAMPLIAN"),
        ("Document no.", "X1234567"),
        ("Expiry", "31.12.2031"),
    ]
    x, y = 340, 170
    for label, value in fields:
        cv2.putText(card, label, (x, y), font, 0.55, (110, 100, 90), 1, cv2.LINE_AA)
        cv2.putText(card, value, (x, y + 30), font, 0.9, dark, 2, cv2.LINE_AA)
        cv2.line(card, (x, y + 42), (width - 40, y + 42), (200, 190, 180), 1)
        y += 58

    mrz = ["IDEXMX1234567<<<<<<<<<<<<<<<<<<<", "9001011M3112317EXM<<<<<<<<<<<<<6", "SAMPLE<<ALEX<JORDAN<<<<<<<<<<<<<"]
    for i, line in enumerate(mrz):
        cv2.putText(card, line, (40, 530 + i * 32), cv2.FONT_HERSHEY_PLAIN, 2.0, dark, 2, cv2.LINE_AA)
    return card


# --- server -------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no server output)"


def wait_ready(proc: subprocess.Popen[bytes], base_url: str, log_path: Path, started: float) -> float:
    """Poll GET /health until 200 {"ready": true}; return seconds since ``started``."""
    deadline = started + READY_TIMEOUT_S
    last = "no answer"
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"server exited with status {proc.returncode} before ready:\n{log_tail(log_path)}")
            try:
                response = client.get("/health")
            except httpx.TransportError as exc:
                last = type(exc).__name__
            else:
                if response.status_code == 200 and response.json().get("ready") is True:
                    return time.perf_counter() - started
                # /health answers only after the app's start-up finished, so not-ready now means not-ready for good.
                raise BenchError(
                    f"server up but not ready: HTTP {response.status_code}: {response.text[:500]}\n{log_tail(log_path)}"
                )
            time.sleep(0.05)
    raise BenchError(f"server not ready after {READY_TIMEOUT_S:.0f} s (last: {last}):\n{log_tail(log_path)}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB -> MiB
    raise BenchError(f"VmRSS not found for pid {pid}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- measurement --------------------------------------------------------------------------------------------------


def warm_up(base_url: str, bodies: dict[str, dict[str, Any]]) -> None:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for endpoint, body in bodies.items():
            for _ in range(WARMUP_REQUESTS):
                response = client.post(endpoint, json=body)
                if response.status_code != 200:
                    raise BenchError(f"warm-up POST {endpoint}: HTTP {response.status_code}: {response.text[:500]}")


def _client_worker(base_url: str, endpoint: str, body: dict[str, Any], count: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        client.get("/health")  # open the keep-alive connection before timing
        for _ in range(count):
            t0 = time.perf_counter()
            response = client.post(endpoint, json=body)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                errors += 1
    return latencies, errors


def measure(base_url: str, endpoint: str, body: dict[str, Any], requests: int, clients: int) -> RunResult:
    counts = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    with ThreadPoolExecutor(max_workers=clients) as pool:
        t0 = time.perf_counter()
        results = list(pool.map(lambda n: _client_worker(base_url, endpoint, body, n), counts))
        elapsed = time.perf_counter() - t0
    latencies_ms = np.array([lat for lats, _ in results for lat in lats]) * 1000
    return RunResult(
        p50_ms=float(np.percentile(latencies_ms, 50)),
        p95_ms=float(np.percentile(latencies_ms, 95)),
        req_per_s=requests / elapsed,
        errors=sum(err for _, err in results),
    )


# --- report -------------------------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_latency_table(rows: list[tuple[str, int, list[RunResult]]]) -> None:
    print("| endpoint | clients | p50 ms | p95 ms | req/s | target p50 ms | original service ms | p50 / original |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for endpoint, clients, runs in rows:
        p50 = statistics.median(r.p50_ms for r in runs)
        p95 = statistics.median(r.p95_ms for r in runs)
        rps = statistics.median(r.req_per_s for r in runs)
        single = clients == 1
        target = TARGET_P50_MS[endpoint] if single else None
        original = ORIGINAL_MS[endpoint] if single else None
        ratio = f"{p50 / original:.2f}" if original else "-"
        print(
            f"| {endpoint} | {clients} | {p50:.1f} | {p95:.1f} | {rps:.1f} | {_fmt(target, 0)} | "
            f"{_fmt(original, 0)} | {ratio} |"
        )


def print_process_table(startup_s: float, rss: float) -> None:
    print("| metric | value |")
    print("|---|---:|")
    print(f"| start-up to ready (s) | {startup_s:.2f} |")
    print(f"| RSS after warm-up (MiB) | {rss:.1f} |")


# --- main ---------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    default_models = os.environ.get("LIVECRED_MODELS_DIR") or str(ROOT.parent / "shared" / "models")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path(default_models), help="models directory")
    parser.add_argument(
        "--testdata", type=Path, default=ROOT.parent / "shared" / "testdata", help="test images directory"
    )
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint and client count")
    parser.add_argument("--runs", type=int, default=3, help="repeat the whole measurement this many times")
    parser.add_argument("--concurrency", default="1,4", help="comma-separated client counts")
    args = parser.parse_args(argv)
    try:
        args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency must be comma-separated integers, e.g. 1,4")
    if not args.concurrency or min(args.concurrency) < 1:
        parser.error("--concurrency needs positive client counts")
    if args.requests < 1 or args.runs < 1:
        parser.error("--requests and --runs must be at least 1")
    return args


def run_benchmark(args: argparse.Namespace) -> None:
    faces_dir = args.testdata / "deepface_identities"
    selfie = _jpeg_b64(make_selfie(faces_dir / "img2.jpg"))
    id_card = _jpeg_b64(make_id_card(faces_dir / "img4.jpg"))
    bodies: dict[str, dict[str, Any]] = {
        "/detect": {"image": selfie},
        "/liveness": {"image": selfie},
        "/antispoof": {"image": selfie},
        "/face-match": {"idImage": id_card, "selfieImage": selfie},
        "/verify": {"idImage": id_card, "selfieImage": selfie},
    }

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="livecred-bench-") as tmp:
        state_dir = Path(tmp) / "state"
        state_dir.mkdir()
        log_path = Path(tmp) / "server.log"
        env = {
            **os.environ,
            "LIVECRED_MODELS_DIR": str(args.models.resolve()),
            "LIVECRED_STATE_DIR": str(state_dir),
        }
        cmd = [sys.executable, "-m", "uvicorn", "livecred.main:app", "--host", "127.0.0.1", "--port", str(port)]
        with log_path.open("wb") as log:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            startup_s = wait_ready(proc, base_url, log_path, started)
            try:
                warm_up(base_url, bodies)
            except httpx.HTTPError as exc:
                raise BenchError(f"warm-up failed: {exc!r}\n{log_tail(log_path)}") from exc
            rss = rss_mib(proc.pid)

            results: dict[tuple[str, int], list[RunResult]] = {(e, c): [] for e in bodies for c in args.concurrency}
            for run in range(args.runs):
                print(f"run {run + 1}/{args.runs} ...", file=sys.stderr, flush=True)
                for endpoint, body in bodies.items():
                    for clients in args.concurrency:
                        result = measure(base_url, endpoint, body, args.requests, clients)
                        if result.errors:
                            print(
                                f"warning: {endpoint} with {clients} clients: {result.errors} non-200 responses",
                                file=sys.stderr,
                            )
                        results[endpoint, clients].append(result)
        except httpx.HTTPError as exc:
            raise BenchError(f"request failed: {exc!r}\n{log_tail(log_path)}") from exc
        finally:
            stop_server(proc)

    print(f"latency, {args.requests} requests per row, median of {args.runs} run(s), {os.cpu_count()} CPUs\n")
    print_latency_table([(e, c, runs) for (e, c), runs in results.items()])
    print()
    print_process_table(startup_s, rss)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run_benchmark(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
