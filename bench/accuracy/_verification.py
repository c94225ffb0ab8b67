"""Face verification on all pairs of the gallery: FAR / FRR with intervals, cross-validated
operating points, the look-alike set, the LFW protocol, the confidence knots, the quality gate."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _gallery import Gallery

from liveness.embed import (
    _KNOT_CONFIDENCES,
    OPERATING_POINTS,
    ConfidenceMapping,
    confidence_for_far,
)
from liveness.evaluation import (
    CrossValidatedPoint,
    Interval,
    accuracy_at,
    auc,
    bootstrap_rate,
    bootstrap_threshold_at_far,
    cross_validated_threshold,
    equal_error_rate,
    identity_folds,
    threshold_at_far,
    two_fold_accuracy,
)

HARD_SET = "faceonnx_identities"  # two look-alike actresses: the named hard-impostor set


@dataclass
class Pairs:
    """Every unordered pair of gallery images with a face: score, identities, sets, gate verdict."""

    scores: np.ndarray
    id_a: np.ndarray
    id_b: np.ndarray
    set_a: np.ndarray
    set_b: np.ndarray
    gated: np.ndarray  # either image fails the quality gate

    @property
    def genuine(self) -> np.ndarray:
        return self.id_a == self.id_b


def all_pairs(gallery: Gallery) -> Pairs:
    g = gallery.subset(gallery.found)
    i, j = np.triu_indices(len(g.files), 1)
    scores = (g.embeddings @ g.embeddings.T)[i, j]
    return Pairs(
        scores=scores.astype(np.float64),
        id_a=g.identities[i],
        id_b=g.identities[j],
        set_a=g.sets[i],
        set_b=g.sets[j],
        gated=~(g.quality_passed[i] & g.quality_passed[j]),
    )


@dataclass
class OperatingPoint:
    name: str
    target_far: float
    confidence: float
    threshold: Interval
    far: Interval
    frr: Interval
    cv: CrossValidatedPoint
    cv_far: Interval
    cv_frr: Interval
    hard_accepted: int
    hard_impostors: int


def operating_points(pairs: Pairs, *, k: int, n_boot: int) -> list[OperatingPoint]:
    gen, imp = pairs.genuine, ~pairs.genuine
    folds = identity_folds(np.concatenate([pairs.id_a, pairs.id_b]), k)
    hard = imp & (pairs.set_a == HARD_SET) & (pairs.set_b == HARD_SET)
    out = []
    for name, far in sorted(OPERATING_POINTS.items(), key=lambda item: -item[1]):
        t = bootstrap_threshold_at_far(pairs.scores[imp], pairs.id_a[imp], pairs.id_b[imp], far, n_boot=n_boot // 2)
        accepted = pairs.scores >= t.estimate
        cv = cross_validated_threshold(pairs.scores, pairs.id_a, pairs.id_b, far, folds)
        tg, ti = cv.tested & gen, cv.tested & imp
        out.append(
            OperatingPoint(
                name=name,
                target_far=far,
                confidence=confidence_for_far(far),
                threshold=t,
                far=bootstrap_rate(accepted[imp], pairs.id_a[imp], pairs.id_b[imp], n_boot=n_boot),
                frr=bootstrap_rate(~accepted[gen], pairs.id_a[gen], pairs.id_b[gen], n_boot=n_boot),
                cv=cv,
                cv_far=bootstrap_rate(cv.errors[ti], pairs.id_a[ti], pairs.id_b[ti], n_boot=n_boot),
                cv_frr=bootstrap_rate(cv.errors[tg], pairs.id_a[tg], pairs.id_b[tg], n_boot=n_boot),
                hard_accepted=int(accepted[hard].sum()),
                hard_impostors=int(hard.sum()),
            )
        )
    return out


def operating_point_rows(points: list[OperatingPoint], k: int) -> list[list[str]]:
    rows = []
    for p in points:
        cv = p.cv
        rows.append(
            [
                p.name,
                f"{p.target_far:g}",
                f"{p.confidence:.4f}",
                str(p.threshold),
                str(p.far),
                str(p.frr),
                ", ".join(f"{t:.3f}" for t in cv.thresholds),
                f"{cv_rate(cv.impostors_accepted, cv.impostors_tested, p.cv_far)}",
                f"{cv_rate(cv.genuine_rejected, cv.genuine_tested, p.cv_frr)}",
                f"{p.hard_accepted}/{p.hard_impostors}",
            ]
        )
    return rows


def cv_rate(errors: int, n: int, interval: Interval) -> str:
    return f"{interval} ({errors}/{n})"


OPERATING_POINT_HEADER = [
    "point",
    "target FAR",
    "confidence",
    "cosine threshold [95% CI]",
    "FAR at it [CI]",
    "FRR at it [CI]",
    "CV fold thresholds",
    "CV held-out FAR [CI] (errors/pairs)",
    "CV held-out FRR [CI]",
    "look-alikes accepted",
]


def measured_knots(impostor: np.ndarray) -> tuple[float, ...]:
    """The cosine at every half decade of FAR, as stored in ConfidenceMapping."""
    return tuple(round(threshold_at_far(impostor, 10 ** (-6 * c)), 4) for c in _KNOT_CONFIDENCES)


def knot_rows(label: str, impostor: np.ndarray, shipped: ConfidenceMapping) -> list[list[str]]:
    measured = measured_knots(impostor)
    rows = []
    for c, cos, ship in zip(_KNOT_CONFIDENCES, measured, shipped.cosines[1:-1], strict=True):
        achieved = float((impostor >= ship).mean())
        rows.append([label, f"{c:.4f}", f"{10 ** (-6 * c):.2g}", f"{cos:.4f}", f"{ship:.4f}", f"{achieved:.3g}"])
    return rows


KNOT_HEADER = ["scale", "confidence", "FAR it stands for", "measured cosine", "shipped knot", "FAR at shipped knot"]


def summary_rows(pairs: Pairs) -> list[list[str]]:
    rows = []
    for label, keep in (
        ("all sets", np.ones(pairs.scores.size, dtype=bool)),
        ("LFW only", (pairs.set_a == "lfw_pairs") & (pairs.set_b == "lfw_pairs")),
        ("look-alikes (FaceONNX)", (pairs.set_a == HARD_SET) & (pairs.set_b == HARD_SET)),
        ("deepface", (pairs.set_a == "deepface_identities") & (pairs.set_b == "deepface_identities")),
    ):
        s, g = pairs.scores[keep], pairs.genuine[keep]
        if not g.any() or g.all():
            continue
        eer, at = equal_error_rate(s[g], s[~g])
        rows.append(
            [
                label,
                f"{int(g.sum())} / {int((~g).sum())}",
                f"{auc(s[g], s[~g]):.4f}",
                f"{eer:.4f} ({at:.3f})",
                f"{s[g].min():.3f} / {np.median(s[g]):.3f}",
                f"{s[~g].max():.3f} / {np.median(s[~g]):.3f}",
            ]
        )
    return rows


SUMMARY_HEADER = [
    "pairs",
    "genuine / impostor",
    "AUC",
    "EER (at cosine)",
    "genuine min / median",
    "impostor max / median",
]


def cross_set_suspects(pairs: Pairs, threshold: float) -> list[str]:
    """Cross-set impostor pairs above ``threshold``: a possible label clash between sets."""
    cross = (pairs.set_a != pairs.set_b) & ~pairs.genuine & (pairs.scores >= threshold)
    return [
        f"{a} ~ {b}: {s:.3f}" for a, b, s in zip(pairs.id_a[cross], pairs.id_b[cross], pairs.scores[cross], strict=True)
    ]


def lfw_protocol(gallery: Gallery, testdata: Path, thresholds: dict[str, float]) -> list[list[str]]:
    """LFW View 2 pairs.csv, two folds: threshold fitted on one fold, accuracy on the other."""
    path = testdata / "lfw_pairs" / "pairs.csv"
    index = gallery.index()
    with path.open() as fh:
        rows = [
            r for r in csv.DictReader(fh) if f"lfw_pairs/{r['file_x']}" in index and f"lfw_pairs/{r['file_y']}" in index
        ]
    e = gallery.embeddings
    scores, same, folds = [], [], []
    for r in rows:
        a, b = index[f"lfw_pairs/{r['file_x']}"], index[f"lfw_pairs/{r['file_y']}"]
        scores.append(float(e[a] @ e[b]) if gallery.found[a] and gallery.found[b] else -1.0)
        same.append(r["same_person"] == "yes")
        folds.append(r["lfw_fold"])
    s, g, f = np.asarray(scores), np.asarray(same), np.asarray(folds)
    held_out, detail = two_fold_accuracy({k: (s[g & (f == k)], s[~g & (f == k)]) for k in sorted(set(folds))})
    # Interval: the pairs of each fold are scored at the other fold's threshold; resample pairs.
    correct = np.zeros(s.size, dtype=bool)
    for d in detail:
        test = f == d.test
        correct[test] = np.where(g[test], s[test] >= d.threshold, s[test] < d.threshold)
    ci = bootstrap_rate(correct, np.arange(s.size).astype(str), np.arange(s.size).astype(str))
    out = [
        [
            "two-fold held-out accuracy [CI]",
            f"{held_out:.4f} [{ci.low:.4f}, {ci.high:.4f}] ("
            + ", ".join(f"{d.train}->{d.test} {d.test_accuracy:.4f} at cosine {d.threshold:.3f}" for d in detail)
            + ")",
        ],
        ["pairs (same / different)", f"{int(g.sum())} / {int((~g).sum())}"],
    ]
    for name, t in thresholds.items():
        fa, fr = int((s[~g] >= t).sum()), int((s[g] < t).sum())
        out.append([f"accuracy at {name} (cosine {t:.3f})", f"{accuracy_at(s[g], s[~g], t):.4f} ({fa} FA, {fr} FR)"])
    return out


def quality_gate_rows(pairs: Pairs, gallery: Gallery, threshold: float) -> list[list[str]]:
    """What the shipped gate refuses at the default point, and a sweep of the sharpness limit."""
    gen = pairs.genuine
    wrong = np.where(gen, pairs.scores < threshold, pairs.scores >= threshold)
    refused = pairs.gated
    rows = [
        [
            "images refused (of images with a face)",
            f"{int((~gallery.quality_passed & gallery.found).sum())} of {int(gallery.found.sum())}",
        ],
        [
            "genuine pairs refused",
            f"{int((refused & gen).sum())} of {int(gen.sum())} ({(refused & gen).mean() / max(gen.mean(), 1e-12):.4f})",
        ],
        ["impostor pairs refused", f"{int((refused & ~gen).sum())} of {int((~gen).sum())}"],
        [
            "errors at default among refused pairs (would-be FR / FA)",
            f"{int((refused & wrong & gen).sum())} / {int((refused & wrong & ~gen).sum())}",
        ],
        [
            "error rate: refused genuine vs kept genuine (FRR)",
            f"{_share(wrong, refused & gen)} vs {_share(wrong, ~refused & gen)}",
        ],
        [
            "error rate: refused impostor vs kept impostor (FAR)",
            f"{_share(wrong, refused & ~gen)} vs {_share(wrong, ~refused & ~gen)}",
        ],
    ]
    return rows


def _share(flags: np.ndarray, mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{flags[mask].mean():.4f} ({int(flags[mask].sum())}/{n})" if n else "n/a (0 pairs)"


def gate_sweep_rows(gallery: Gallery, pairs: Pairs, threshold: float) -> list[list[str]]:
    """For each measure, the genuine pairs a stricter limit would refuse and how many were wrong.

    The gate earns its place where the pairs it refuses would mostly have been false rejects
    (or accepts): "would-be wrong share" well above the base FRR.
    """
    g = gallery.subset(gallery.found)
    i, j = np.triu_indices(len(g.files), 1)
    gen = pairs.genuine
    wrong = pairs.scores < threshold
    base = wrong[gen].mean()
    rows = []
    for label, values, limits, below in (
        ("sharpness >=", g.sharpness, (15, 25, 40, 60, 80), True),
        ("eye distance px >=", g.inter_ocular, (15, 25, 30, 35), True),
        ("|yaw| <=", np.abs(g.yaw), (0.6, 0.45, 0.35, 0.25), False),
    ):
        for limit in limits:
            bad = values < limit if below else values > limit
            refused = (bad[i] | bad[j]) & gen
            n = int(refused.sum())
            share = f"{wrong[refused].mean():.3f}" if n else "n/a"
            rows.append(
                [f"{label} {limit:g}", f"{n} of {int(gen.sum())}", f"{int(wrong[refused].sum())}", share, f"{base:.3f}"]
            )
    return rows


GATE_SWEEP_HEADER = ["limit", "genuine pairs refused", "of them would-be FR", "would-be wrong share", "base FRR"]
