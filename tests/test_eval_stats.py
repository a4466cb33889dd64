"""Bootstrap CIs: determinism, exact estimates, coverage, paired differences."""

from __future__ import annotations

import time

import numpy as np
import pytest

from humanllm.eval.stats import bootstrap_ci, bootstrap_means, paired_bootstrap_diff


def test_bootstrap_ci_is_seeded_and_brackets_the_mean():
    x = np.random.default_rng(0).integers(0, 2, size=300)
    a, b = bootstrap_ci(x, 2000, seed=7), bootstrap_ci(x, 2000, seed=7)
    assert a == b
    assert a != bootstrap_ci(x, 2000, seed=8)
    assert a.estimate == pytest.approx(x.mean()) and a.n == 300 and a.confidence == 0.95
    assert a.low < a.estimate < a.high
    se = x.std() / np.sqrt(x.size)  # the percentile interval is close to the normal one here
    assert a.high - a.low == pytest.approx(2 * 1.96 * se, rel=0.15)
    narrow = bootstrap_ci(x, 2000, confidence=0.5, seed=7)
    assert a.low < narrow.low < narrow.high < a.high


def test_constant_and_single_values_give_degenerate_intervals():
    expected = {"estimate": 1.0, "low": 1.0, "high": 1.0, "confidence": 0.95, "n": 4, "clusters": None}
    assert bootstrap_ci([1, 1, 1, 1]).as_dict() == expected
    one = bootstrap_ci([0.25])
    assert (one.low, one.high) == (0.25, 0.25)


def test_bootstrap_coverage_is_near_nominal():
    rng = np.random.default_rng(1)
    hits = 0
    trials = 200
    for t in range(trials):
        x = rng.random(150) < 0.3
        ci = bootstrap_ci(x, 500, seed=t)
        hits += ci.low <= 0.3 <= ci.high
    assert 0.88 <= hits / trials <= 0.99


def test_width_shrinks_with_more_items():
    rng = np.random.default_rng(2)
    small = bootstrap_ci(rng.random(100) < 0.5, 1000)
    large = bootstrap_ci(rng.random(1600) < 0.5, 1000)
    ratio = (small.high - small.low) / (large.high - large.low)
    assert 3.0 < ratio < 5.0  # ~ sqrt(16)


def test_paired_difference_flags_a_clear_gain_and_not_noise():
    rng = np.random.default_rng(3)
    a = (rng.random(400) < 0.5).astype(float)
    better = a.copy()
    better[np.flatnonzero(a == 0)[:60]] = 1  # B fixes 60 of A's errors
    gain = paired_bootstrap_diff(a, better, 2000)
    assert gain.estimate == pytest.approx(60 / 400) and gain.excludes_zero and gain.low > 0

    swapped = a.copy()
    swapped[np.flatnonzero(a == 0)[:30]] = 1  # B fixes 30 errors ...
    swapped[np.flatnonzero(a == 1)[:30]] = 0  # ... and makes 30 new ones
    noise = paired_bootstrap_diff(a, swapped, 2000)
    assert noise.estimate == 0.0 and not noise.excludes_zero and noise.low < 0 < noise.high

    worse = paired_bootstrap_diff(better, a, 2000)
    assert worse.excludes_zero and worse.high < 0


def test_pairing_narrows_the_interval_for_correlated_scores():
    rng = np.random.default_rng(4)
    a = (rng.random(500) < 0.6).astype(float)
    b = a.copy()
    b[np.flatnonzero(a == 0)[:25]] = 1
    paired = paired_bootstrap_diff(a, b, 2000)
    ia, ib = bootstrap_ci(a, 2000, seed=1), bootstrap_ci(b, 2000, seed=2)
    unpaired_halfwidth = np.hypot(ia.high - ia.low, ib.high - ib.low) / 2
    assert (paired.high - paired.low) / 2 < unpaired_halfwidth / 2


def test_input_errors():
    with pytest.raises(ValueError, match="no values"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="finite"):
        bootstrap_ci([0.0, float("nan")])
    with pytest.raises(ValueError, match="same items"):
        paired_bootstrap_diff([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci([1, 0], confidence=1.0)
    with pytest.raises(ValueError, match="samples"):
        bootstrap_means([1, 0], samples=0)


def test_ten_thousand_resamples_of_three_thousand_items_is_fast():
    x = np.random.default_rng(5).random(3000)
    start = time.perf_counter()
    means = bootstrap_means(x, 10_000, seed=0)
    assert time.perf_counter() - start < 5.0
    assert means.shape == (10_000,) and abs(means.mean() - x.mean()) < 0.002
    assert means.std() == pytest.approx(x.std() / np.sqrt(x.size), rel=0.05)


def test_cluster_bootstrap_widens_intervals_when_items_share_a_user():
    rng = np.random.default_rng(3)
    users = np.repeat(np.arange(20), 8)  # 20 users × 8 items, scores driven by the user
    user_skill = rng.uniform(0, 1, 20)
    x = (rng.uniform(0, 1, users.size) < user_skill[users]).astype(float)
    items = bootstrap_ci(x, 2000, seed=1)
    by_user = bootstrap_ci(x, 2000, seed=1, clusters=users)
    assert by_user.estimate == items.estimate == pytest.approx(x.mean())
    assert by_user.clusters == 20 and by_user.n == 160 and items.clusters is None
    assert (by_user.high - by_user.low) > 1.5 * (items.high - items.low)


def test_singleton_clusters_match_the_item_bootstrap():
    x = np.random.default_rng(4).normal(size=400)
    plain = bootstrap_ci(x, 4000, seed=2)
    singletons = bootstrap_ci(x, 4000, seed=2, clusters=[f"u{i}" for i in range(400)])
    assert singletons.high - singletons.low == pytest.approx(plain.high - plain.low, rel=0.1)


def test_paired_cluster_difference_and_detectable_difference():
    users = np.repeat(np.arange(30), 4)
    a = np.random.default_rng(5).normal(size=users.size)
    b = a + 0.5 + np.random.default_rng(6).normal(scale=0.1, size=users.size)
    d = paired_bootstrap_diff(a, b, 2000, seed=0, clusters=users)
    assert d.excludes_zero and d.clusters == 30 and d.low < 0.5 < d.high
    assert 0 < d.detectable_difference() < 0.2
    same = paired_bootstrap_diff(a, a, 500, seed=0, clusters=users)  # no spread: the n cannot say what it detects
    assert same.estimate == 0 and same.detectable_difference() is None
    one_user = paired_bootstrap_diff(a[:4], b[:4], 500, seed=0, clusters=users[:4])
    assert one_user.detectable_difference() is None
    with pytest.raises(ValueError, match="clusters"):
        bootstrap_ci([1.0, 2.0], clusters=["a"])
