"""Server CPU per streamed frame (LiveTake.add), in process, and concurrent takes in real time.

1. ``frames``: every real clip in ``<testdata>/videos``, at about 12-15 fps, each frame placed on
   a 640x480 canvas (the size a wallet sends), streamed through one take at a time. Per frame:
   process CPU time of ``add`` (every thread: onnxruntime and LiteRT run their own), p50 / p95 /
   mean, and the wall time of each stage (track, continuity, actions, score). Decoding the
   frame (a 640x480 JPEG, quality 80) is measured apart.
2. ``sessions``: N threads, each a take fed at 10 fps by the wall clock (a frame arrives every
   100 ms whether or not the last one is done). A take keeps at most ``--queue`` frames waiting;
   a frame arriving to a full queue is dropped (as a bounded server queue would). Reported: frames
   late (judged after the next frame arrived), dropped, the arrival-to-report latency, and CPU use.

    .venv/bin/python bench/stream_frames.py [--only frames,sessions] [--threads 1,5,10] [--seconds 10]

Not a test: it measures and prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import deque
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveness import ImageLimits, LivenessEngine, decode_image_bytes, load_default_engine  # noqa: E402
from liveness.models import RuntimeOptions  # noqa: E402
from tests.videos import VIDEOS, read_clip  # noqa: E402

SIZE = (640, 480)


def on_canvas(frame: np.ndarray) -> np.ndarray:
    """The frame centred on a 640x480 canvas: the cost of a full-size wallet frame."""
    h, w = frame.shape[:2]
    canvas = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    y, x = (SIZE[1] - h) // 2, (SIZE[0] - w) // 2
    canvas[y : y + h, x : x + w] = frame
    return canvas


def clips() -> list[tuple[str, list[np.ndarray], tuple[float, ...]]]:
    out = []
    for path in sorted(VIDEOS.iterdir()):
        if path.suffix in (".mp4", ".mov", ".gif"):
            clip = read_clip(path.name)
            out.append((path.name, [on_canvas(f) for f in clip.frames], clip.times))
    return out


def row(*cells: object) -> None:
    print("| " + " | ".join(f"{c:.3g}" if isinstance(c, float) else str(c) for c in cells) + " |")


def run_frames(engine: LivenessEngine, data: list[tuple[str, list[np.ndarray], tuple[float, ...]]]) -> None:
    print("\n### CPU per frame (LiveTake.add on 640x480 frames, one take at a time)\n")
    row(
        "clip",
        "frames",
        "scored",
        "CPU p50 ms",
        "CPU p95 ms",
        "CPU mean ms",
        "track",
        "continuity",
        "actions + flow",
        "score",
    )
    row(*["---"] * 10)
    every: list[float] = []
    stages_all: dict[str, list[float]] = {}
    for name, frames, times in data:
        take = engine.stream.start_take()
        cpu: list[float] = []
        stages: dict[str, list[float]] = {}
        scored = 0
        for frame, t in zip(frames, times, strict=True):
            start = time.process_time()
            take.add(frame, t)
            cpu.append((time.process_time() - start) * 1000)
            signals = take.signals
            assert signals is not None
            scored += signals.spoof is not None
            for stage, seconds in signals.stages:
                stages.setdefault(stage, []).append(seconds * 1000)
                stages_all.setdefault(stage, []).append(seconds * 1000)
        every += cpu
        means = [float(np.mean(stages.get(s, [0.0]))) for s in ("track", "continuity", "actions", "score")]
        row(name, len(frames), scored, *np.percentile(cpu, [50, 95]).tolist(), float(np.mean(cpu)), *means)
    means = [float(np.mean(stages_all.get(s, [0.0]))) for s in ("track", "continuity", "actions", "score")]
    row("**all**", len(every), "", *np.percentile(every, [50, 95]).tolist(), float(np.mean(every)), *means)
    print("\nStages are wall ms (mean per frame); 'score' is anti-spoofing + embedding on the sampled fit frames.")

    frame = data[0][1][len(data[0][1]) // 2]
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    payload, limits = buf.tobytes(), ImageLimits()
    decode_image_bytes(payload, limits)
    start = time.process_time()
    for _ in range(50):
        decode_image_bytes(payload, limits)
    print(
        f"\nDecoding a 640x480 JPEG ({len(payload) // 1024} KiB, quality 80): "
        f"{(time.process_time() - start) / 50 * 1000:.2f} ms CPU (not included above)."
    )


def run_sessions(
    engine: LivenessEngine,
    data: list[tuple[str, list[np.ndarray], tuple[float, ...]]],
    threads: list[int],
    seconds: float,
    queue: int,
) -> None:
    print(f"\n### Concurrent takes at 10 fps ({seconds:.0f} s each, queue {queue} frames per take)\n")
    row("takes", "frames", "late", "dropped", "latency p50 ms", "latency p95 ms", "CPU use (cores)")
    row(*["---"] * 7)
    fps = 10.0
    count = int(seconds * fps)
    for n in threads:
        results: list[tuple[int, int, int, list[float]]] = []
        lock = threading.Lock()
        barrier = threading.Barrier(n + 1)
        workers = [
            threading.Thread(
                target=_feed, args=(engine, data[k % len(data)][1], k, count, fps, queue, barrier, lock, results)
            )
            for k in range(n)
        ]
        for w in workers:
            w.start()
        barrier.wait()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for w in workers:
            w.join()
        cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        done = sum(r[0] for r in results)
        late = sum(r[1] for r in results)
        dropped = sum(r[2] for r in results)
        total = done + dropped
        lat = [x for r in results for x in r[3]]
        row(
            n,
            total,
            f"{late} ({late / total:.1%})",
            f"{dropped} ({dropped / total:.1%})",
            *np.percentile(lat, [50, 95]).tolist(),
            cpu,
        )
    print(f"\nMachine: {os.cpu_count()} CPUs; load average after: {os.getloadavg()[0]:.2f} (other work shares them).")


def _feed(
    engine: LivenessEngine,
    frames: list[np.ndarray],
    k: int,
    count: int,
    fps: float,
    queue: int,
    barrier: threading.Barrier,
    lock: threading.Lock,
    results: list[tuple[int, int, int, list[float]]],
) -> None:
    """One take fed by the wall clock: a frame arrives every 1/fps s; a full queue drops it."""
    take = engine.stream.start_take()
    waiting: deque[tuple[int, float]] = deque()
    late = dropped = done = next_index = 0
    latencies: list[float] = []
    barrier.wait()
    start = time.perf_counter() + 0.01 * k  # the takes do not all start on the same tick
    while done + dropped < count:
        now = time.perf_counter()
        while next_index < count and start + next_index / fps <= now:
            if len(waiting) >= queue:
                dropped += 1
            else:
                waiting.append((next_index, start + next_index / fps))
            next_index += 1
        if not waiting:
            time.sleep(max(0.0, start + next_index / fps - time.perf_counter()))
            continue
        index, arrived = waiting.popleft()
        take.add(frames[index % len(frames)], arrived - start)
        finished = time.perf_counter()
        latencies.append((finished - arrived) * 1000)
        late += finished > arrived + 1 / fps
        done += 1
    with lock:
        results.append((done, late, dropped, latencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=os.environ.get("LIVECRED_MODELS_DIR") or ROOT.parent / "shared" / "models")
    parser.add_argument("--only", default="frames,sessions")
    parser.add_argument("--threads", default="1,5,10")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--queue", type=int, default=2)
    parser.add_argument("--intra-op-threads", type=int, default=1, help="onnxruntime threads per model run")
    args = parser.parse_args()
    engine = load_default_engine(args.models, runtime=RuntimeOptions(intra_op_threads=args.intra_op_threads))
    print(f"onnxruntime intra-op threads: {args.intra_op_threads}; load average before: {os.getloadavg()[0]:.2f}")
    data = clips()
    only = set(args.only.split(","))
    if "frames" in only:
        run_frames(engine, data)
    if "sessions" in only:
        run_sessions(engine, data, [int(n) for n in args.threads.split(",")], args.seconds, args.queue)


if __name__ == "__main__":
    main()
