"""Percentile bootstrap confidence intervals: a mean over items, and a paired difference of two
models scored on the same items. Seeded and vectorised (resamples are drawn in chunks)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

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


def bootstrap_means(values: Sequence[float] | np.ndarray, samples: int = 1000, seed: int = 0) -> np.ndarray:
    """Means of `samples` resamples (with replacement, same size) of `values`."""
    if samples <= 0:
        raise ValueError(f"samples must be > 0 (got {samples})")
    arr = _as_vector(values, "values")
    rng = np.random.default_rng(seed)
    n = arr.size
    per_chunk = max(1, _CHUNK_CELLS // n)
    out = np.empty(samples)
    for start in range(0, samples, per_chunk):
        stop = min(samples, start + per_chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = arr[idx].mean(axis=1)
    return out


def _interval(arr: np.ndarray, means: np.ndarray, confidence: float) -> tuple[float, float, float]:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1) (got {confidence})")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(arr.mean()), float(low), float(high)


def bootstrap_ci(
    values: Sequence[float] | np.ndarray, samples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> Interval:
    """Percentile bootstrap CI of the mean of per-item scores (e.g. 0/1 correctness)."""
    arr = _as_vector(values, "values")
    est, low, high = _interval(arr, bootstrap_means(arr, samples, seed), confidence)
    return Interval(est, low, high, confidence, arr.size)


def paired_bootstrap_diff(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """CI of mean(b - a) resampling items jointly (a[i] and b[i] must be the same item)."""
    va, vb = _as_vector(a, "a"), _as_vector(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"paired bootstrap needs the same items: {va.size} vs {vb.size} values")
    diff = vb - va
    est, low, high = _interval(diff, bootstrap_means(diff, samples, seed), confidence)
    return PairedDifference(est, low, high, confidence, diff.size, excludes_zero=bool(low > 0 or high < 0))
