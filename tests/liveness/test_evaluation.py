"""The metric functions behind bench/accuracy and the accuracy tests, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from liveness.evaluation import (
    accuracy_at,
    auc,
    best_accuracy_threshold,
    equal_error_rate,
    pad_error_rates,
    roc_curve,
    stratified_sample,
    tar_at_far,
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
