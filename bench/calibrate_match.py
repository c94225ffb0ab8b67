"""Face-match calibration: ROC, equal-error point and the shipped operating points.

Runs the engine's own detector + embedder (in-process, same code as the service) over every
labelled pair in ../shared/testdata (deepface_identities, faceonnx_identities, and the LFW View 2
pairs when present) and prints, per set: pair counts, genuine/impostor cosine ranges, ROC AUC,
the equal-error rate and its cosine, TAR at FAR 1e-2 / 1e-3, and the error counts at the shipped
threshold. With --plot it draws the ROC curves to bench/out/roc.png (needs matplotlib).

    python bench/calibrate_match.py [--testdata DIR] [--models DIR] [--flip] [--plot]

Not a test: it measures. The numbers it printed when the threshold was chosen are in docs/thresholds.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveness import LivenessEngine, load_default_engine  # noqa: E402
from liveness.embed import cosine_similarity  # noqa: E402
from liveness.images import ImageLimits, decode_image_bytes  # noqa: E402


def roc(genuine: np.ndarray, impostor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, FAR, TAR) over every distinct score, decision ``score >= threshold``."""
    thresholds = np.unique(np.concatenate([genuine, impostor, [np.inf]]))[::-1]
    far = np.array([(impostor >= t).mean() for t in thresholds])
    tar = np.array([(genuine >= t).mean() for t in thresholds])
    return thresholds, far, tar


def equal_error(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(EER, cosine at which FAR ~= FRR)."""
    thresholds, far, tar = roc(genuine, impostor)
    frr = 1 - tar
    i = int(np.argmin(np.abs(far - frr)))
    return float((far[i] + frr[i]) / 2), float(thresholds[i])


def tar_at_far(genuine: np.ndarray, impostor: np.ndarray, target: float) -> tuple[float, float]:
    thresholds, far, tar = roc(genuine, impostor)
    ok = far <= target
    i = int(np.flatnonzero(ok)[-1])
    return float(tar[i]), float(thresholds[i])


def auc(genuine: np.ndarray, impostor: np.ndarray) -> float:
    # Mann-Whitney U: P(genuine > impostor), ties count half.
    g = genuine[:, None]
    return float(((g > impostor).sum() + 0.5 * (g == impostor).sum()) / (genuine.size * impostor.size))


def pair_scores(
    engine: LivenessEngine, folder: Path, pairs: Iterable[dict[str, str]]
) -> tuple[list[float], list[bool], int]:
    limits = ImageLimits()
    cache: dict[str, np.ndarray | None] = {}

    def embedding(name: str) -> np.ndarray | None:
        if name not in cache:
            image = decode_image_bytes((folder / name).read_bytes(), limits)
            face = engine.images.detector.detect(image).largest
            cache[name] = None if face is None else engine.images.embedder.embed(image, face)
        return cache[name]

    scores, labels, failed = [], [], 0
    for row in pairs:
        a, b = embedding(row["file_x"]), embedding(row["file_y"])
        if a is None or b is None:
            failed += 1  # counted as a non-match: no face means no match
            scores.append(-1.0)
        else:
            scores.append(cosine_similarity(a, b))
        labels.append(row["same_person"] == "yes")
    return scores, labels, failed


def report(name: str, scores: list[float], labels: list[bool], failed: int, shipped: float) -> dict[str, float]:
    s, lab = np.asarray(scores), np.asarray(labels)
    gen, imp = s[lab], s[~lab]
    eer, eer_t = equal_error(gen, imp)
    tar2, t2 = tar_at_far(gen, imp, 1e-2)
    tar3, t3 = tar_at_far(gen, imp, 1e-3)
    fa = int((imp >= shipped).sum())
    fr = int((gen < shipped).sum())
    print(f"\n## {name}: {gen.size} genuine, {imp.size} impostor pairs, {failed} with no face found")
    print(f"| genuine cosine min/mean | {gen.min():.3f} / {gen.mean():.3f} |")
    print(f"| impostor cosine max/mean | {imp.max():.3f} / {imp.mean():.3f} |")
    print(f"| ROC AUC | {auc(gen, imp):.4f} |")
    print(f"| EER | {eer:.4f} at cosine {eer_t:.3f} |")
    print(f"| TAR @ FAR=1e-2 | {tar2:.4f} (cosine >= {t2:.3f}) |")
    print(f"| TAR @ FAR=1e-3 | {tar3:.4f} (cosine >= {t3:.3f}) |")
    print(
        f"| at shipped cosine {shipped:.3f} | {fa} false accepts, {fr} false rejects, "
        f"accuracy {1 - (fa + fr) / s.size:.4f} |"
    )
    return {"eer_cosine": eer_t}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testdata", type=Path, default=ROOT.parent / "shared" / "testdata")
    parser.add_argument(
        "--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR", ROOT.parent / "shared" / "models"))
    )
    parser.add_argument("--flip", action="store_true", help="average with the mirrored face")
    parser.add_argument("--plot", action="store_true", help="draw bench/out/roc.png")
    args = parser.parse_args()

    engine = load_default_engine(args.models, flip_average=args.flip)
    shipped = engine.config.match_mapping.cosine_for(engine.config.min_match_confidence)
    print(
        f"# face-match calibration (flip averaging: {args.flip}); shipped decision: "
        f"confidence >= {engine.config.min_match_confidence} <=> cosine >= {shipped:.3f}"
    )
    curves = {}
    for name in ("deepface_identities", "faceonnx_identities", "lfw_pairs"):
        folder = args.testdata / name
        if not (folder / "pairs.csv").is_file():
            print(f"\n## {name}: not present, skipped")
            continue
        with (folder / "pairs.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        folds = sorted({r["lfw_fold"] for r in rows}) if "lfw_fold" in rows[0] else [None]
        for fold in folds:
            subset = [r for r in rows if fold is None or r["lfw_fold"] == fold]
            label = name if fold is None else f"{name} fold {fold}"
            scores, labels, failed = pair_scores(engine, folder, subset)
            report(label, scores, labels, failed, shipped)
            curves[label] = (scores, labels)
        if len(folds) > 1:
            all_scores, all_labels = [], []
            for label, (s, lab) in curves.items():
                if label.startswith(name + " fold"):
                    all_scores += s
                    all_labels += lab
            report(f"{name} (all folds)", all_scores, all_labels, 0, shipped)
    if args.plot:
        try:
            import matplotlib
        except ImportError:
            print("\n--plot needs matplotlib: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
            return 1

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        fig, ax = plt.subplots(figsize=(6, 5))
        for label, (s, lab) in curves.items():
            arr, labs = np.asarray(s), np.asarray(lab)
            _, far, tar = roc(arr[labs], arr[~labs])
            ax.plot(np.maximum(far, 1e-4), tar, label=label)
        ax.set_xscale("log")
        ax.set_xlabel("FAR")
        ax.set_ylabel("TAR")
        ax.legend(fontsize=7)
        fig.savefig(out / "roc.png", dpi=120)
        print(f"\nROC written to {out / 'roc.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
