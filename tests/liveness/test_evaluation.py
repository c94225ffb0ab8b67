"""The metric functions behind bench/accuracy and the accuracy tests, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from liveness.evaluation import (
    accuracy_at,
    auc,
    best_accuracy_threshold,
    bootstrap_rate,
    bootstrap_threshold_at_far,
    cross_validated_pad,
    cross_validated_threshold,
    equal_error_rate,
    fit_pad_threshold,
    identity_folds,
    pad_error_rates,
    resample_weights,
    roc_curve,
    stratified_sample,
    tar_at_far,
    threshold_at_far,
    two_fold_accuracy,
)

# Scores worked through by hand: sorted, 0.1 0.2 0.3 (impostors) 0.4 (genuine) 0.5 (impostor) 0.8 0.9.
GENUINE = np.array([0.9, 0.8, 0.4])
IMPOSTOR = np.array([0.5, 0.1, 0.2, 0.3])


def test_roc_lists_every_operating_point_strictest_first() -> None:
    curve = roc_curve(GENUINE, IMPOSTOR)
    assert curve.thresholds.tolist() == [np.inf, 0.9, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1]
    assert curve.tar.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1, 1])
    assert curve.far.tolist() == pytest.approx([0, 0, 0, 1 / 4, 1 / 4, 2 / 4, 3 / 4, 1])
    assert curve.frr.tolist() == pytest.approx(1 - curve.tar)


def test_auc_counts_ordered_pairs_and_half_ties() -> None:
    # 0.9 and 0.8 beat all four impostors, 0.4 beats three: 11 of 12 pairs.
    assert auc(GENUINE, IMPOSTOR) == pytest.approx(11 / 12)
    assert auc([0.5], [0.5]) == pytest.approx(0.5)
    assert auc([1.0, 0.9], [0.1]) == 1.0


def test_equal_error_rate_is_the_closest_far_frr_point() -> None:
    # At 0.5: FAR 1/4, FRR 1/3 (gap 1/12, the smallest); EER is their mean.
    eer, threshold = equal_error_rate(GENUINE, IMPOSTOR)
    assert threshold == 0.5
    assert eer == pytest.approx((1 / 4 + 1 / 3) / 2)


def test_tar_at_far_takes_the_most_lenient_point_within_the_far() -> None:
    assert tar_at_far(GENUINE, IMPOSTOR, 1e-3) == pytest.approx((2 / 3, 0.8))  # no impostor accepted
    assert tar_at_far(GENUINE, IMPOSTOR, 0.25) == pytest.approx((1.0, 0.4))
    assert tar_at_far(GENUINE, IMPOSTOR, 1.0) == pytest.approx((1.0, 0.1))


def test_accuracy_at_a_threshold() -> None:
    # 0.45: genuine 0.9, 0.8 accepted; impostors 0.1, 0.2, 0.3 rejected -> 5 of 7.
    assert accuracy_at(GENUINE, IMPOSTOR, 0.45) == pytest.approx(5 / 7)
    assert accuracy_at(GENUINE, IMPOSTOR, 0.5) == pytest.approx(5 / 7)  # score >= threshold accepts


def test_best_accuracy_threshold_is_a_midpoint_and_the_strictest_on_a_tie() -> None:
    # 0.35 and 0.65 both give 6 of 7; the stricter one is returned.
    accuracy, threshold = best_accuracy_threshold(GENUINE, IMPOSTOR)
    assert accuracy == pytest.approx(6 / 7)
    assert threshold == pytest.approx(0.65)
    assert best_accuracy_threshold([0.9, 0.8], [0.1, 0.2]) == pytest.approx((1.0, 0.5))


def test_two_fold_accuracy_trains_on_one_fold_and_tests_on_the_other() -> None:
    other = (np.array([0.7, 0.6]), np.array([0.65, 0.0]))
    mean, (a_to_b, b_to_a) = two_fold_accuracy({"a": (GENUINE, IMPOSTOR), "b": other})
    # a -> b: threshold 0.65 accepts 0.7 and the impostor 0.65, rejects 0.6 and 0.0: 2 of 4.
    assert (a_to_b.train, a_to_b.test) == ("a", "b")
    assert a_to_b.threshold == pytest.approx(0.65) and a_to_b.test_accuracy == pytest.approx(0.5)
    # b -> a: on b, 0.3 and 0.675 both give 3 of 4; 0.675 (stricter) decides a: 6 of 7.
    assert b_to_a.threshold == pytest.approx(0.675) and b_to_a.train_accuracy == pytest.approx(0.75)
    assert b_to_a.test_accuracy == pytest.approx(6 / 7)
    assert mean == pytest.approx((0.5 + 6 / 7) / 2)
    with pytest.raises(ValueError, match="exactly two"):
        two_fold_accuracy({"a": (GENUINE, IMPOSTOR)})


def test_pad_error_rates_follow_iso_30107_3() -> None:
    bona_fide = [0.9, 0.2, 0.8, 0.95]
    attacks = [0.1, 0.6, 0.05, 0.4]
    rates = pad_error_rates(bona_fide, attacks, 0.5)
    assert (rates.attacks_accepted, rates.attacks, rates.bona_fide_rejected, rates.bona_fide) == (1, 4, 1, 4)
    assert (rates.apcer, rates.bpcer, rates.acer) == pytest.approx((0.25, 0.25, 0.25))
    # Per species, APCER is the worst species' rate: print 1 of 2, replay 0 of 2.
    by_species = pad_error_rates(bona_fide, attacks, 0.5, attack_species=["print", "print", "replay", "replay"])
    assert by_species.apcer == pytest.approx(0.5) and by_species.worst_species == "print"
    assert by_species.acer == pytest.approx(0.375)
    # A score equal to the threshold is classified bona fide.
    assert pad_error_rates([0.5], [0.5], 0.5).apcer == 1.0
    with pytest.raises(ValueError, match="one label per attack"):
        pad_error_rates(bona_fide, attacks, 0.5, attack_species=["print"])


def test_stratified_sample_is_balanced_and_reproducible() -> None:
    groups = ["a"] * 10 + ["b"] * 3 + ["c"] * 7
    chosen = stratified_sample(groups, 4, seed=1)
    assert chosen == sorted(chosen) and chosen == stratified_sample(groups, 4, seed=1)
    assert [groups[i] for i in chosen].count("a") == 4
    assert [groups[i] for i in chosen].count("b") == 3  # all it has
    assert [groups[i] for i in chosen].count("c") == 4


def test_empty_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        roc_curve([], [0.1])


# --- operating points, cross-validation, bootstrap (liveness._operating_points) -------------------


def test_threshold_at_far_allows_floor_far_times_n_impostors() -> None:
    scores = [0.9, 0.8, 0.7, 0.1, 0.0, -0.2, 0.3, 0.2, 0.5, 0.4]  # ten impostors
    # FAR 0.2: two may pass (0.9, 0.8); the threshold sits midway between 0.8 and 0.7.
    assert threshold_at_far(scores, 0.2) == pytest.approx(0.75)
    assert threshold_at_far(scores, 0.25) == pytest.approx(0.75)  # floor(2.5) = 2
    # Below 1/n no impostor passes: just above the highest score.
    t = threshold_at_far(scores, 0.01)
    assert 0.9 < t < 0.9 + 1e-12
    # Ties: two impostors at 0.8 cannot be split, so FAR 0.5 (two allowed) admits only the 0.9;
    # FAR 0.75 (three allowed) admits 0.9 and both 0.8s.
    assert threshold_at_far([0.9, 0.8, 0.8, 0.1], 0.5) == pytest.approx(0.85)
    assert threshold_at_far([0.9, 0.8, 0.8, 0.1], 0.25) == pytest.approx(0.85)
    assert threshold_at_far([0.9, 0.8, 0.8, 0.1], 0.75) == pytest.approx(0.45)


def test_identity_folds_deal_every_identity_once_and_balanced() -> None:
    folds = identity_folds(["a", "b", "c", "d", "e", "a"], 2, seed=3)
    assert set(folds) == {"a", "b", "c", "d", "e"}
    assert sorted(list(folds.values()).count(f) for f in (0, 1)) == [2, 3]
    assert folds == identity_folds(["e", "d", "c", "b", "a"], 2, seed=3)  # order does not matter
    with pytest.raises(ValueError):
        identity_folds(["a"], 2)


def test_cross_validated_threshold_is_fitted_without_the_held_out_people() -> None:
    # Folds: {a, b} = 0, {c, d} = 1.
    folds = {"a": 0, "b": 0, "c": 1, "d": 1}
    id_a = ["a", "c", "a", "c", "a", "b"]
    id_b = ["a", "c", "b", "d", "c", "d"]
    scores = [0.8, 0.5, 0.6, 0.3, 0.9, 0.2]
    point = cross_validated_threshold(scores, id_a, id_b, 0.0, folds)
    # Fold 0 trains on pairs with neither a nor b: impostor c-d (0.3) -> just above 0.3; its test
    # pairs (both in {a, b}): genuine a-a 0.8 accepted, impostor a-b 0.6 accepted: one FA.
    # Fold 1 trains on a-b (0.6) -> just above 0.6; tests c-c 0.5 (rejected: one FR), c-d 0.3.
    # The cross-fold pairs a-c and b-d are tested by neither.
    assert point.thresholds == pytest.approx((0.3, 0.6))
    assert point.tested.tolist() == [True, True, True, True, False, False]
    assert point.errors.tolist() == [False, True, True, False, False, False]
    assert (point.impostors_accepted, point.impostors_tested) == (1, 2)
    assert (point.genuine_rejected, point.genuine_tested) == (1, 2)
    assert point.far == pytest.approx(0.5) and point.frr == pytest.approx(0.5)


def test_resample_weights_count_identity_multiplicity() -> None:
    # Identities 0, 1, 2 drawn 2, 0 and 1 times: genuine (0, 0) weighs 2, impostor (0, 2) 2 x 1,
    # (1, 2) 0 x 1, genuine (2, 2) 1.
    weights = resample_weights(np.array([0, 0, 1, 2]), np.array([0, 2, 2, 2]), np.array([2, 0, 1]))
    assert weights.tolist() == [2.0, 2.0, 0.0, 1.0]


def test_bootstrap_rate_estimate_and_degenerate_intervals() -> None:
    ids = ["a", "a", "b", "b", "c", "c"]
    all_wrong = bootstrap_rate([True] * 6, ids, ids, n_boot=50)
    assert (all_wrong.estimate, all_wrong.low, all_wrong.high) == (1.0, 1.0, 1.0)
    none = bootstrap_rate([False] * 6, ids, ids, n_boot=50)
    assert (none.estimate, none.low, none.high) == (0.0, 0.0, 0.0)
    # One person always wrong, two never: the rate moves with how often that person is drawn.
    mixed = bootstrap_rate([True, True, False, False, False, False], ids, ids, n_boot=400, seed=1)
    assert mixed.estimate == pytest.approx(1 / 3)
    # Three people drawn: the wrong one 0-3 times, i.e. a rate of 0, 1/3, 2/3 or 1 (1 only 1/27).
    assert mixed.low == 0.0 and 0.6 < mixed.high <= 1.0 and "[" in str(mixed)


def test_bootstrap_rate_resamples_people_not_pairs() -> None:
    # 100 pairs of one person all wrong, 100 pairs of 100 other people all right: pair-resampling
    # would give a narrow interval around 0.5; resampling people sees one person of 101.
    ids = ["x"] * 100 + [f"p{i}" for i in range(100)]
    result = bootstrap_rate([True] * 100 + [False] * 100, ids, ids, n_boot=300, seed=0)
    assert result.estimate == pytest.approx(0.5)
    assert result.low == 0.0 and result.high > 0.7


def test_bootstrap_threshold_at_far_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    people = [f"p{i}" for i in range(30)]
    id_a, id_b, scores = [], [], []
    for i in range(30):
        for j in range(i + 1, 30):
            id_a.append(people[i])
            id_b.append(people[j])
            scores.append(float(rng.normal()))
    interval = bootstrap_threshold_at_far(scores, id_a, id_b, 0.05, n_boot=100)
    assert interval.estimate == pytest.approx(threshold_at_far(scores, 0.05))
    assert interval.low <= interval.estimate <= interval.high
    assert 1.0 < interval.estimate < 2.5  # the 95th percentile of a standard normal: 1.64


def test_fit_pad_threshold_is_the_logit_midpoint_of_the_tails() -> None:
    # Attack tail 0.1 (logit -2.197), bona fide tail 0.9 (+2.197): midpoint logit 0 -> 0.5.
    assert fit_pad_threshold([0.9] * 10, [0.1] * 10) == pytest.approx(0.5)
    # Tails 0.5 (logit 0) and 0.9 (2.197): midpoint 1.0986 -> 0.75.
    assert fit_pad_threshold([0.9, 0.9], [0.5, 0.5]) == pytest.approx(0.75)


def test_cross_validated_pad_leaves_each_subject_out() -> None:
    real, real_subjects = [0.9, 0.95, 0.2], ["s1", "s2", "s3"]
    attack, attack_subjects = [0.1, 0.05, 0.6], ["s1", "s2", "s3"]

    def fit(bona_fide: np.ndarray, attacks: np.ndarray) -> float:
        return float((bona_fide.min() + attacks.max()) / 2)

    cv = cross_validated_pad(real, real_subjects, attack, attack_subjects, fit)
    # Without s3: (0.9 + 0.1) / 2 = 0.5, so s3's real 0.2 is refused and its attack 0.6 passes.
    assert cv.thresholds["s3"] == pytest.approx(0.5)
    assert cv.thresholds["s1"] == pytest.approx((0.2 + 0.6) / 2)
    assert cv.bona_fide_errors.tolist() == [False, False, True]
    assert cv.attack_errors.tolist() == [False, False, True]
    assert cv.apcer == pytest.approx(1 / 3) and cv.bpcer == pytest.approx(1 / 3)
