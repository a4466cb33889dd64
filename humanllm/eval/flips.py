"""Forgetting item by item: which items a model gets wrong that the base got right, and the reverse.

Equal mean accuracies can hide many flips (arXiv 2510.17776), so on multiple-choice items scored 0/1 the
report counts, per model against the base on the same items:
- right→wrong: right in the base, wrong in the model; wrong→right: the reverse. Rates are shares of all
  paired items, so wrong→right rate − right→wrong rate = the mean delta, exactly;
- chance-corrected forgetting: right→wrong / Σ over base-right items of (1 − 1/kᵢ), kᵢ = the item's number
  of options: the share of previously-right items lost, relative to what answering them at chance would
  lose (0 = none lost, 1 = as if the model guessed on every one of them).

Intervals are percentile bootstraps resampling clusters (users, scenarios) or items, with the same seed
for every statistic, so the rates' draws are paired with each other and with the mean delta's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from humanllm.eval.stats import Interval, PairedDifference, bootstrap_ci, paired_bootstrap_diff


@dataclass(frozen=True)
class Flips:
    """Flip counts and rates of a model against the base on the same items."""

    n: int
    clusters: int | None
    base_right: int
    right_to_wrong: int
    wrong_to_right: int
    right_to_wrong_rate: Interval  # of all n items
    wrong_to_right_rate: Interval
    mean_delta: PairedDifference  # model − base accuracy
    chance_corrected: Interval | None  # None: the items' option counts are unknown, or no base-right item

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_binary(values: Sequence[float] | np.ndarray) -> bool:
    """True when every value is 0 or 1 (a right/wrong item score; averages over orderings are not)."""
    arr = np.asarray(values, dtype=float)
    return arr.size > 0 and bool(np.isin(arr, (0.0, 1.0)).all())


def item_flips(
    base: Sequence[float] | np.ndarray,
    model: Sequence[float] | np.ndarray,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    clusters: Sequence[Any] | None = None,
    n_choices: Sequence[float] | np.ndarray | None = None,
) -> Flips:
    """Flips of `model` against `base`, both 0/1 per item in the same item order."""
    a, b = np.asarray(base, dtype=float).ravel(), np.asarray(model, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"flips need the same items: {a.size} base vs {b.size} model scores")
    if not (is_binary(a) and is_binary(b)):
        raise ValueError("flips need right/wrong (0/1) item scores")
    lost, gained = a * (1 - b), (1 - a) * b
    rw = bootstrap_ci(lost, samples, confidence, seed, clusters)
    wr = bootstrap_ci(gained, samples, confidence, seed, clusters)
    delta = paired_bootstrap_diff(a, b, samples, confidence, seed, clusters)
    return Flips(
        n=a.size,
        clusters=rw.clusters,
        base_right=int(a.sum()),
        right_to_wrong=int(lost.sum()),
        wrong_to_right=int(gained.sum()),
        right_to_wrong_rate=rw,
        wrong_to_right_rate=wr,
        mean_delta=delta,
        chance_corrected=_chance_corrected(a, lost, samples, confidence, seed, clusters, n_choices),
    )


def _chance_corrected(
    base: np.ndarray,
    lost: np.ndarray,
    samples: int,
    confidence: float,
    seed: int,
    clusters: Sequence[Any] | None,
    n_choices: Sequence[float] | np.ndarray | None,
) -> Interval | None:
    """Σ lost / Σ (1 − 1/k) over base-right items: a ratio bootstrap over those items (or their clusters)."""
    if n_choices is None or base.sum() == 0:
        return None
    k = np.asarray(n_choices, dtype=float).ravel()
    if k.shape != base.shape:
        raise ValueError(f"n_choices: {k.size} option counts for {base.size} items")
    right = base == 1
    if not np.isfinite(k[right]).all() or (k[right] < 2).any():
        return None  # an item without a known count of ≥ 2 options has no chance level
    at_chance = 1 - 1 / k[right]
    groups = None if clusters is None else np.asarray([str(c) for c in clusters])[right]
    return bootstrap_ci(lost[right] / at_chance, samples, confidence, seed, groups, weights=at_chance)


def paired_items(base_items: Any, model_items: Any, metric: str) -> Any:
    """The items of `metric` (a scores.json key, suite/task/metric) that both models scored, as a frame with
    value_base, value_model and cluster (the item itself where items do not cluster), in item order."""
    import pandas as pd

    suite, task, name = metric.split("/", 2)
    frames = []
    for rows in (base_items, model_items):
        f = pd.DataFrame(list(rows), columns=None)
        if f.empty or "suite" not in f:
            return pd.DataFrame(columns=["item_id", "value_base", "value_model", "cluster"])
        f = f[(f.suite == suite) & (f.task == task) & (f.metric == name)].copy()
        f["item_id"] = f["item_id"].astype(str)
        if "cluster" not in f:
            f["cluster"] = None
        f["cluster"] = f["cluster"].where(f["cluster"].notna(), f["item_id"]).astype(str)
        frames.append(f[["item_id", "value", "cluster"]])
    both = frames[0].merge(frames[1].drop(columns="cluster"), on="item_id", suffixes=("_base", "_model"))
    return both.sort_values("item_id", kind="stable").reset_index(drop=True)


def flip_rate(base_items: Any, model_items: Any, metric: str, statistic: str) -> float:
    """The share of `metric`'s paired items that went right→wrong (or wrong→right) from base to model."""
    both = paired_items(base_items, model_items, metric)
    if both.empty:
        raise ValueError(f"{metric}: no item that both the base and the model scored")
    a, b = both.value_base.to_numpy(dtype=float), both.value_model.to_numpy(dtype=float)
    if not (is_binary(a) and is_binary(b)):
        raise ValueError(f"{metric}: item scores are not right/wrong (0/1), so nothing flips")
    return float((a * (1 - b) if statistic == "right_to_wrong" else (1 - a) * b).mean())
