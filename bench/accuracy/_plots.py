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
        ax.hist(values, bins=bins, alpha=0.55, label=f"{label} ({values.size})")
    for label, value in thresholds.items():
        ax.axvline(value, linestyle="--", color="black", linewidth=1)
        ax.text(value, ax.get_ylim()[1] * 0.95, f" {label}", fontsize=7, va="top")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
