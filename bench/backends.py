"""Every engine backend beside the default one: latency, memory and accuracy per part, in one run.

Issue 19: teams migrating from the original service (DeepFace, RetinaFace, FasNet on PyTorch)
keep their models as optional backends (``liveness/backends/``, docs/backends.md). This bench
puts each of them next to the default engine's part it can replace and prints one table:

* latency: min, median and p95 of ``--runs`` calls of the part on one frame (the Silent-Face live
  sample, its YuNet face), after warm-up, with the backend's own default thread settings (on a
  loaded machine the min is the closest to the call's own cost);
* memory: the worker's peak RSS, and what building the backend added to it (framework import +
  weights + runtime arenas). Each backend runs in a **fresh subprocess** (this script with
  ``--worker``), so one framework's memory never bleeds into another's numbers;
* accuracy, where real weights exist: anti-spoofing on the Silent-Face samples (both must be
  called right at the engine's threshold) and on NUAA (AUC, APCER / BPCER at the threshold);
  face matching: ROC AUC of the cosine on the labelled identity pairs (deepface + FaceONNX,
  ``--lfw`` adds the 1,200 LFW pairs); detection: on how many labelled photos a face is found.

Rows: the default engine's parts, torch FasNet (``livecred[torch]``), and DeepFace's detectors,
recognition models and FasNet (``livecred[deepface]``; their Keras weights come from
``livecred models fetch --backend deepface``).

Every backend sees the same face boxes: the parent runs the default YuNet once over all images
and hands the boxes to the workers. A backend whose extra or weights are missing is skipped with
the reason printed under the table. To add one, append a :class:`Backend` to :data:`BACKENDS`
with a factory ``models_dir -> part`` (``from_module("package.module:function")`` imports it only
inside the worker); the part must follow the engine's protocol for its kind (``FaceDetector``,
``AntiSpoof``, ``FaceEmbedder``).

    .venv/bin/python bench/backends.py [--models DIR] [--testdata DIR] [--runs 50] [--lfw] [--only deepface]

Not a test: it measures and prints. Numbers depend on the machine (CPU count above all).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveness import ImageLimits, decode_image_bytes  # noqa: E402
from liveness.config import EngineConfig  # noqa: E402
from liveness.embed import cosine_similarity  # noqa: E402
from liveness.evaluation import auc, pad_error_rates  # noqa: E402
from liveness.types import BoundingBox, Face  # noqa: E402

LATENCY_IMAGE = "silentface_real_spoof/image_T1.jpg"
IDENTITY_SETS = ("deepface_identities", "faceonnx_identities")
WARMUP = 3
WORKER_TIMEOUT_S = 900


@dataclass(frozen=True)
class Backend:
    name: str  # the engine it belongs to: "default (onnxruntime)", "torch", "deepface" ...
    part: str  # a key of PARTS
    model: str
    factory: Callable[[Path], Any]
    env: tuple[tuple[str, str], ...] = ()  # set in the worker's environment before it starts

    @property
    def key(self) -> str:
        return f"{self.name} / {self.part} / {self.model}"


def from_module(spec: str, *leading: Any) -> Callable[[Path], Any]:
    """A factory that imports ``package.module:function`` only when called (inside the worker) and
    calls it as ``function(*leading, models_dir)``: the backend registry's convention, where a
    family that serves several models takes the model name first
    (``from_module("liveness.backends.deepface:build_embedder", "Facenet512")``)."""
    module_name, _, attr = spec.partition(":")

    def factory(models: Path) -> Any:
        return getattr(importlib.import_module(module_name), attr)(*leading, models)

    return factory


def _default_detector(models: Path) -> Any:
    from liveness.detect import YuNet
    from liveness.models import ModelStore

    return YuNet(ModelStore(models).read_verified("yunet"))


def _default_antispoof(models: Path) -> Any:
    from liveness.antispoof import MiniFASNetEnsemble
    from liveness.models import ModelStore

    store = ModelStore(models)
    return MiniFASNetEnsemble(store.read_verified("minifasnet_v2"), store.read_verified("minifasnet_v1se"))


def _default_embedder(models: Path) -> Any:
    from liveness.embed import MobileFaceNet
    from liveness.models import ModelStore

    return MobileFaceNet(ModelStore(models).read_verified("mobilefacenet"))


# DeepFace's models run on TensorFlow with Keras 2, which must be chosen before TensorFlow loads
# (docs/deepface.md); the engine never sets it, so its workers get it here.
_DEEPFACE_ENV = (("TF_USE_LEGACY_KERAS", "1"),)
_DEEPFACE = "liveness.backends.deepface"


def _deepface(part: str, model: str, factory: str, *leading: str) -> Backend:
    return Backend("deepface", part, model, from_module(f"{_DEEPFACE}:{factory}", *leading), _DEEPFACE_ENV)


BACKENDS: list[Backend] = [
    Backend("default (onnxruntime)", "detector", "YuNet 2023mar", _default_detector),
    Backend("default (onnxruntime)", "anti-spoof", "MiniFASNet V2+V1SE (ONNX)", _default_antispoof),
    Backend("default (onnxruntime)", "recognition", "MobileFaceNet (ONNX)", _default_embedder),
    Backend(
        "torch",
        "anti-spoof",
        "MiniFASNet V2+V1SE (official .pth)",
        from_module("liveness.backends.torch_fasnet:build_torch_fasnet"),
    ),
    _deepface("detector", "YuNet (DeepFace)", "build_detector", "yunet"),
    _deepface("detector", "OpenCV Haar", "build_detector", "opencv"),
    _deepface("detector", "MTCNN", "build_detector", "mtcnn"),
    _deepface("detector", "RetinaFace", "build_detector", "retinaface"),
    _deepface("recognition", "Facenet512", "build_embedder", "Facenet512"),
    _deepface("recognition", "ArcFace", "build_embedder", "ArcFace"),
    _deepface("recognition", "Facenet", "build_embedder", "Facenet"),
    _deepface("anti-spoof", "FasNet (DeepFace's crops, official .pth)", "build_antispoof"),
]


# --- the work each part does, and how its accuracy is measured (inside the worker) --------------------------------


def _read(testdata: Path, relative: str) -> np.ndarray:
    return decode_image_bytes((testdata / relative).read_bytes(), ImageLimits())


def _antispoof_accuracy(part: Any, testdata: Path, faces: dict[str, Face | None], args: argparse.Namespace) -> str:
    threshold = EngineConfig().antispoof_threshold
    notes = []
    silent = _labels(testdata / "silentface_real_spoof")
    right = 0
    for file, label in silent:
        face = faces[f"silentface_real_spoof/{file}"]
        score = 0.0 if face is None else part.score(_read(testdata, f"silentface_real_spoof/{file}"), face).real
        right += (score >= threshold) is (label == "real")
    notes.append(f"Silent-Face {right}/{len(silent)} right")
    nuaa = _labels(testdata / "nuaa_antispoof")
    real, attack = [], []
    for file, label in nuaa:
        face = faces[f"nuaa_antispoof/{file}"]
        # No face on an attack is a refused attack (score 0); on a real face a refused person.
        score = 0.0 if face is None else part.score(_read(testdata, f"nuaa_antispoof/{file}"), face).real
        (real if label == "real" else attack).append(score)
    if real and attack:
        rates = pad_error_rates(real, attack, threshold)
        notes.append(
            f"NUAA ({len(real)}+{len(attack)}) AUC {auc(real, attack):.3f}, "
            f"APCER {rates.apcer:.1%} BPCER {rates.bpcer:.1%} at {threshold}"
        )
    return "; ".join(notes)


def _recognition_accuracy(part: Any, testdata: Path, faces: dict[str, Face | None], args: argparse.Namespace) -> str:
    embeddings: dict[str, np.ndarray] = {}
    genuine, impostor, skipped = [], [], 0
    for a, b, same in _pairs(testdata, lfw=args.lfw):
        if faces[a] is None or faces[b] is None:
            skipped += 1
            continue
        for name in (a, b):
            if name not in embeddings:
                face = faces[name]
                assert face is not None
                embeddings[name] = part.embed(_read(testdata, name), face)
        (genuine if same else impostor).append(cosine_similarity(embeddings[a], embeddings[b]))
    note = f"match AUC {auc(genuine, impostor):.3f} ({len(genuine)} same / {len(impostor)} different pairs"
    return note + (f", {skipped} without a face)" if skipped else ")")


def _detector_accuracy(part: Any, testdata: Path, faces: dict[str, Face | None], args: argparse.Namespace) -> str:
    # Every photo of the small labelled sets shows a face; how many does the detector find?
    names = sorted({name for pair in _pairs(testdata, lfw=False) for name in pair[:2]})
    names += [f"silentface_real_spoof/{file}" for file, _ in _labels(testdata / "silentface_real_spoof")]
    found = sum(part.detect(_read(testdata, name)).largest is not None for name in names)
    return f"a face found in {found}/{len(names)} labelled photos"


@dataclass(frozen=True)
class Part:
    run: Callable[[Any, np.ndarray, Face], object]
    accuracy: Callable[[Any, Path, dict[str, Face | None], argparse.Namespace], str] | None


PARTS: dict[str, Part] = {
    "detector": Part(lambda part, image, face: part.detect(image), _detector_accuracy),
    "anti-spoof": Part(lambda part, image, face: part.score(image, face), _antispoof_accuracy),
    "recognition": Part(lambda part, image, face: part.embed(image, face), _recognition_accuracy),
}


def _labels(folder: Path) -> list[tuple[str, str]]:
    if not (folder / "labels.csv").is_file():
        return []
    with (folder / "labels.csv").open() as fh:
        return [(row["file"], row["label"]) for row in csv.DictReader(fh)]


def _pairs(testdata: Path, *, lfw: bool) -> list[tuple[str, str, bool]]:
    pairs = []
    for folder in (*IDENTITY_SETS, *(("lfw_pairs",) if lfw else ())):
        with (testdata / folder / "pairs.csv").open() as fh:
            pairs += [
                (f"{folder}/{r['file_x']}", f"{folder}/{r['file_y']}", r["same_person"] == "yes")
                for r in csv.DictReader(fh)
            ]
    return pairs


def images_needed(testdata: Path, *, lfw: bool) -> list[str]:
    names = {LATENCY_IMAGE}
    for folder in ("silentface_real_spoof", "nuaa_antispoof"):
        names |= {f"{folder}/{file}" for file, _ in _labels(testdata / folder)}
    for a, b, _ in _pairs(testdata, lfw=lfw):
        names |= {a, b}
    return sorted(names)


# --- the worker: one backend in a fresh process --------------------------------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    from liveness import LivenessError

    backend = next(b for b in BACKENDS if b.key == args.worker)
    part_kind = PARTS[backend.part]
    faces = {name: _face_from_json(value) for name, value in json.loads(Path(args.faces).read_text()).items()}
    image, face = _read(args.testdata, LATENCY_IMAGE), faces[LATENCY_IMAGE]
    assert face is not None, "the latency image has no face"
    before = _rss_mib()
    try:
        part = backend.factory(args.models)
    except (LivenessError, ImportError) as exc:  # a missing extra or missing weights: a skip, with why
        return {"skipped": str(getattr(exc, "message", exc)).splitlines()[0]}
    built = _rss_mib()
    for _ in range(WARMUP):
        part_kind.run(part, image, face)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        part_kind.run(part, image, face)
        times.append((time.perf_counter() - start) * 1000)
    result: dict[str, Any] = {
        "min_ms": min(times),
        "median_ms": statistics.median(times),
        "p95_ms": float(np.percentile(times, 95)),
        "peak_rss_mib": _peak_rss_mib(),  # before the accuracy pass decodes its images
        "backend_mib": built - before,
    }
    result["accuracy"] = part_kind.accuracy(part, args.testdata, faces, args) if part_kind.accuracy else "-"
    return result


def _face_to_json(face: Face | None) -> Any:
    if face is None:
        return None
    box = face.box
    return {"box": [box.x, box.y, box.width, box.height], "landmarks": face.landmarks, "score": face.score}


def _face_from_json(value: Any) -> Face | None:
    if value is None:
        return None
    landmarks = tuple((float(x), float(y)) for x, y in value["landmarks"])
    return Face(box=BoundingBox(*map(float, value["box"])), landmarks=landmarks, score=float(value["score"]))


# --- the parent: faces once, one worker per backend, one table ---------------------------------------------------


def detect_all(models: Path, testdata: Path, names: list[str]) -> dict[str, Any]:
    detector = _default_detector(models)
    return {name: _face_to_json(detector.detect(_read(testdata, name)).largest) for name in names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR", ROOT.parent / "shared/models"))
    )
    parser.add_argument(
        "--testdata", type=Path, default=Path(os.environ.get("LIVECRED_TESTDATA_DIR", ROOT.parent / "shared/testdata"))
    )
    parser.add_argument("--runs", type=int, default=50, help="timed calls per backend (after warm-up)")
    parser.add_argument("--lfw", action="store_true", help="add the 1,200 LFW pairs to the face-match AUC")
    parser.add_argument("--only", action="append", default=[], help="backend name to run (repeatable)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--faces", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args)))
        return 0

    backends = [b for b in BACKENDS if not args.only or b.name in args.only]
    names = images_needed(args.testdata, lfw=args.lfw)
    print(
        f"detecting faces in {len(names)} images with the default YuNet (shared by every backend) ...", file=sys.stderr
    )
    with tempfile.TemporaryDirectory() as tmp:
        faces_path = Path(tmp) / "faces.json"
        faces_path.write_text(json.dumps(detect_all(args.models, args.testdata, names)))
        results = {b.key: _run_in_subprocess(b, args, faces_path) for b in backends}
    print_table(backends, results, args.runs)
    return 0


def _run_in_subprocess(backend: Backend, args: argparse.Namespace, faces: Path) -> dict[str, Any]:
    print(f"measuring {backend.key} ...", file=sys.stderr)
    command = [sys.executable, __file__, "--worker", backend.key, "--faces", str(faces)]
    command += ["--models", str(args.models), "--testdata", str(args.testdata), "--runs", str(args.runs)]
    command += ["--lfw"] if args.lfw else []
    env = {**os.environ, **dict(backend.env)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, check=False, env=env)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"skipped": f"worker failed (exit {done.returncode}): {tail}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def print_table(backends: list[Backend], results: dict[str, dict[str, Any]], runs: int) -> None:
    header = [
        "backend",
        "part",
        "model",
        f"latency min / median / p95 (ms, {runs} runs)",
        "peak RSS (MiB)",
        "backend memory (MiB)",
        "accuracy",
    ]
    print("\n## Backends beside the default engine\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    skipped = []
    for b in backends:
        r = results[b.key]
        if "skipped" in r:
            skipped.append(f"- {b.key}: skipped: {r['skipped']}")
            row = [b.name, b.part, b.model, "skipped", "-", "-", "-"]
        else:
            latency = f"{r['min_ms']:.1f} / {r['median_ms']:.1f} / {r['p95_ms']:.1f}"
            row = [
                b.name,
                b.part,
                b.model,
                latency,
                f"{r['peak_rss_mib']:.0f}",
                f"{r['backend_mib']:.0f}",
                r["accuracy"],
            ]
        print("| " + " | ".join(row) + " |")
    if skipped:
        print("\n" + "\n".join(skipped))
    print(
        "\nEach backend ran alone in a fresh process. Backend memory: RSS added by building it (framework import, "
        "weights, runtime). Peak RSS: the whole worker (Python, numpy, OpenCV, onnxruntime) before the accuracy pass."
    )


if __name__ == "__main__":
    raise SystemExit(main())
