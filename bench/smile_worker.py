"""What a smile scorer costs a live take per frame: the geometric scorer in process against
DeepFace's emotion model in the TensorFlow worker (``LIVECRED_SMILE=deepface:emotion``).

A live take scores the smile of every frame with a face (``liveness/stream.py``), so a scorer in a
worker process adds one call per frame: the frame crosses the pipe (pickled, ~0.9 MB at 640x480),
the worker crops, runs the emotion CNN and answers. This bench times that round trip on camera-sized
frames (a test photo letterboxed to 640x480 and 1280x720, the default YuNet face), beside the same
model called in process and the geometric scorer, and prints min / median / p95 in milliseconds.

    .venv/bin/python bench/smile_worker.py [--models DIR] [--random-weights] [--runs 100]

``--models`` must hold ``deepface/facial_expression_model_weights.h5`` (``livecred models fetch
--backend deepface --model Emotion``); ``--random-weights`` builds the file with DeepFace's own
architecture and seeded random weights instead (the cost does not depend on the weights). Not a
test: it measures and prints; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveness import ImageLimits, decode_image_bytes, load_default_engine  # noqa: E402
from liveness.challenges import FacePixels, GeometricSmile  # noqa: E402
from liveness.mesh import measure_face  # noqa: E402

IMAGE = "deepface_identities/img1.jpg"


def letterbox(image: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
    frame = np.zeros((height, width, 3), np.uint8)
    y, x = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    frame[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return frame


def timed(call: Callable[[], object], runs: int) -> tuple[float, float, float]:
    for _ in range(3):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[0], statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def random_weights_dir(models: Path) -> Path:
    import subprocess

    directory = Path(tempfile.mkdtemp(prefix="smile-bench-"))
    for entry in models.iterdir():
        (directory / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (directory / "deepface").mkdir()
    build = (
        "import sys; from pathlib import Path; from liveness.backends.deepface import weights_for; "
        "from tests.liveness.backends.deepface.conftest import build_weight_file, record; "
        "d = Path(sys.argv[1]); (w,) = weights_for('Emotion'); build_weight_file('Emotion', d / w.path); "
        "record(d, w.name)"
    )
    subprocess.run([sys.executable, "-c", build, str(directory)], cwd=ROOT, check=True)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR", "models")))
    parser.add_argument("--testdata", type=Path, default=Path(os.environ.get("LIVECRED_TESTDATA_DIR", "testdata")))
    parser.add_argument("--random-weights", action="store_true")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    models = random_weights_dir(args.models) if args.random_weights else args.models

    from liveness.backends import Backends, BackendSelection
    from liveness.backends.deepface import build_smile

    engine = load_default_engine(args.models)
    photo = decode_image_bytes((args.testdata / IMAGE).read_bytes(), ImageLimits())
    backends = Backends(BackendSelection(smile="deepface:emotion"), models)
    backends.start()
    try:
        isolated = backends.parts["smile"]
        in_process = build_smile(models)
        geometric = GeometricSmile()
        rows = []
        for width, height in ((640, 480), (1280, 720)):
            frame = letterbox(photo, width, height)
            face = engine.images.subject(frame).face
            measures = measure_face(engine.interactive.landmarks(frame, face, refine_eyes=False))
            pixels = FacePixels(frame, face)
            size = f"{width}x{height}"
            for name, scorer in (
                ("geometric, in process", geometric),
                ("emotion, in process", in_process),
                ("emotion, TF worker", isolated),
            ):
                rows.append((name, size, timed(partial(scorer.score, measures, pixels), args.runs)))
    finally:
        backends.close()
    print(f"smile scorer per frame, ms ({args.runs} calls, {os.cpu_count()} CPUs)\n")
    print(f"| {'scorer':<22} | frame    |   min | median |   p95 |")
    print(f"|{'-' * 24}|----------|-------|--------|-------|")
    for name, size, (low, mid, p95) in rows:
        print(f"| {name:<22} | {size:<8} | {low:5.2f} | {mid:6.2f} | {p95:5.2f} |")


if __name__ == "__main__":
    main()
