"""ROC curves and score histograms to PNG (matplotlib, the ``bench`` extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from liveness.evaluation import roc_curve


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def roc_png(path: Path, title: str, curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """One ROC per entry ``{label: (positive scores, negative scores)}``, FAR on a log axis."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    for label, (pos, neg) in curves.items():
        curve = roc_curve(pos, neg)
        floor = 0.5 / max(neg.size, 1)  # FAR 0 drawn at half a step, so the log axis keeps it
        ax.step(np.maximum(curve.far, floor), curve.tar, where="post", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("false accept rate")
    ax.set_ylabel("true accept rate")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def histogram_png(
    path: Path, title: str, groups: dict[str, np.ndarray], thresholds: dict[str, float], xlabel: str
) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    lo = min(float(g.min()) for g in groups.values())
    hi = max(float(g.max()) for g in groups.values())
    bins = np.linspace(lo, hi, 41)
    for label, values in groups.items():
        # density: the sets differ in size by orders of magnitude (1.3 million impostor pairs)
        ax.hist(values, bins=bins, alpha=0.55, density=True, label=f"{label} ({values.size})")
    for label, value in thresholds.items():
        ax.axvline(value, linestyle="--", color="black", linewidth=1)
        ax.text(value, ax.get_ylim()[1] * 0.95, f" {label}", fontsize=7, va="top")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def det_png(
    path: Path,
    title: str,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    points: dict[str, tuple[float, float]],
) -> Path:
    """DET: FRR against FAR on normal-deviate axes; ``points`` {label: (FAR, FRR)} are marked."""
    from statistics import NormalDist

    probit = np.vectorize(NormalDist().inv_cdf)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    lo, hi = 1e-6, 0.5
    for label, (pos, neg) in curves.items():
        curve = roc_curve(pos, neg)
        far = np.clip(curve.far, lo, hi)
        frr = np.clip(curve.frr, lo, hi)
        ax.plot(probit(far), probit(frr), label=label)
    for label, (far, frr) in points.items():
        x, y = probit(np.clip(far, lo, hi)), probit(np.clip(frr, lo, hi))
        ax.plot([x], [y], "o", color="black", markersize=4)
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ticks = np.array([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5])
    ax.set_xticks(probit(ticks), [f"{t:g}" for t in ticks], fontsize=7)
    ax.set_yticks(probit(ticks), [f"{t:g}" for t in ticks], fontsize=7)
    ax.set_xlabel("false accept rate")
    ax.set_ylabel("false reject rate")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
