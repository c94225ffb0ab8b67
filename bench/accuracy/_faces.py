"""Face verification sets: embeddings of every image once, then pair scores and metrics."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liveness import LivenessEngine
from liveness.embed import FaceEmbedder, cosine_similarity
from liveness.evaluation import (
    accuracy_at,
    auc,
    equal_error_rate,
    stratified_sample,
    tar_at_far,
    two_fold_accuracy,
)
from liveness.images import ImageLimits, decode_image_bytes
from liveness.quality import QualityResult

NO_FACE = -1.0  # a pair with no face found scores below every real pair: a (false) reject


@dataclass
class Embedded:
    plain: np.ndarray | None
    flip: np.ndarray | None
    quality: QualityResult | None


@dataclass
class PairSet:
    """Scores of one labelled pair set, for the plain and the flip-averaged embedding."""

    name: str
    same: np.ndarray
    folds: np.ndarray
    plain: np.ndarray
    flip: np.ndarray
    gated_out: np.ndarray  # either face failed the quality gate (or was not found)
    no_face: int
    reasons: dict[str, int] = field(default_factory=dict)

    def scores(self, flip: bool) -> np.ndarray:
        return self.flip if flip else self.plain


def read_pairs(folder: Path) -> list[dict[str, str]]:
    with (folder / "pairs.csv").open() as fh:
        return list(csv.DictReader(fh))


def quick_pairs(rows: list[dict[str, str]], total: int) -> list[dict[str, str]]:
    """``total`` pairs, the same number from each (fold, same/different) group."""
    groups = [(r.get("lfw_fold", "0"), r["same_person"]) for r in rows]
    per_group = max(1, total // len(set(groups)))
    return [rows[i] for i in stratified_sample(groups, per_group)]


def score_pairs(
    engine: LivenessEngine, flip_embedder: FaceEmbedder, name: str, folder: Path, rows: list[dict[str, str]]
) -> PairSet:
    limits = ImageLimits()
    cache: dict[str, Embedded] = {}

    def embedded(file: str) -> Embedded:
        if file not in cache:
            image = decode_image_bytes((folder / file).read_bytes(), limits)
            face = engine.images.detect(image).largest
            if face is None:
                cache[file] = Embedded(None, None, None)
            else:
                cache[file] = Embedded(
                    engine.images.embedder.embed(image, face),
                    flip_embedder.embed(image, face),
                    engine.images.assess_quality(image, face),
                )
        return cache[file]

    plain, flip, gated, same, folds = [], [], [], [], []
    no_face = 0
    for row in rows:
        a, b = embedded(row["file_x"]), embedded(row["file_y"])
        if a.plain is None or b.plain is None or a.flip is None or b.flip is None:
            no_face += 1
            plain.append(NO_FACE)
            flip.append(NO_FACE)
            gated.append(True)
        else:
            plain.append(cosine_similarity(a.plain, b.plain))
            flip.append(cosine_similarity(a.flip, b.flip))
            gated.append(
                not (a.quality is not None and a.quality.passed and b.quality is not None and b.quality.passed)
            )
        same.append(row["same_person"] == "yes")
        folds.append(row.get("lfw_fold", "all"))
    reasons: dict[str, int] = {}
    for entry in cache.values():
        for reason in entry.quality.reasons if entry.quality else ("no_face",):
            reasons[reason] = reasons.get(reason, 0) + 1
    return PairSet(
        name=name,
        same=np.asarray(same),
        folds=np.asarray(folds),
        plain=np.asarray(plain),
        flip=np.asarray(flip),
        gated_out=np.asarray(gated),
        no_face=no_face,
        reasons=reasons,
    )


def _errors(gen: np.ndarray, imp: np.ndarray, threshold: float) -> str:
    fa, fr = int((imp >= threshold).sum()), int((gen < threshold).sum())
    return f"{accuracy_at(gen, imp, threshold):.4f} ({fa} FA, {fr} FR)"


def table(pairs: PairSet, operating_points: dict[str, float], *, flip: bool) -> list[dict[str, str]]:
    """One row per metric: the set's pair counts, ROC summary, and errors at the shipped points."""
    s = pairs.scores(flip)
    gen, imp = s[pairs.same], s[~pairs.same]
    eer, eer_t = equal_error_rate(gen, imp)
    tar2, t2 = tar_at_far(gen, imp, 1e-2)
    tar3, t3 = tar_at_far(gen, imp, 1e-3)
    rows = [
        ("pairs (genuine / impostor)", f"{gen.size} / {imp.size}; {pairs.no_face} with no face found"),
        ("genuine cosine min / mean", f"{gen.min():.3f} / {gen.mean():.3f}"),
        ("impostor cosine max / mean", f"{imp.max():.3f} / {imp.mean():.3f}"),
        ("ROC AUC", f"{auc(gen, imp):.4f}"),
        ("EER (at cosine)", f"{eer:.4f} ({eer_t:.3f})"),
        ("TAR @ FAR 1e-2 (cosine)", f"{tar2:.4f} ({t2:.3f})"),
        ("TAR @ FAR 1e-3 (cosine)", f"{tar3:.4f} ({t3:.3f})"),
    ]
    if len(set(pairs.folds.tolist())) == 2:
        folds = {
            f: (s[(pairs.folds == f) & pairs.same], s[(pairs.folds == f) & ~pairs.same])
            for f in sorted(set(pairs.folds.tolist()))
        }
        held_out, detail = two_fold_accuracy(folds)
        where = ", ".join(f"{d.train}->{d.test} {d.test_accuracy:.4f} at {d.threshold:.3f}" for d in detail)
        rows.append(("two-fold held-out accuracy", f"{held_out:.4f} ({where})"))
    for label, cosine in operating_points.items():
        rows.append((f"accuracy at {label} (cosine {cosine:.3f})", _errors(gen, imp, cosine)))
    kept = ~pairs.gated_out
    if kept.sum() < s.size:
        gen_k, imp_k = s[kept & pairs.same], s[kept & ~pairs.same]
        label, cosine = next(iter(operating_points.items()))
        rows.append(
            (
                "quality gate",
                f"{int((~kept).sum())} pairs refused; {label} on the rest: "
                + (_errors(gen_k, imp_k, cosine) if gen_k.size and imp_k.size else "n/a"),
            )
        )
    return [{"metric": k, "value": v} for k, v in rows]
