"""Measurements behind the interactive-liveness thresholds (smile, eyes, head pose, micro-motion).

Runs the real engine on ../shared/testdata and prints one table per decision:

* ``smile``   SMILEsmileD (1,848 smiling / 1,842 not, 64x64 grey crops, upscaled and padded so
              that BlazeFace finds them): per-feature AUC, and the logistic fit behind
              ``GeometricSmile`` (5-fold cross-validated AUC and accuracy at score 50).
              Then the hand-labelled identity photos and a real smile of a live NUAA subject.
* ``eyes``    eye aspect ratio on the FaceONNX open / closed images with and without the iris
              refinement, and each NUAA subject's open-eye level and lowest frames.
* ``pose``    yaw of each identity photo and of its mirror image.
* ``motion``  landmark motion / deformation of one image re-encoded (the noise floor of a still
              picture) against real NUAA webcam frames of the same session.

    .venv/bin/python bench/calibrate_interactive.py [--only smile,eyes,pose,motion] [--smile-limit N]

Not a test: it measures and prints. The FaceONNX, deepface and Silent-Face images are MIT /
Apache-2.0; SMILEsmileD and NUAA are research sets used here only to measure.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveness import LivenessEngine, load_default_engine  # noqa: E402
from liveness.challenges import GeometricSmile  # noqa: E402
from liveness.mesh import FaceMeasures, measure_face  # noqa: E402
from liveness.passive import MotionStats, micro_motion  # noqa: E402

# Looked at by eye (see tests/liveness/test_interactive_models.py): teeth-showing smiles and
# closed, relaxed mouths. Closed-lip half smiles are left out of both.
OPEN_SMILES = [
    *(f"deepface_identities/img{n}.jpg" for n in (1, 15, 17, 8, 9)),
    "faceonnx_eye_state/open_open.jpg",
]
CLOSED_MOUTHS = [
    *(f"deepface_identities/img{n}.jpg" for n in (2, 4, 5)),
    *(f"faceonnx_identities/{n}.jpg" for n in ("brad_1", "brad_pitt_fit", "sarah_1", "sarah_paulson_fit", "nicole_1")),
    "silentface_real_spoof/image_T1.jpg",
]


def row(*cells: object) -> None:
    """One markdown table row; floats to 4 significant digits."""
    print("| " + " | ".join(f"{c:.4g}" if isinstance(c, float) else str(c) for c in cells) + " |")


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort().astype(np.float64) + 1
    # average ranks for ties
    for value in np.unique(scores):
        tied = scores == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iterations: int = 50) -> np.ndarray:
    """Newton-Raphson logistic regression; returns [bias, weights...]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) + l2 * np.r_[0, w[1:]]
        hess = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.diag(np.r_[0, np.ones(len(w) - 1)])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def _smile_crop(path: Path) -> np.ndarray:
    grey = cv2.imread(str(path))
    big = cv2.resize(grey, (256, 256), interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(big, 96, 96, 96, 96, cv2.BORDER_REPLICATE)


def run_smile(engine: LivenessEngine, testdata: Path, limit: int | None) -> None:
    rows = list(csv.DictReader((testdata / "smile_smilesmiled" / "labels.csv").open()))
    if limit:
        rows = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))[:limit]]
    mesh = engine.interactive.landmarker
    assert mesh is not None
    feats, labels, missed = [], [], 0
    for entry in rows:
        found = mesh.landmarks(_smile_crop(testdata / "smile_smilesmiled" / entry["file"]), refine_eyes=False)
        if found is None:
            missed += 1
            continue
        m = measure_face(found)
        feats.append([m.mouth.width, m.mouth.corner_elevation, m.mouth.opening])
        labels.append(entry["label"] == "smiling")
    x, y = np.asarray(feats), np.asarray(labels, dtype=np.float64)
    pos, neg = y == 1, y == 0
    print(f"\n## smile: SMILEsmileD, {len(y)} faces measured ({int(y.sum())} smiling), {missed} without a face\n")
    row("feature (/ inter-ocular)", "smiling median", "not smiling median", "AUC")
    row("---", "---:", "---:", "---:")
    for i, name in enumerate(["mouth width", "lip-corner elevation", "mouth opening"]):
        row(name, float(np.median(x[pos, i])), float(np.median(x[neg, i])), auc(x[pos, i], x[neg, i]))
    folds = np.arange(len(y)) % 5
    for cols, name in (([0, 1], "width + elevation (shipped)"), ([0, 1, 2], "width + elevation + opening")):
        scores = np.zeros(len(y))
        for k in range(5):
            w = fit_logistic(x[folds != k][:, cols], y[folds != k])
            scores[folds == k] = 1 / (1 + np.exp(-(w[0] + x[folds == k][:, cols] @ w[1:])))
        w = fit_logistic(x[:, cols], y)
        accuracy = float(((scores >= 0.5) == pos).mean())
        print(f"\nlogistic, {name}: coefficients (bias, weights) {np.round(w, 2).tolist()}")
        print(f"  5-fold cross-validated AUC {auc(scores[pos], scores[neg]):.3f}, accuracy at 50: {accuracy:.3f}")
    shipped = GeometricSmile()
    mine = 100 / (1 + np.exp(-(shipped.bias + x[:, :2] @ np.array([shipped.w_width, shipped.w_elevation]))))
    accuracy = float(((mine >= 50) == pos).mean())
    print(f"shipped GeometricSmile, all faces: AUC {auc(mine[pos], mine[neg]):.3f}, accuracy at 50 {accuracy:.3f}\n")

    row("photo", "label", "smile score", "width", "elevation", "opening")
    row("---", "---", "---:", "---:", "---:", "---:")
    nuaa = "nuaa_antispoof/images/real/0013/0013_01_07_03_"
    labelled = [(p, "open smile") for p in OPEN_SMILES] + [(p, "closed mouth") for p in CLOSED_MOUTHS]
    labelled += [(f"{nuaa}142.jpg", "neutral (live)"), (f"{nuaa}122.jpg", "smile (live)")]
    for rel, label in labelled:
        res = engine.interactive.smile_check(cv2.imread(str(testdata / rel)))
        mouth = res.measures.mouth
        row(rel, label, round(res.smile.score, 1), mouth.width, mouth.corner_elevation, mouth.opening)


def _measures(engine: LivenessEngine, image: np.ndarray, refine: bool) -> FaceMeasures:
    face = engine.images.subject(image).face
    return measure_face(engine.interactive.landmarks(image, face, refine_eyes=refine))


def _nuaa_sessions(testdata: Path) -> dict[str, list[Path]]:
    sessions: dict[str, list[Path]] = defaultdict(list)
    for entry in csv.DictReader((testdata / "nuaa_antispoof" / "labels.csv").open()):
        if entry["label"] == "real":
            sessions[entry["identity"]].append(testdata / "nuaa_antispoof" / entry["file"])
    return {k: sorted(v, key=_frame_number) for k, v in sorted(sessions.items())}


def _frame_number(path: Path) -> int:
    return int(path.stem.split("_")[-1])


def run_eyes(engine: LivenessEngine, testdata: Path) -> None:
    print("\n## eyes: eye aspect ratio (mean of both eyes; right, left)\n")
    row("image", "iris-refined", "mesh contour only")
    row("---", "---", "---")
    for name in ("open_open.jpg", "closed_closed.jpg"):
        image = cv2.imread(str(testdata / "faceonnx_eye_state" / name))
        a, b = _measures(engine, image, True), _measures(engine, image, False)
        row(
            name,
            f"{a.ear:.3f} ({a.ear_right:.3f}, {a.ear_left:.3f})",
            f"{b.ear:.3f} ({b.ear_right:.3f}, {b.ear_left:.3f})",
        )
    closed = engine.config.blink.closed_ratio
    print("\nNUAA real sessions (28 webcam frames each): open-eye level = 75th percentile of the session;")
    print(f"the three lowest frames over it (frame number), and the frames under the closed ratio {closed}.\n")
    row("subject", "open level", "lowest frames / open level", f"frames under {closed}")
    row("---", "---:", "---", "---:")
    for subject, paths in _nuaa_sessions(testdata).items():
        ear = np.array([_measures(engine, cv2.imread(str(p)), True).ear for p in paths])
        level = float(np.percentile(ear, 75))
        low = ", ".join(f"{ear[i] / level:.2f} ({_frame_number(paths[i])})" for i in np.argsort(ear)[:3])
        row(subject, level, low, int((ear < closed * level).sum()))


def run_pose(engine: LivenessEngine, testdata: Path) -> None:
    print("\n## pose: each photo and its mirror image (degrees)\n")
    row("image", "yaw", "mirrored yaw", "pitch", "roll")
    row("---", "---:", "---:", "---:", "---:")
    paths = sorted((testdata / "deepface_identities").glob("*.jpg")) + sorted(
        (testdata / "faceonnx_identities").glob("*.jpg")
    )
    for path in [*paths, testdata / "silentface_real_spoof" / "image_T1.jpg"]:
        image = cv2.imread(str(path))
        a, b = _measures(engine, image, False), _measures(engine, np.ascontiguousarray(image[:, ::-1]), False)
        row(path.name, round(a.pose.yaw, 1), round(b.pose.yaw, 1), round(a.pose.pitch, 1), round(a.pose.roll, 1))
    print("\nNUAA real sessions: range of yaw and pitch over the 28 frames (natural head motion, no prompt)\n")
    row("subject", "yaw min", "yaw max", "pitch min", "pitch max")
    row("---", "---:", "---:", "---:", "---:")
    for subject, paths in _nuaa_sessions(testdata).items():
        poses = [_measures(engine, cv2.imread(str(p)), False).pose for p in paths]
        yaws, pitches = [q.yaw for q in poses], [q.pitch for q in poses]
        row(subject, round(min(yaws), 1), round(max(yaws), 1), round(min(pitches), 1), round(max(pitches), 1))


def _points(engine: LivenessEngine, image: np.ndarray) -> tuple[np.ndarray, float]:
    mesh = engine.interactive.landmarks(image, engine.images.subject(image).face, refine_eyes=False)
    return mesh.points, measure_face(mesh).inter_ocular


def _reencode(image: np.ndarray, quality: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = np.clip(image.astype(np.float32) + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _motion(engine: LivenessEngine, frames: list[np.ndarray]) -> MotionStats:
    pts = [_points(engine, f) for f in frames]
    return micro_motion([p for p, _ in pts], [d for _, d in pts], engine.config.passive)


def run_motion(engine: LivenessEngine, testdata: Path) -> None:
    cfg = engine.config.passive
    print("\n## motion: landmark motion and deformation per frame step (/ inter-ocular distance, medians)\n")
    print(f"shipped: still under {cfg.still_motion}, chaotic over {cfg.chaotic_motion} (motion) "
          f"or {cfg.chaotic_deformation} (deformation)\n")  # fmt: skip
    row("sequence", "steps", "motion", "deformation", "state")
    row("---", "---:", "---:", "---:", "---")
    for subject, paths in _nuaa_sessions(testdata).items():
        first = cv2.imread(str(paths[0]))
        m = _motion(engine, [first] * 5)
        row(f"{subject}: one frame x5", 4, round(m.motion, 4), round(m.deformation, 4), m.state)
        for noise in (0.0, 2.0, 4.0):
            m = _motion(engine, [_reencode(first, q, noise, q) for q in (95, 92, 90, 88, 85)])
            label = f"{subject}: one frame re-encoded (JPEG q85-95, noise sigma {noise:g})"
            row(label, 4, round(m.motion, 4), round(m.deformation, 4), m.state)
        # real frames 1-3 apart in the source video (about 50-150 ms)
        close = [(a, b) for a, b in itertools.pairwise(paths) if 0 < _frame_number(b) - _frame_number(a) <= 3]
        steps = [_motion(engine, [cv2.imread(str(a)), cv2.imread(str(b))]) for a, b in close]
        if steps:
            motion = f"{np.median([s.motion for s in steps]):.4f} (min {min(s.motion for s in steps):.4f})"
            deform = f"{np.median([s.deformation for s in steps]):.4f} (max {max(s.deformation for s in steps):.4f})"
            row(f"{subject}: real frames 1-3 apart", len(steps), motion, deform, "")
        m = _motion(engine, [cv2.imread(str(p)) for p in paths])
        row(
            f"{subject}: whole session, seconds apart",
            len(paths) - 1,
            round(m.motion, 4),
            round(m.deformation, 4),
            m.state,
        )
    lfw = defaultdict(list)
    for entry in csv.DictReader((testdata / "lfw_pairs" / "labels.csv").open()):
        lfw[entry["identity"]].append(testdata / "lfw_pairs" / entry["file"])
    for name in ("Tony_Blair", "Hugo_Chavez", "David_Beckham"):
        m = _motion(engine, [cv2.imread(str(p)) for p in sorted(lfw[name])[:6]])
        row(f"{name}: 6 different LFW photos", 5, round(m.motion, 4), round(m.deformation, 4), m.state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR") or ROOT.parent / "shared" / "models")
    )
    parser.add_argument(
        "--testdata",
        type=Path,
        default=Path(os.environ.get("LIVECRED_TESTDATA_DIR") or ROOT.parent / "shared" / "testdata"),
    )
    parser.add_argument("--only", default="smile,eyes,pose,motion")
    parser.add_argument("--smile-limit", type=int, default=0, help="measure only N SMILEsmileD faces (0 = all)")
    args = parser.parse_args(argv)
    if 0 < args.smile_limit < 100:
        parser.error("--smile-limit needs at least 100 faces for a 5-fold fit")
    engine = load_default_engine(args.models)
    parts = {p.strip() for p in args.only.split(",")}
    if "smile" in parts:
        run_smile(engine, args.testdata, args.smile_limit or None)
    if "eyes" in parts:
        run_eyes(engine, args.testdata)
    if "pose" in parts:
        run_pose(engine, args.testdata)
    if "motion" in parts:
        run_motion(engine, args.testdata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
