"""Multi-frame templates: k images of a person against one gallery image (the ID photo).

A live session sees many frames of the person; LFW identities with many images stand in for
them. For every identity with at least ``k_max + 1`` images, every image is the gallery photo
once, and ``draws`` random sets of k of the others make templates. Genuine scores: template vs
its own gallery image; impostor scores: template vs every image of every other identity. A
template is closer to every face, impostors too, so each method's FAR 1e-4 threshold is taken
from its own impostor scores, and FRR is read there (and at the single-image default threshold,
with the FAR that threshold then has).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from _gallery import Gallery

from liveness.embed import mean_template
from liveness.evaluation import Interval, bootstrap_rate, threshold_at_far

Method = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (unit embeddings k x d, weights k) -> template


def _weighted(embeddings: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mean = (embeddings * weights[:, None]).sum(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


METHODS: dict[str, tuple[Method, str]] = {
    "mean": (lambda e, w: mean_template(e), "mean of unit embeddings (shipped: liveness.embed.mean_template)"),
    "sharpness-weighted": (_weighted, "weighted by sharpness x frontalness (the live take's current weight)"),
}


@dataclass
class TemplateResult:
    method: str
    k: int
    templates: int
    identities: int
    threshold: float  # FAR 1e-4 on this method's own impostor scores
    frr: Interval
    far_at_single: float  # FAR at the single-image default threshold
    frr_at_single: float
    impostor: np.ndarray


def run(
    gallery: Gallery,
    single_threshold: float,
    *,
    ks: tuple[int, ...] = (1, 3, 5),
    draws: int = 10,
    target_far: float = 1e-4,
    n_boot: int = 1000,
    seed: int = 0,
) -> list[TemplateResult]:
    g = gallery.subset(gallery.found & (gallery.sets == "lfw_pairs"))
    e = g.embeddings.astype(np.float64)
    weights = g.sharpness * np.clip(1 - np.abs(g.yaw) / 1.2, 0.05, 1)
    names, counts = np.unique(g.identities, return_counts=True)
    eligible = names[counts >= max(ks) + 1]
    results = []
    for method, (build, _) in METHODS.items():
        for k in ks:
            rng = np.random.default_rng(seed + k)
            templates, gallery_idx, owners = [], [], []
            for name in eligible:
                members = np.flatnonzero(g.identities == name)
                for photo in members:
                    rest = members[members != photo]
                    for _ in range(draws):
                        chosen = rng.choice(rest, k, replace=False)
                        templates.append(build(e[chosen], weights[chosen]))
                        gallery_idx.append(photo)
                        owners.append(name)
            t = np.asarray(templates)
            own = np.asarray(owners)
            genuine = np.einsum("ij,ij->i", t, e[np.asarray(gallery_idx)])
            impostor = (t @ e.T)[own[:, None] != g.identities[None, :]]
            threshold = threshold_at_far(impostor, target_far)
            results.append(
                TemplateResult(
                    method=method,
                    k=k,
                    templates=len(t),
                    identities=len(eligible),
                    threshold=threshold,
                    frr=bootstrap_rate(genuine < threshold, own, own, n_boot=n_boot),
                    far_at_single=float((impostor >= single_threshold).mean()),
                    frr_at_single=float((genuine < single_threshold).mean()),
                    impostor=impostor,
                )
            )
    return results


def rows(results: list[TemplateResult]) -> list[list[str]]:
    return [
        [
            r.method,
            str(r.k),
            f"{r.templates} ({r.identities} people)",
            f"{r.threshold:.4f}",
            str(r.frr),
            f"{r.frr_at_single:.4f} (FAR there {r.far_at_single:.2g})",
        ]
        for r in results
    ]


HEADER = [
    "template",
    "k",
    "templates",
    "cosine at FAR 1e-4 (own impostors)",
    "FRR there [95% CI]",
    "FRR at the single-image default cosine",
]
