"""Error-rate metrics for face verification and presentation-attack detection (numpy only).

Shared by ``bench/accuracy`` and the accuracy tests, so a number in the docs, the model card
and CI is computed one way. Conventions:

* A verification score is a similarity: a pair is accepted when ``score >= threshold``.
  ``genuine`` holds same-person pairs, ``impostor`` different-person pairs.
* Presentation-attack detection follows ISO/IEC 30107-3: a presentation is classified *bona
  fide* when its score (P(real)) ``>= threshold``. APCER is the share of attack presentations
  classified bona fide, BPCER the share of bona fide presentations classified as attacks, and
  ACER their mean. With one attack species (printed photos, NUAA) APCER is that species' APCER;
  with several the standard takes the worst species, which :func:`pad_error_rates` does when
  given ``attack_species``.
* LFW two-fold protocol (View 2 has ten folds; we hold two): the threshold is chosen on one fold
  (the accuracy-maximising one) and accuracy is measured on the other, both ways; the reported
  figure is the mean of the held-out accuracies.
* Operating points are named by FAR targets; their thresholds are cross-validated over identities
  and their error rates carry bootstrap intervals that resample identities
  (:mod:`liveness._operating_points`, re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liveness._operating_points import (
    CrossValidatedPad,
    CrossValidatedPoint,
    Interval,
    bootstrap_rate,
    bootstrap_threshold_at_far,
    cross_validated_pad,
    cross_validated_threshold,
    fit_pad_threshold,
    identity_folds,
    resample_weights,
    threshold_at_far,
)

__all__ = [
    "CrossValidatedPad",
    "CrossValidatedPoint",
    "FoldResult",
    "Interval",
    "PadErrorRates",
    "RocCurve",
    "accuracy_at",
    "auc",
    "best_accuracy_threshold",
    "bootstrap_rate",
    "bootstrap_threshold_at_far",
    "cross_validated_pad",
    "cross_validated_threshold",
    "equal_error_rate",
    "fit_pad_threshold",
    "identity_folds",
    "pad_error_rates",
    "resample_weights",
    "roc_curve",
    "stratified_sample",
    "tar_at_far",
    "threshold_at_far",
    "two_fold_accuracy",
]


def _scores(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise ValueError("need at least one score")
    return array


@dataclass(frozen=True, slots=True)
class RocCurve:
    """Operating points, strictest first: accept when ``score >= thresholds[i]``."""

    thresholds: np.ndarray
    far: np.ndarray  # false accept rate: impostors accepted
    tar: np.ndarray  # true accept rate: genuine pairs accepted

    @property
    def frr(self) -> np.ndarray:
        return 1.0 - self.tar


def roc_curve(genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray) -> RocCurve:
    """Every distinct operating point, from accepting nothing (threshold +inf) to everything."""
    gen, imp = _scores(genuine), _scores(impostor)
    thresholds = np.unique(np.concatenate([gen, imp]))[::-1]
    thresholds = np.concatenate([[np.inf], thresholds])
    gen_sorted, imp_sorted = np.sort(gen), np.sort(imp)
    # count of scores >= t, vectorised: n - (number strictly below t)
    tar = (gen.size - np.searchsorted(gen_sorted, thresholds, side="left")) / gen.size
    far = (imp.size - np.searchsorted(imp_sorted, thresholds, side="left")) / imp.size
    return RocCurve(thresholds=thresholds, far=far, tar=tar)


def auc(genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray) -> float:
    """Area under the ROC: P(a genuine score > an impostor score), ties counting half."""
    gen, imp = _scores(genuine), _scores(impostor)
    imp_sorted = np.sort(imp)
    below = np.searchsorted(imp_sorted, gen, side="left")
    ties = np.searchsorted(imp_sorted, gen, side="right") - below
    return float((below.sum() + 0.5 * ties.sum()) / (gen.size * imp.size))


def equal_error_rate(
    genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray
) -> tuple[float, float]:
    """(EER, threshold): the operating point where FAR and FRR are closest; EER is their mean there."""
    curve = roc_curve(genuine, impostor)
    gap = np.abs(curve.far - curve.frr)
    i = int(np.argmin(gap))
    return float((curve.far[i] + curve.frr[i]) / 2), float(curve.thresholds[i])


def tar_at_far(
    genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray, far: float
) -> tuple[float, float]:
    """(TAR, threshold) at the most lenient operating point whose FAR is at most ``far``.

    With n impostor pairs FAR moves in steps of 1/n: below 1/n this is the point that accepts no
    impostor at all (the threshold just above the highest impostor score).
    """
    curve = roc_curve(genuine, impostor)
    i = int(np.flatnonzero(curve.far <= far)[-1])
    return float(curve.tar[i]), float(curve.thresholds[i])


def accuracy_at(
    genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray, threshold: float
) -> float:
    """Share of pairs decided correctly at ``threshold`` (accept when score >= threshold)."""
    gen, imp = _scores(genuine), _scores(impostor)
    correct = int((gen >= threshold).sum() + (imp < threshold).sum())
    return correct / (gen.size + imp.size)


def best_accuracy_threshold(
    genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray
) -> tuple[float, float]:
    """(accuracy, threshold) maximising accuracy on these pairs.

    The threshold is put midway between the two neighbouring distinct scores, not on a score,
    so it does not depend on which side a tie falls (the LFW protocol's usual choice).
    """
    gen, imp = _scores(genuine), _scores(impostor)
    values = np.unique(np.concatenate([gen, imp]))
    candidates = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    gen_sorted, imp_sorted = np.sort(gen), np.sort(imp)
    accepted_gen = gen.size - np.searchsorted(gen_sorted, candidates, side="left")
    rejected_imp = np.searchsorted(imp_sorted, candidates, side="left")
    accuracy = (accepted_gen + rejected_imp) / (gen.size + imp.size)
    # The strictest of equally good thresholds (candidates ascend): fewer false accepts on a tie.
    i = int(accuracy.size - 1 - np.argmax(accuracy[::-1]))
    return float(accuracy[i]), float(candidates[i])


@dataclass(frozen=True, slots=True)
class FoldResult:
    """One direction of the two-fold protocol: threshold from ``train``, accuracy on ``test``."""

    train: str
    test: str
    threshold: float
    train_accuracy: float
    test_accuracy: float


def two_fold_accuracy(
    folds: dict[str, tuple[np.ndarray, np.ndarray]],
) -> tuple[float, tuple[FoldResult, ...]]:
    """LFW-style held-out accuracy over exactly two folds ``{name: (genuine, impostor)}``.

    Returns the mean held-out accuracy and each direction's detail.
    """
    if len(folds) != 2:
        raise ValueError("two_fold_accuracy needs exactly two folds")
    (name_a, fold_a), (name_b, fold_b) = folds.items()
    results = []
    for (train_name, train), (test_name, test) in (
        ((name_a, fold_a), (name_b, fold_b)),
        ((name_b, fold_b), (name_a, fold_a)),
    ):
        train_acc, threshold = best_accuracy_threshold(*train)
        results.append(FoldResult(train_name, test_name, threshold, train_acc, accuracy_at(*test, threshold)))
    return float(np.mean([r.test_accuracy for r in results])), tuple(results)


@dataclass(frozen=True, slots=True)
class PadErrorRates:
    """ISO/IEC 30107-3 error rates at one threshold, with the counts behind them."""

    threshold: float
    apcer: float
    bpcer: float
    bona_fide: int
    attacks: int
    attacks_accepted: int
    bona_fide_rejected: int
    worst_species: str | None = None

    @property
    def acer(self) -> float:
        return (self.apcer + self.bpcer) / 2


def pad_error_rates(
    bona_fide_scores: Sequence[float] | np.ndarray,
    attack_scores: Sequence[float] | np.ndarray,
    threshold: float,
    *,
    attack_species: Sequence[str] | None = None,
) -> PadErrorRates:
    """APCER / BPCER / ACER for scores of P(bona fide); classified bona fide when ``>= threshold``.

    ``attack_species`` (one label per attack score) makes APCER the worst species' rate, as the
    standard defines APCER over species (APCER_PAIS = max over species).
    """
    real, attacks = _scores(bona_fide_scores), _scores(attack_scores)
    accepted = attacks >= threshold
    rejected = int((real < threshold).sum())
    apcer, worst = float(accepted.mean()), None
    if attack_species is not None:
        species = np.asarray(attack_species)
        if species.shape != attacks.shape:
            raise ValueError("attack_species needs one label per attack score")
        rates = {str(s): float(accepted[species == s].mean()) for s in np.unique(species)}
        worst = max(rates, key=lambda s: rates[s])
        apcer = rates[worst]
    return PadErrorRates(
        threshold=threshold,
        apcer=apcer,
        bpcer=rejected / real.size,
        bona_fide=int(real.size),
        attacks=int(attacks.size),
        attacks_accepted=int(accepted.sum()),
        bona_fide_rejected=rejected,
        worst_species=worst,
    )


def stratified_sample(groups: Sequence[object], per_group: int, *, seed: int = 0) -> list[int]:
    """Indices of up to ``per_group`` items from each distinct group, drawn reproducibly.

    Used for the CI-sized subsets: the same seed gives the same pairs on every machine. The
    result is sorted, so the subset keeps the source order.
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray([str(g) for g in groups])
    chosen: list[int] = []
    for group in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == group)
        chosen.extend(int(i) for i in rng.permutation(members)[:per_group])
    return sorted(chosen)
