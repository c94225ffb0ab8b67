"""Thresholds from error-rate targets, cross-validated over identities, with bootstrap intervals.

Re-exported by :mod:`liveness.evaluation`. Why each piece exists:

* :func:`threshold_at_far` turns a FAR target into a threshold on measured impostor scores.
* :func:`cross_validated_threshold` chooses that threshold on some people and measures it on
  others (k folds of identities), so no threshold is judged on the people it was fitted to.
* :func:`bootstrap_rate` and :func:`bootstrap_threshold_at_far` give intervals by resampling
  *identities*, not pairs: the pairs of one person are not independent (one odd photo of
  them spoils every pair it is in), and resampling pairs would make the intervals too narrow.
  In a resample an identity drawn m times weighs m in its genuine pairs and m x m' in its
  impostor pairs with an identity drawn m' times (:func:`resample_weights`).
* :func:`fit_pad_threshold` and :func:`cross_validated_pad` do the same for anti-spoofing,
  with subjects for identities (ISO/IEC 30107-3 rates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CrossValidatedPad",
    "CrossValidatedPoint",
    "Interval",
    "bootstrap_rate",
    "bootstrap_threshold_at_far",
    "cross_validated_pad",
    "cross_validated_threshold",
    "fit_pad_threshold",
    "identity_folds",
    "resample_weights",
    "threshold_at_far",
]

Labels = Sequence[str] | np.ndarray


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate and its (percentile bootstrap) confidence interval."""

    estimate: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.estimate:.4g} [{self.low:.4g}, {self.high:.4g}]"


def threshold_at_far(impostor: Sequence[float] | np.ndarray, far: float) -> float:
    """The lowest threshold accepting at most ``floor(far x n)`` of these impostor scores.

    Accept when ``score >= threshold``. The threshold lies midway between the lowest accepted
    score and the highest rejected one, so it does not sit on a measured score; when no impostor
    may be accepted it lies just above the highest.
    """
    scores = np.sort(np.asarray(impostor, dtype=np.float64).reshape(-1))[::-1]
    if scores.size == 0:
        raise ValueError("need at least one impostor score")
    allowed = int(np.floor(far * scores.size + 1e-9))
    if allowed >= scores.size:
        return float(scores[-1])
    rejected = scores[allowed]  # the highest score that must be rejected
    accepted = scores[:allowed][scores[:allowed] > rejected]
    if accepted.size == 0:
        return float(np.nextafter(rejected, np.inf))
    return float((accepted[-1] + rejected) / 2)


def identity_folds(identities: Labels, k: int, *, seed: int = 0) -> dict[str, int]:
    """Each distinct identity to one of ``k`` folds: shuffled reproducibly, then dealt in turn."""
    names = sorted({str(i) for i in identities})
    if not 2 <= k <= len(names):
        raise ValueError("need 2 <= k <= number of identities")
    order = np.random.default_rng(seed).permutation(len(names))
    return {names[j]: position % k for position, j in enumerate(order)}


@dataclass(frozen=True, slots=True)
class CrossValidatedPoint:
    """A FAR target's threshold fitted on k-1 folds of identities and tested on the held-out one.

    ``far`` and ``frr`` pool the held-out errors of all folds. A fold's test pairs are those with
    both identities in it; its training pairs those with neither (pairs across the held-out fold
    and the others are used by no fold's test). ``tested`` / ``errors`` mark each input pair.
    """

    target_far: float
    thresholds: tuple[float, ...]
    far: float
    frr: float
    impostors_accepted: int
    impostors_tested: int
    genuine_rejected: int
    genuine_tested: int
    tested: np.ndarray
    errors: np.ndarray


def cross_validated_threshold(
    scores: Sequence[float] | np.ndarray, id_a: Labels, id_b: Labels, target_far: float, folds: Mapping[str, int]
) -> CrossValidatedPoint:
    """Cross-validate :func:`threshold_at_far` over identities (``folds``: identity -> fold).

    A pair is genuine when ``id_a == id_b``.
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    fa = np.asarray([folds[str(i)] for i in id_a])
    fb = np.asarray([folds[str(i)] for i in id_b])
    genuine = np.asarray(id_a) == np.asarray(id_b)
    tested = np.zeros(s.size, dtype=bool)
    errors = np.zeros(s.size, dtype=bool)
    thresholds = []
    for fold in sorted(set(folds.values())):
        train = (fa != fold) & (fb != fold) & ~genuine
        test = (fa == fold) & (fb == fold)
        threshold = threshold_at_far(s[train], target_far)
        thresholds.append(threshold)
        tested |= test
        errors[test] = np.where(genuine[test], s[test] < threshold, s[test] >= threshold)
    imp_t, gen_t = tested & ~genuine, tested & genuine
    return CrossValidatedPoint(
        target_far=target_far,
        thresholds=tuple(thresholds),
        far=float(errors[imp_t].mean()) if imp_t.any() else 0.0,
        frr=float(errors[gen_t].mean()) if gen_t.any() else 0.0,
        impostors_accepted=int(errors[imp_t].sum()),
        impostors_tested=int(imp_t.sum()),
        genuine_rejected=int(errors[gen_t].sum()),
        genuine_tested=int(gen_t.sum()),
        tested=tested,
        errors=errors,
    )


def resample_weights(codes_a: np.ndarray, codes_b: np.ndarray, multiplicity: np.ndarray) -> np.ndarray:
    """Weight of each pair in a resample where identity ``i`` was drawn ``multiplicity[i]`` times:
    ``m[a]`` for a genuine pair (``a == b``), ``m[a] x m[b]`` for an impostor pair."""
    ma, mb = multiplicity[codes_a], multiplicity[codes_b]
    weights: np.ndarray = np.where(codes_a == codes_b, ma, ma * mb).astype(np.float64)
    return weights


def _codes(id_a: Labels, id_b: Labels) -> tuple[np.ndarray, np.ndarray, int]:
    names, inverse = np.unique(
        np.concatenate([np.asarray(id_a, dtype=str), np.asarray(id_b, dtype=str)]), return_inverse=True
    )
    n = len(inverse) // 2
    return inverse[:n], inverse[n:], len(names)


def _percentiles(samples: list[float], level: float) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_rate(
    errors: Sequence[bool] | np.ndarray,
    id_a: Labels,
    id_b: Labels,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """The error rate over these pairs and its interval from resampling identities."""
    err = np.asarray(errors, dtype=bool).reshape(-1)
    if err.size == 0:
        raise ValueError("need at least one pair")
    a, b, n_ids = _codes(id_a, id_b)
    # Aggregate per identity pair once: the resamples then touch each distinct pair, not each pair.
    key = a.astype(np.int64) * n_ids + b
    unique, inverse = np.unique(key, return_inverse=True)
    totals = np.bincount(inverse).astype(np.float64)
    wrong = np.bincount(inverse, weights=err.astype(np.float64))
    ua, ub = unique // n_ids, unique % n_ids
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_boot):
        m = np.bincount(rng.integers(0, n_ids, n_ids), minlength=n_ids)
        w = resample_weights(ua, ub, m)
        total = float(w @ totals)
        samples.append(float(w @ wrong) / total if total > 0 else np.nan)
    return Interval(float(err.mean()), *_percentiles(samples, level))


def bootstrap_threshold_at_far(
    impostor: Sequence[float] | np.ndarray,
    id_a: Labels,
    id_b: Labels,
    far: float,
    *,
    n_boot: int = 500,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """:func:`threshold_at_far` and its interval from resampling identities (weighted pairs)."""
    s = np.asarray(impostor, dtype=np.float64).reshape(-1)
    a, b, n_ids = _codes(id_a, id_b)
    order = np.argsort(-s, kind="stable")
    s, a, b = s[order], a[order], b[order]
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_boot):
        w = resample_weights(a, b, np.bincount(rng.integers(0, n_ids, n_ids), minlength=n_ids))
        allowed = far * float(w.sum())
        over = np.flatnonzero(np.cumsum(w) > allowed + 1e-9)
        if over.size == 0:
            continue
        j = int(over[0])  # the highest-scoring pair that must be rejected
        accepted = s[:j][(w[:j] > 0) & (s[:j] > s[j])]
        samples.append(float((accepted[-1] + s[j]) / 2) if accepted.size else float(np.nextafter(s[j], np.inf)))
    return Interval(threshold_at_far(s, far), *_percentiles(samples, level))


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    log_odds: np.ndarray = np.log(q / (1 - q))
    return log_odds


def fit_pad_threshold(
    bona_fide: Sequence[float] | np.ndarray,
    attacks: Sequence[float] | np.ndarray,
    *,
    max_apcer: float = 0.01,
    max_bpcer: float = 0.01,
) -> float:
    """An anti-spoofing threshold centred between the two tails, in logit space.

    The ``1 - max_apcer`` quantile of the attack scores and the ``max_bpcer`` quantile of the
    bona fide scores bound the band a threshold may sit in; the threshold is their midpoint in
    logit (log-odds) space, since P(real) saturates near 0 and 1. Quantiles, not the extreme
    scores, so one odd presentation does not place it. When the tails overlap the midpoint
    still splits the difference.
    """
    attack_tail = float(np.quantile(np.asarray(attacks, dtype=np.float64), 1 - max_apcer))
    real_tail = float(np.quantile(np.asarray(bona_fide, dtype=np.float64), max_bpcer))
    mid = (_logit(np.array([attack_tail])) + _logit(np.array([real_tail])))[0] / 2
    return float(1 / (1 + np.exp(-mid)))


@dataclass(frozen=True, slots=True)
class CrossValidatedPad:
    """Leave-one-subject-out anti-spoofing: the threshold fitted without a subject, tested on it."""

    thresholds: dict[str, float]  # held-out subject -> threshold fitted on the others
    apcer: float
    bpcer: float
    attacks_accepted: int
    attacks: int
    bona_fide_rejected: int
    bona_fide: int
    bona_fide_errors: np.ndarray  # per bona fide presentation, held-out decision wrong
    attack_errors: np.ndarray


def cross_validated_pad(
    bona_fide: Sequence[float] | np.ndarray,
    bona_fide_subjects: Labels,
    attacks: Sequence[float] | np.ndarray,
    attack_subjects: Labels,
    fit: Callable[[np.ndarray, np.ndarray], float] = fit_pad_threshold,
) -> CrossValidatedPad:
    """Leave each subject out in turn: ``fit(bona fide, attacks)`` on the rest, errors on them."""
    real, attack = np.asarray(bona_fide, dtype=np.float64), np.asarray(attacks, dtype=np.float64)
    rs, as_ = np.asarray(bona_fide_subjects, dtype=str), np.asarray(attack_subjects, dtype=str)
    real_err, attack_err = np.zeros(real.size, dtype=bool), np.zeros(attack.size, dtype=bool)
    thresholds = {}
    for subject in sorted(set(rs.tolist()) | set(as_.tolist())):
        threshold = fit(real[rs != subject], attack[as_ != subject])
        thresholds[subject] = threshold
        real_err[rs == subject] = real[rs == subject] < threshold
        attack_err[as_ == subject] = attack[as_ == subject] >= threshold
    return CrossValidatedPad(
        thresholds=thresholds,
        apcer=float(attack_err.mean()),
        bpcer=float(real_err.mean()),
        attacks_accepted=int(attack_err.sum()),
        attacks=int(attack.size),
        bona_fide_rejected=int(real_err.sum()),
        bona_fide=int(real.size),
        bona_fide_errors=real_err,
        attack_errors=attack_err,
    )
