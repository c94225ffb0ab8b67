"""Accuracy harness: every number of docs/MODEL_CARD.md, through the service's own engine.

    .venv/bin/python bench/accuracy [--quick] [--only faces,antispoof,smile,eyes] [--out DIR]

* faces: every image of the identity sets (LFW folds 1-2, deepface, FaceONNX) embedded once;
  every pair of them scored (1.28 million impostor pairs, ~2,000 genuine). FAR / FRR with
  bootstrap intervals over identities; the named operating points (``strict`` 1e-5, ``default``
  1e-4, ``lenient`` 1e-3) with thresholds cross-validated over k folds of identities; the
  FaceONNX look-alikes as a named hard-impostor set; the LFW two-fold protocol; the confidence
  knots (measured vs shipped in ``liveness/embed.py``); the quality gate's effect and a sweep of
  its limits; multi-frame templates (k = 1, 3, 5). ``roc_faces.png``, ``det_faces.png``,
  ``hist_faces.png``.
* antispoof: NUAA print attacks and the Silent-Face samples; thresholds cross-validated over
  subjects, APCER / BPCER (ISO/IEC 30107-3) with intervals. ``hist_antispoof.png``.
* smile: SMILEsmileD single frames; AUC and accuracy of the smile score. ``roc_smile.png``.
* eyes: EAR on the FaceONNX open / closed photos.

``--quick`` runs CI-sized subsets (the images of 200 LFW pairs, 60 NUAA images, 300 smiles,
fewer bootstrap resamples). Plots need matplotlib (``pip install -e '.[bench]'``). Not a test:
it measures. The research sets are read in place and never copied.
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

import _gallery  # noqa: E402
import _interactive  # noqa: E402
import _pad  # noqa: E402
import _templates  # noqa: E402
import _verification  # noqa: E402

from liveness import load_default_engine  # noqa: E402
from liveness.embed import TEMPLATE_MAPPING  # noqa: E402

SETS = ("faces", "antispoof", "smile", "eyes")


def print_table(title: str, rows: list[dict[str, str]]) -> None:
    print_grid(title, ["metric", "value"], [[row["metric"], row["value"]] for row in rows])


def print_grid(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


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
    parser.add_argument("--folds", type=int, default=5, help="k folds of identities for the operating points")
    parser.add_argument("--cache", type=Path, default=None, help="an .npz of the gallery embeddings, reused")
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
        faces(engine, args, plots)

    if "antispoof" in only:
        threshold = config.antispoof_threshold
        hist = {}
        for name, quick_n in (("nuaa_antispoof", 60), ("silentface_real_spoof", None)):
            folder = args.testdata / name
            if not (folder / "labels.csv").is_file():
                print(f"\n## {name}: not present, skipped")
                continue
            pad = _pad.score_set(engine, name, folder, quick_n if args.quick else None)
            print_table(f"{name} (anti-spoofing)", _pad.table(pad, threshold, (0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9)))
            if len(set(pad.real_subjects) | set(pad.attack_subjects)) > 2:
                rows = _pad.cross_validated(pad, 200 if args.quick else 1000)
                print_table(
                    f"{name}: thresholds cross-validated over subjects", [{"metric": k, "value": v} for k, v in rows]
                )
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


def faces(engine: object, args: argparse.Namespace, plots: bool) -> None:
    from liveness import LivenessEngine

    assert isinstance(engine, LivenessEngine)
    config = engine.config
    n_boot = 200 if args.quick else 1000
    gallery = _gallery.embed_gallery(engine, args.testdata, quick=args.quick, cache=args.cache)
    print(
        f"\ngallery: {len(gallery.files)} images, {int(gallery.found.sum())} with a face, "
        f"{len(set(gallery.identities.tolist()))} identities"
    )
    pairs = _verification.all_pairs(gallery)
    print_grid(
        "Face verification, every pair of the gallery", _verification.SUMMARY_HEADER, _verification.summary_rows(pairs)
    )
    points = _verification.operating_points(pairs, k=args.folds, n_boot=n_boot)
    print_grid(
        f"Operating points (thresholds cross-validated over {args.folds} folds of identities; "
        "intervals: bootstrap over identities, 95%)",
        _verification.OPERATING_POINT_HEADER,
        _verification.operating_point_rows(points, args.folds),
    )
    default = next(p for p in points if p.name == "default")
    shipped_default = config.match_mapping.cosine_for(config.min_match_confidence)
    print(f"\nshipped /face-match default: confidence {config.min_match_confidence} = cosine {shipped_default:.4f}")
    suspects = _verification.cross_set_suspects(pairs, default.threshold.estimate)
    print(f"cross-set impostor pairs above the default threshold (label clash?): {suspects or 'none'}")
    imp = pairs.scores[~pairs.genuine]
    knots = _verification.knot_rows("single image", imp, config.match_mapping)
    single = {p.name: p.threshold.estimate for p in points}
    lfw = _verification.lfw_protocol(gallery, args.testdata, single)
    print_grid(
        "LFW View 2 protocol (folds 1-2; threshold from one fold, accuracy on the other)", ["metric", "value"], lfw
    )
    print_grid(
        f"Quality gate at the default point (cosine {default.threshold.estimate:.4f})",
        ["metric", "value"],
        _verification.quality_gate_rows(pairs, gallery, default.threshold.estimate),
    )
    print_grid(
        "Quality gate limits, swept (genuine pairs; a limit earns its place where what it refuses was wrong)",
        _verification.GATE_SWEEP_HEADER,
        _verification.gate_sweep_rows(gallery, pairs, default.threshold.estimate),
    )
    templates = _templates.run(gallery, default.threshold.estimate, n_boot=n_boot, draws=3 if args.quick else 10)
    print_grid(
        "Multi-frame templates: k LFW images of a person against one other image of them (FRR at FAR 1e-4)",
        _templates.HEADER,
        _templates.rows(templates),
    )
    template_imp = next((t.impostor for t in templates if t.method == "mean" and t.k == 5), None)
    if template_imp is not None:
        knots += _verification.knot_rows("5-image template", template_imp, TEMPLATE_MAPPING)
    print_grid("Confidence scale knots: confidence = -log10(FAR) / 6", _verification.KNOT_HEADER, knots)
    if plots:
        import _plots

        gen = pairs.scores[pairs.genuine]
        lfw_only = (pairs.set_a == "lfw_pairs") & (pairs.set_b == "lfw_pairs")
        hard = (pairs.set_a == _verification.HARD_SET) & (pairs.set_b == _verification.HARD_SET)
        curves = {
            "all sets": (gen, imp),
            "LFW only": (pairs.scores[lfw_only & pairs.genuine], pairs.scores[lfw_only & ~pairs.genuine]),
        }
        mean5 = next((t for t in templates if t.method == "mean" and t.k == 5), None)
        print(f"\nwrote {_plots.roc_png(args.out / 'roc_faces.png', 'Face verification ROC (every pair)', curves)}")
        marks = {f"{p.name} (FAR {p.target_far:g})": (p.far.estimate, p.frr.estimate) for p in points}
        print(f"wrote {_plots.det_png(args.out / 'det_faces.png', 'Face verification DET', curves, marks)}")
        groups = {"genuine": gen, "impostor": imp, "look-alike impostors": pairs.scores[hard & ~pairs.genuine]}
        if mean5 is not None:
            groups["5-image template impostors"] = mean5.impostor
        lines = {p.name: p.threshold.estimate for p in points}
        hist = _plots.histogram_png(args.out / "hist_faces.png", "Cosine similarity per set", groups, lines, "cosine")
        print(f"wrote {hist}")


if __name__ == "__main__":
    raise SystemExit(main())
