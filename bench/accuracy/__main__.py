"""Accuracy harness: every labelled set in ../shared/testdata through the service's own engine.

One command prints a table per set (counts, metrics, thresholds) and writes the plots:

* face verification: LFW View 2 folds 1-2 (LFW two-fold protocol: threshold chosen on one fold,
  accuracy on the other, both ways), deepface and FaceONNX identity pairs; ROC AUC, EER, TAR at
  FAR 1e-2 / 1e-3, errors at the shipped operating points, and what the quality gate refuses;
  each for the plain embedding and the flip-averaged one. ``roc_faces.png``.
* anti-spoofing: NUAA print attacks and the Silent-Face samples; APCER / BPCER / ACER
  (ISO/IEC 30107-3) at the shipped threshold and around it. ``hist_antispoof.png``.
* smile: SMILEsmileD single frames; AUC and accuracy of the smile score. ``roc_smile.png``.
* eye state: EAR on the FaceONNX open / closed photos.

    .venv/bin/python bench/accuracy [--quick] [--only faces,antispoof,smile,eyes] [--out DIR]

``--quick`` runs the CI-sized subsets (200 LFW pairs, 60 NUAA images, 300 smiles); the full run
takes a few minutes on 2 cores. Plots need matplotlib (``pip install -e '.[bench]'``). Not a
test: it measures. The research sets are read in place and never copied.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import _faces  # noqa: E402
import _interactive  # noqa: E402
import _pad  # noqa: E402

from liveness import load_default_engine  # noqa: E402
from liveness.embed import MobileFaceNet  # noqa: E402
from liveness.models.store import ModelStore  # noqa: E402

SETS = ("faces", "antispoof", "smile", "eyes")


def print_table(title: str, rows: list[dict[str, str]]) -> None:
    print(f"\n## {title}\n")
    print("| metric | value |")
    print("|---|---|")
    for row in rows:
        print(f"| {row['metric']} | {row['value']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    shared = ROOT.parent / "shared"
    parser.add_argument(
        "--testdata", type=Path, default=Path(os.environ.get("LIVECRED_TESTDATA_DIR") or shared / "testdata")
    )
    parser.add_argument("--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR") or shared / "models"))
    parser.add_argument("--quick", action="store_true", help="CI-sized subsets")
    parser.add_argument("--only", default=",".join(SETS), help=f"comma-separated subset of {','.join(SETS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="where the PNGs go")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if only - set(SETS):
        parser.error(f"unknown sets: {', '.join(sorted(only - set(SETS)))}")
    plots = not args.no_plots
    if plots:
        try:
            import _plots
        except ImportError:  # pragma: no cover - depends on the extra
            print("plots need matplotlib: .venv/bin/pip install -e '.[bench]' (or pass --no-plots)", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)

    engine = load_default_engine(args.models)
    config = engine.config
    print(f"# livecred accuracy ({'quick subsets' if args.quick else 'full sets'}); testdata {args.testdata}")
    started = time.perf_counter()

    if "faces" in only:
        flip = MobileFaceNet(ModelStore(args.models).read_verified("mobilefacenet"), flip_average=True)
        mapping = config.match_mapping
        points = {
            f"confidence {config.min_match_confidence} (/face-match)": mapping.cosine_for(config.min_match_confidence),
            f"confidence {config.min_same_person_confidence} (/verify)": mapping.cosine_for(
                config.min_same_person_confidence
            ),
            "confidence 0.3 (LFW-calibrated)": mapping.cosine_for(0.3),
        }
        print(f"\nshipped: {', '.join(f'{k} = cosine >= {v:.3f}' for k, v in points.items())}")
        curves = {}
        for name, quick_n in (("lfw_pairs", 200), ("deepface_identities", None), ("faceonnx_identities", None)):
            folder = args.testdata / name
            if not (folder / "pairs.csv").is_file():
                print(f"\n## {name}: not present, skipped")
                continue
            rows = _faces.read_pairs(folder)
            if args.quick and quick_n:
                rows = _faces.quick_pairs(rows, quick_n)
            pairs = _faces.score_pairs(engine, flip, name, folder, rows)
            for use_flip in (False, True):
                label = f"{name}, {'flip-averaged' if use_flip else 'plain'} embedding"
                print_table(label, _faces.table(pairs, points, flip=use_flip))
                s = pairs.scores(use_flip)
                curves[label] = (s[pairs.same], s[~pairs.same])
            print(f"\nquality gate reasons per image ({name}): {pairs.reasons or 'none'}")
        if plots and curves:
            print(f"\nwrote {_plots.roc_png(args.out / 'roc_faces.png', 'Face verification ROC', curves)}")

    if "antispoof" in only:
        threshold = config.antispoof_threshold
        hist = {}
        for name, quick_n in (("nuaa_antispoof", 60), ("silentface_real_spoof", None)):
            folder = args.testdata / name
            if not (folder / "labels.csv").is_file():
                print(f"\n## {name}: not present, skipped")
                continue
            pad = _pad.score_set(engine, name, folder, quick_n if args.quick else None)
            print_table(f"{name} (anti-spoofing)", _pad.table(pad, threshold, (0.3, 0.5, 0.6, 0.7, 0.8, 0.9)))
            hist[f"{name} bona fide"] = pad.real
            hist[f"{name} attack"] = pad.attack
        if plots and hist:
            path = _plots.histogram_png(
                args.out / "hist_antispoof.png", "Anti-spoofing scores", hist, {"shipped": threshold}, "P(real)"
            )
            print(f"\nwrote {path}")

    if "smile" in only and engine.interactive.landmarker is not None:
        folder = args.testdata / "smile_smilesmiled"
        if (folder / "labels.csv").is_file():
            smiles = _interactive.score_smiles(engine, folder, 300 if args.quick else None)
            print_table(
                "smile_smilesmiled (single-frame smile)", _interactive.smile_table(smiles, config.smile_threshold)
            )
            if plots:
                curves = {"smile score": (smiles.smiling, smiles.neutral)}
                print(f"\nwrote {_plots.roc_png(args.out / 'roc_smile.png', 'Smile score ROC (SMILEsmileD)', curves)}")

    if "eyes" in only and engine.interactive.landmarker is not None:
        folder = args.testdata / "faceonnx_eye_state"
        if (folder / "labels.csv").is_file():
            print_table("faceonnx_eye_state (eye aspect ratio)", _interactive.eye_table(engine, folder))

    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
