"""LiteRT or onnxruntime for the face mesh? Agreement and speed of the two, on the same pipeline.

The face mesh and BlazeFace exist as Google's official ``.tflite`` files and as ONNX
conversions of them (``../shared/models/facemesh/*.onnx``, tf2onnx; see the MANIFEST). This
runs the product's own pipeline (``liveness.facemesh.FaceMeshModel``) twice, once with each
runtime underneath, and prints:

* agreement: landmark differences in pixels, on the same crop (the models alone) and end to end
  (each runtime also places its own crop), over the test photos and NUAA webcam frames, and the
  downstream measures (yaw, smile score, eye aspect ratio from the mesh contour);
* speed: p50 of one inference of each model, and of the landmarks of a 640 x 480 frame
  (detector + mesh), single-threaded as the engine runs them.

    .venv/bin/python bench/mesh_runtime.py [--runs 5] [--iterations 200]

Not a test: it measures and prints. The ONNX files are not part of the product (they have no
official source to fetch from); this script only reads them from the mirror.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveness.challenges import GeometricSmile  # noqa: E402
from liveness.facemesh import FaceMeshModel, _crop  # noqa: E402
from liveness.mesh import measure_face  # noqa: E402
from liveness.models import ModelStore  # noqa: E402


class OnnxModel:
    """The ``TFLiteModel.run`` interface over an onnxruntime session (one thread, no spinning)."""

    def __init__(self, path: Path) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.names = [o.name for o in self.session.get_outputs()]

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(self.names, self.session.run(None, {self.input: tensor}), strict=True))


def build(models: Path) -> tuple[FaceMeshModel, FaceMeshModel]:
    store = ModelStore(models)
    litert = FaceMeshModel(store.read_verified("facemesh_detector"), store.read_verified("facemesh"), None)
    onnx = FaceMeshModel(store.read_verified("facemesh_detector"), store.read_verified("facemesh"), None)
    onnx._mesh = OnnxModel(models / "facemesh" / "face_landmark.onnx")  # type: ignore[assignment]
    onnx._detector._model = OnnxModel(models / "facemesh" / "face_detection_short_range.onnx")  # type: ignore[assignment]
    return litert, onnx


def images(testdata: Path) -> list[tuple[str, np.ndarray]]:
    paths = sorted((testdata / "deepface_identities").glob("*.jpg"))
    paths += sorted((testdata / "faceonnx_identities").glob("*.jpg")) + sorted(
        (testdata / "faceonnx_eye_state").glob("*.jpg")
    )
    paths += sorted((testdata / "silentface_real_spoof").glob("*.jpg"))
    paths += sorted((testdata / "nuaa_antispoof" / "images" / "real").glob("*/*.jpg"))[::7]
    return [(p.name, cv2.imread(str(p))) for p in paths]


def agreement(litert: FaceMeshModel, onnx: FaceMeshModel, testdata: Path) -> None:
    smile = GeometricSmile()
    same_crop, end_to_end, yaw, smile_d, ear_d, iod_rel = [], [], [], [], [], []
    for _, image in images(testdata):
        roi = litert.find_roi(image)
        if roi is None:
            continue
        a = litert.landmarks_in(image, roi, refine_eyes=False)
        b = onnx.landmarks_in(image, roi, refine_eyes=False)
        c = onnx.landmarks(image, refine_eyes=False)
        if a is None or b is None or c is None:
            continue
        same_crop.append(np.abs(a.points[:, :2] - b.points[:, :2]).max())
        end_to_end.append(np.abs(a.points[:, :2] - c.points[:, :2]).max())
        ma, mc = measure_face(a), measure_face(c)
        iod_rel.append(end_to_end[-1] / ma.inter_ocular)
        yaw.append(abs(ma.pose.yaw - mc.pose.yaw))
        smile_d.append(abs(smile.score(ma) - smile.score(mc)))
        ear_d.append(abs(ma.ear - mc.ear))
    print(f"agreement, LiteRT vs onnxruntime, {len(same_crop)} images (test photos + every 7th NUAA frame)\n")
    print("| quantity | median | max |")
    print("|---|---:|---:|")
    for name, values in (
        ("landmarks, same crop (px)", same_crop),
        ("landmarks, end to end (px)", end_to_end),
        ("landmarks, end to end (/ inter-ocular)", iod_rel),
        ("yaw (degrees)", yaw),
        ("smile score (0-100)", smile_d),
        ("eye aspect ratio (mesh contour)", ear_d),
    ):
        print(f"| {name} | {np.median(values):.4f} | {np.max(values):.4f} |")


def p50_ms(func: Callable[[], object], iterations: int) -> float:
    for _ in range(10):
        func()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def speed(litert: FaceMeshModel, onnx: FaceMeshModel, testdata: Path, runs: int, iterations: int) -> None:
    # A real 640 x 480 webcam frame (NUAA, a live subject); the models see real crops of it.
    frame = cv2.imread(str(testdata / "nuaa_antispoof" / "images" / "real" / "0006" / "0006_00_06_03_284.jpg"))
    roi = litert.find_roi(frame)
    assert roi is not None
    mesh_in = (_crop(frame, roi, 192)[None, :, :, ::-1] / 255.0).astype(np.float32)
    det_in = (cv2.resize(frame[:, 80:560], (128, 128))[None, :, :, ::-1] / 127.5 - 1.0).astype(np.float32)
    rows: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, model in (("LiteRT", litert), ("onnxruntime", onnx)):
            for what, func in (
                ("mesh model, one run", lambda m=model: m._mesh.run(mesh_in)),
                ("BlazeFace, one run", lambda m=model: m._detector._model.run(det_in)),
                (
                    "landmarks of a 640x480 frame (detector + mesh)",
                    lambda m=model: m.landmarks(frame, refine_eyes=False),
                ),
            ):
                rows.setdefault(f"{what} | {name}", []).append(p50_ms(func, iterations))
    print(f"\nspeed, single-threaded, p50 over {iterations} calls, median of {runs} runs, {os.cpu_count()} CPUs\n")
    print("| what | runtime | p50 ms |")
    print("|---|---|---:|")
    for key, values in rows.items():
        print(f"| {key} | {statistics.median(values):.2f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_models = os.environ.get("LIVECRED_MODELS_DIR") or str(ROOT.parent / "shared" / "models")
    default_data = os.environ.get("LIVECRED_TESTDATA_DIR") or str(ROOT.parent / "shared" / "testdata")
    parser.add_argument("--models", type=Path, default=Path(default_models))
    parser.add_argument("--testdata", type=Path, default=Path(default_data))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args(argv)
    litert, onnx = build(args.models)
    agreement(litert, onnx, args.testdata)
    speed(litert, onnx, args.testdata, args.runs, args.iterations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
