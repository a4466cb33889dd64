"""Percentile bootstrap confidence intervals: a mean over items, and a paired difference of two
models scored on the same items. Seeded and vectorised (resamples are drawn in chunks).

With `weights` the estimate is the weighted mean sum(w·v)/sum(w), a ratio of sums whose bootstrap
resamples items: per-document bits per byte weighted by bytes give lm-eval's corpus-level
bits_per_byte (sum of -log-likelihoods over sum of bytes), and its interval.

Items cluster (several held-out examples per user, three questions per MotiveBench scenario), so
with `clusters` the bootstrap resamples whole clusters (users), not items: the interval then
reflects how many independent people the number stands on. The estimate stays the item mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

_CHUNK_CELLS = 2_000_000  # resample matrix cells per chunk (16 MB of int64 indices)


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap interval."""

    estimate: float
    low: float
    high: float
    confidence: float
    n: int
    clusters: int | None = None  # independent units resampled (None: items)

    @property
    def standard_error(self) -> float:
        """The normal-approximation standard error implied by the interval's width."""
        from statistics import NormalDist

        return (self.high - self.low) / (2 * NormalDist().inv_cdf(0.5 + self.confidence / 2))

    def detectable_difference(self, power: float = 0.8) -> float | None:
        """The smallest true difference a two-sided test at 1 − confidence detects with `power`; None when
        the sample cannot say (fewer than 2 independent units, or no spread: every resample gave the same
        mean, so the standard error is unknown, not zero)."""
        from statistics import NormalDist

        if (self.clusters or self.n) < 2 or self.high == self.low:
            return None
        z = NormalDist().inv_cdf
        return (z(0.5 + self.confidence / 2) + z(power)) * self.standard_error

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PairedDifference(Interval):
    """Mean of b - a over paired items; `excludes_zero` flags a difference the interval supports."""

    excludes_zero: bool = False


def _as_vector(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError(f"{name}: no values to bootstrap")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: values must be finite (got NaN or inf)")
    return arr


def _weights(weights: Sequence[float] | np.ndarray | None, n: int) -> np.ndarray:
    """Item weights (1 each when None); positive and finite, one per value."""
    if weights is None:
        return np.ones(n)
    w = _as_vector(weights, "weights")
    if w.size != n:
        raise ValueError(f"weights: {w.size} weights for {n} values")
    if (w <= 0).any():
        raise ValueError("weights must be > 0")
    return w


def weighted_mean(values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray | None = None) -> float:
    """sum(w·v) / sum(w): the plain mean without weights."""
    arr = _as_vector(values, "values")
    w = _weights(weights, arr.size)
    return float((arr * w).sum() / w.sum())


def _cluster_totals(
    arr: np.ndarray, clusters: Sequence[Any] | None, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster weighted sums and total weights (each item its own cluster when `clusters` is None)."""
    w = np.ones_like(arr) if weights is None else weights
    if clusters is None:
        return arr * w, w
    labels = np.asarray([str(c) for c in clusters])
    if labels.size != arr.size:
        raise ValueError(f"clusters: {labels.size} labels for {arr.size} values")
    _, inverse = np.unique(labels, return_inverse=True)
    return np.bincount(inverse, weights=arr * w), np.bincount(inverse, weights=w)


def bootstrap_means(
    values: Sequence[float] | np.ndarray,
    samples: int = 1000,
    seed: int = 0,
    clusters: Sequence[Any] | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """Means of `samples` resamples (with replacement) of `values`, or of whole `clusters` when given
    (the item mean of the drawn clusters: sum of their totals over sum of their sizes). With `weights`,
    each resample's weighted mean (a ratio estimator: sum of w·v over sum of w of the drawn items)."""
    if samples <= 0:
        raise ValueError(f"samples must be > 0 (got {samples})")
    arr = _as_vector(values, "values")
    totals, sizes = _cluster_totals(arr, clusters, _weights(weights, arr.size))
    rng = np.random.default_rng(seed)
    g = totals.size
    per_chunk = max(1, _CHUNK_CELLS // g)
    out = np.empty(samples)
    for start in range(0, samples, per_chunk):
        stop = min(samples, start + per_chunk)
        idx = rng.integers(0, g, size=(stop - start, g))
        out[start:stop] = totals[idx].sum(axis=1) / sizes[idx].sum(axis=1)
    return out


def cluster_count(clusters: Sequence[Any] | None, n: int) -> int:
    return n if clusters is None else len({str(c) for c in clusters})


def _interval(
    arr: np.ndarray, means: np.ndarray, confidence: float, weights: Sequence[float] | np.ndarray | None = None
) -> tuple[float, float, float]:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1) (got {confidence})")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return weighted_mean(arr, weights), float(low), float(high)


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    clusters: Sequence[Any] | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
) -> Interval:
    """Percentile bootstrap CI of the (weighted) mean of per-item scores (e.g. 0/1 correctness), over items
    or clusters."""
    arr = _as_vector(values, "values")
    means = bootstrap_means(arr, samples, seed, clusters, weights)
    est, low, high = _interval(arr, means, confidence, weights)
    return Interval(
        est, low, high, confidence, arr.size, cluster_count(clusters, arr.size) if clusters is not None else None
    )


def paired_bootstrap_diff(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    clusters: Sequence[Any] | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
) -> PairedDifference:
    """CI of mean(b - a) resampling items (or their clusters) jointly (a[i] and b[i] must be the same item).
    With `weights` (the same for both: e.g. a document's bytes), the difference of the two weighted means."""
    va, vb = _as_vector(a, "a"), _as_vector(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"paired bootstrap needs the same items: {va.size} vs {vb.size} values")
    diff = vb - va
    means = bootstrap_means(diff, samples, seed, clusters, weights)
    est, low, high = _interval(diff, means, confidence, weights)
    k = cluster_count(clusters, diff.size) if clusters is not None else None
    return PairedDifference(est, low, high, confidence, diff.size, k, excludes_zero=bool(low > 0 or high < 0))
