"""Do our face-mesh landmarks match MediaPipe's own FaceMesh on the same images?

Two steps, because mediapipe 0.10.21 needs numpy < 2 and cannot share the project's venv:

    # 1. in a separate venv with mediapipe==0.10.21 and opencv (no livecred needed)
    python bench/mesh_parity.py dump --out /tmp/mediapipe_ref.npz
    # 2. in the project venv
    .venv/bin/python bench/mesh_parity.py compare --reference /tmp/mediapipe_ref.npz

``dump`` runs ``mediapipe.solutions.face_mesh.FaceMesh`` (static images, 468 points, no
refinement) on the test photos and every 7th NUAA webcam frame; ``compare`` runs the engine's
mesh both ways the engine does (the whole frame, and the face YuNet chose) and prints the
distance to MediaPipe's points, in pixels and over the inter-ocular distance.

Not a test: it measures and prints.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def image_paths(testdata: Path) -> list[Path]:
    paths = sorted((testdata / "deepface_identities").glob("*.jpg"))
    paths += sorted((testdata / "faceonnx_identities").glob("*.jpg")) + sorted(
        (testdata / "faceonnx_eye_state").glob("*.jpg")
    )
    paths += sorted((testdata / "silentface_real_spoof").glob("*.jpg"))
    return paths + sorted((testdata / "nuaa_antispoof" / "images" / "real").glob("*/*.jpg"))[::7]


def dump(testdata: Path, out: Path) -> None:
    import mediapipe as mp  # only this step needs it

    points = {}
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False) as mesh:
        for path in image_paths(testdata):
            image = cv2.imread(str(path))
            h, w = image.shape[:2]
            found = mesh.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).multi_face_landmarks
            if found:
                points[str(path.relative_to(testdata))] = np.array(
                    [[p.x * w, p.y * h, p.z * w] for p in found[0].landmark]
                )
    np.savez(out, **{k.replace("/", "|"): v for k, v in points.items()})
    print(f"{len(points)} faces written to {out} (mediapipe {mp.__version__})")


def compare(testdata: Path, models: Path, reference: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from liveness import load_default_engine
    from liveness.mesh import inter_ocular_distance

    engine = load_default_engine(models)
    ref = np.load(reference)
    rows: dict[str, list[tuple[float, float, float]]] = {"whole frame": [], "face chosen by YuNet": []}
    for key in ref.files:
        image = cv2.imread(str(testdata / key.replace("|", "/")))
        expected = ref[key]
        iod = inter_ocular_distance(expected)
        for name, face in (("whole frame", None), ("face chosen by YuNet", engine.images.subject(image).face)):
            ours = engine.interactive.landmarks(image, face, refine_eyes=False)
            dist = np.linalg.norm(ours.points[:, :2] - expected[:, :2], axis=1)
            rows[name].append((float(dist.max()), float(dist.max() / iod), float(dist.mean())))
    print(f"our mesh vs MediaPipe FaceMesh, {len(ref.files)} images\n")
    print("| crop from | max px | max / inter-ocular | mean px |")
    print("|---|---:|---:|---:|")
    for name, values in rows.items():
        arr = np.array(values)
        print(f"| {name} | {arr[:, 0].max():.2f} | {arr[:, 1].max():.4f} | {arr[:, 2].mean():.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["dump", "compare"])
    default_models = os.environ.get("LIVECRED_MODELS_DIR") or str(ROOT.parent / "shared" / "models")
    default_data = os.environ.get("LIVECRED_TESTDATA_DIR") or str(ROOT.parent / "shared" / "testdata")
    parser.add_argument("--models", type=Path, default=Path(default_models))
    parser.add_argument("--testdata", type=Path, default=Path(default_data))
    parser.add_argument("--out", type=Path, default=Path("mediapipe_ref.npz"))
    parser.add_argument("--reference", type=Path, default=Path("mediapipe_ref.npz"))
    args = parser.parse_args(argv)
    if args.step == "dump":
        dump(args.testdata, args.out)
    else:
        compare(args.testdata, args.models, args.reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
