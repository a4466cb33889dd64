"""Unit checks of the bootstrap intervals' exact behaviour: the percentiles taken, the defaults committed results
rely on, the boundaries of `excludes_zero` and of the detectable difference, and the error messages that name
the bad argument. Written against the mutants that `humanllm bench mutation` found the older tests let pass."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from humanllm.eval import stats
from humanllm.eval.stats import Interval, bootstrap_ci, bootstrap_means, cluster_count, paired_bootstrap_diff

VALUES = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.5, 0.25, 1.0, 0.0]
CLUSTERS = ["u1", "u1", "u2", "u2", "u3", "u3", "u4", "u4", "u5", "u5", "u6", "u6"]


def test_values_become_floats():
    arr = stats._as_vector([1, 0, 1], "x")
    assert arr.dtype == np.float64 and arr.tolist() == [1.0, 0.0, 1.0]
    assert stats._as_vector([True, False], "x").dtype == np.float64


@pytest.mark.parametrize("confidence", [0.95, 0.8, 0.5])
def test_interval_is_the_two_tailed_percentiles_of_the_resampled_means(confidence):
    means = bootstrap_means(VALUES, samples=400, seed=3)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    ci = bootstrap_ci(VALUES, samples=400, confidence=confidence, seed=3)
    assert (ci.low, ci.high) == (float(low), float(high))
    assert ci.estimate == pytest.approx(np.mean(VALUES)) and ci.n == len(VALUES) and ci.clusters is None


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.1, 1.5])
def test_confidence_must_be_strictly_between_zero_and_one(confidence):
    with pytest.raises(ValueError, match="confidence must be in"):
        bootstrap_ci(VALUES, confidence=confidence)


def test_defaults_are_a_thousand_resamples_with_seed_zero():
    assert np.array_equal(bootstrap_means(VALUES), bootstrap_means(VALUES, samples=1000, seed=0))
    assert bootstrap_means(VALUES).size == 1000
    assert bootstrap_ci(VALUES) == bootstrap_ci(VALUES, samples=1000, confidence=0.95, seed=0)
    a, b = np.random.default_rng(1).normal(size=(2, 40))  # continuous: 1000 and 1001 resamples differ
    assert paired_bootstrap_diff(a, b) == paired_bootstrap_diff(a, b, samples=1000, confidence=0.95, seed=0)
    assert paired_bootstrap_diff(a, b) != paired_bootstrap_diff(a, b, samples=1001, confidence=0.95, seed=0)


def test_a_single_resample_is_allowed_and_zero_is_not():
    assert bootstrap_means(VALUES, samples=1).shape == (1,)
    with pytest.raises(ValueError, match="samples must be > 0"):
        bootstrap_means(VALUES, samples=0)


def test_error_messages_name_the_argument():
    with pytest.raises(ValueError, match=r"^values: no values"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match=r"^values: values must be finite"):
        bootstrap_means([1.0, float("nan")])
    with pytest.raises(ValueError, match=r"^a: values must be finite"):
        paired_bootstrap_diff([float("inf")], [1.0])
    with pytest.raises(ValueError, match=r"^b: no values"):
        paired_bootstrap_diff([1.0], [])


def test_cluster_count_without_clusters_is_the_item_count():
    assert cluster_count(None, 7) == 7
    assert cluster_count(["a", "b", "a", 1, "1"], 5) == 3  # labels compared as strings: 1 and "1" are one


def test_paired_difference_is_the_interval_of_b_minus_a_resampling_the_same_clusters():
    a = np.array(VALUES)
    b = np.roll(a, 3)
    for clusters in (None, CLUSTERS):
        d = paired_bootstrap_diff(a, b, samples=300, seed=5, clusters=clusters)
        ref = bootstrap_ci(b - a, samples=300, seed=5, clusters=clusters)
        assert (
            (d.estimate, d.low, d.high, d.n)
            == (ref.estimate, ref.low, ref.high, ref.n)
            == (ref.estimate, ref.low, ref.high, len(a))
        )
        assert d.clusters == (None if clusters is None else 6)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_interval_ending_exactly_at_zero_does_not_exclude_it(sign):
    a = np.zeros(51)
    b = np.zeros(51)
    b[0] = sign  # most resamples miss the one non-zero item: one end of the interval is exactly 0
    d = paired_bootstrap_diff(a, b, samples=500, seed=0)
    assert (d.low == 0.0 < d.high) if sign > 0 else (d.low < 0.0 == d.high)
    assert d.excludes_zero is False
    assert paired_bootstrap_diff(a, a + sign, samples=50).excludes_zero is True


def test_detectable_difference_formula_and_its_limits():
    iv = Interval(estimate=0.5, low=0.4, high=0.6, confidence=0.9, n=2)
    z = NormalDist().inv_cdf
    se = 0.2 / (2 * z(0.95))
    assert iv.standard_error == pytest.approx(se)
    assert iv.detectable_difference() == pytest.approx((z(0.95) + z(0.8)) * se)
    assert iv.detectable_difference(power=0.5) == pytest.approx(z(0.95) * se)
    assert Interval(0.5, 0.4, 0.6, 0.9, n=1).detectable_difference() is None
    # clusters, when given, are the independent units: one cluster says nothing however many items it holds
    assert Interval(0.5, 0.4, 0.6, 0.9, n=100, clusters=1).detectable_difference() is None
    assert Interval(0.5, 0.4, 0.6, 0.9, n=100, clusters=2).detectable_difference() == pytest.approx(
        (z(0.95) + z(0.8)) * se
    )
    assert Interval(0.5, 0.5, 0.5, 0.9, n=100).detectable_difference() is None


W_VALUES = np.array([1.0, 2.0, 4.0, 0.5, 3.0, 0.0])
W = np.array([1.0, 2.0, 1.0, 0.5, 3.0, 4.0])  # includes weights below 1: any positive weight is allowed
W_CLUSTERS = ["u1", "u1", "u2", "u3", "u3", "u3"]


def test_weighted_mean_is_the_ratio_of_sums():
    assert stats.weighted_mean([1.0, 2.0, 4.0], [1.0, 2.0, 1.0]) == 2.25  # (1 + 4 + 4) / 4
    assert stats.weighted_mean([1.0, 2.0, 4.0], [0.5, 0.25, 0.25]) == 2.0  # (0.5 + 0.5 + 1) / 1
    assert stats.weighted_mean([1.0, 2.0, 4.0]) == pytest.approx(7 / 3)
    assert stats.weighted_mean(W_VALUES, W) == pytest.approx((W_VALUES * W).sum() / W.sum())


def test_weights_errors_name_the_argument_and_the_sizes():
    with pytest.raises(ValueError, match=r"^values: no values"):
        stats.weighted_mean([])
    with pytest.raises(ValueError, match=r"^weights: 1 weights for 2 values$"):
        stats.weighted_mean([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"^weights: values must be finite"):
        stats.weighted_mean([1.0, 2.0], [1.0, float("nan")])
    for bad in ([1.0, 0.0], [1.0, -2.0]):
        with pytest.raises(ValueError, match=r"^weights must be > 0$"):
            stats.weighted_mean([1.0, 2.0], bad)
    with pytest.raises(ValueError, match=r"^weights must be > 0$"):
        bootstrap_ci([1.0, 2.0], weights=[0.0, 1.0])


def test_cluster_totals_without_weights_count_each_item_once():
    arr = np.array([1.0, 2.0, 4.0])
    totals, sizes = stats._cluster_totals(arr, None)
    assert totals.tolist() == [1.0, 2.0, 4.0] and sizes.tolist() == [1.0, 1.0, 1.0]
    totals, sizes = stats._cluster_totals(arr, ["b", "a", "b"])
    assert totals.tolist() == [2.0, 5.0] and sizes.tolist() == [1.0, 2.0]
    totals, sizes = stats._cluster_totals(arr, ["b", "a", "b"], np.array([0.5, 2.0, 1.0]))
    assert totals.tolist() == [4.0, 4.5] and sizes.tolist() == [2.0, 1.5]


@pytest.mark.parametrize("clusters", [None, W_CLUSTERS])
def test_weighted_resamples_are_ratio_estimates_of_the_drawn_items_or_clusters(clusters):
    """Each resample's mean is sum(w·v) / sum(w) over what it drew (items, or whole clusters)."""
    labels = list(range(len(W_VALUES))) if clusters is None else [int(c[1:]) - 1 for c in clusters]
    g = max(labels) + 1
    totals = np.bincount(labels, weights=W_VALUES * W, minlength=g)
    sizes = np.bincount(labels, weights=W, minlength=g)
    idx = np.random.default_rng(4).integers(0, g, size=(200, g))
    expected = totals[idx].sum(axis=1) / sizes[idx].sum(axis=1)
    means = bootstrap_means(W_VALUES, samples=200, seed=4, clusters=clusters, weights=W)
    assert np.allclose(means, expected)
    ci = bootstrap_ci(W_VALUES, samples=200, seed=4, clusters=clusters, weights=W)
    low, high = np.percentile(expected, [2.5, 97.5])
    assert (ci.low, ci.high) == pytest.approx((low, high))
    assert ci.estimate == pytest.approx(stats.weighted_mean(W_VALUES, W)) and ci.n == 6
    assert ci.clusters == (None if clusters is None else 3)


@pytest.mark.parametrize("clusters", [None, W_CLUSTERS])
def test_a_weighted_paired_difference_is_the_weighted_interval_of_b_minus_a(clusters):
    a = np.array([0.5, 1.0, 2.0, 1.5, 0.0, 3.0])
    b = a + W_VALUES
    d = paired_bootstrap_diff(a, b, samples=200, seed=6, clusters=clusters, weights=W)
    ref = bootstrap_ci(W_VALUES, samples=200, seed=6, clusters=clusters, weights=W)
    assert (d.estimate, d.low, d.high) == pytest.approx((ref.estimate, ref.low, ref.high))
    assert d.estimate == pytest.approx(stats.weighted_mean(W_VALUES, W))
    unweighted = paired_bootstrap_diff(a, b, samples=200, seed=6, clusters=clusters)
    assert (d.estimate, d.low, d.high) != pytest.approx((unweighted.estimate, unweighted.low, unweighted.high))
