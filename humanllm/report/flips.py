"""Flip tables for the report: each model against the base, item by item, on every multiple-choice group.

A group gets flip rows when both models' items in it are right/wrong (0/1): BIG-bench tasks and `all`,
lm-eval's multiple-choice tasks, ToMBench (voted answers) and MotiveBench's `all_orderings_correct`
(its `accuracy` averages over orderings, so an item is not simply right or wrong there). The number of
options per item, for the chance-corrected rate, comes from the item rows (`n_choices`) or from the
benchmark's own units file (`<eval>/<benchmark>/units.csv`, column `n_choices`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.eval.flips import Flips, is_binary, item_flips
from humanllm.report.tables import delta_group, load_items

NOT_MULTIPLE_CHOICE = ("indomain", "judge")  # generated answers and judge verdicts: no options to flip
FORGETTING = "general reasoning (forgetting)"


def option_counts(ev: dict[str, Any], suite: str) -> dict[str, float]:
    """unit_id → number of options, from the benchmark's units file when it records them (else empty)."""
    path = Path(ev["eval_path"]) / suite / "units.csv"
    if not path.is_file():
        return {}
    units = pd.read_csv(path, dtype={"unit_id": str})
    if "n_choices" not in units:
        return {}
    known = units.dropna(subset=["n_choices"]).drop_duplicates("unit_id")
    return dict(zip(known.unit_id, known.n_choices.astype(float)))


def _choices(g: pd.DataFrame, ev: dict[str, Any], suite: str, cache: dict[str, dict[str, float]]) -> Any:
    if "n_choices" in g and g.n_choices.notna().all():
        return g.n_choices.to_numpy(dtype=float)
    if suite not in cache:
        cache[suite] = option_counts(ev, suite)
    k = g.item_id.map(cache[suite])
    return k.to_numpy(dtype=float) if k.notna().all() else None


def flip_frame(index: dict[str, Any], samples: int, confidence: float, seed: int) -> pd.DataFrame:
    """One row per (model, multiple-choice group): counts, rates with CIs, chance-corrected rate, delta."""
    evs = index["evaluations"]
    base = next((e for e in evs if e["kind"] == "base"), None)
    if base is None:
        return pd.DataFrame()
    base_items = load_items(base)
    base_items = base_items[~base_items.suite.isin(NOT_MULTIPLE_CHOICE)]
    cache: dict[str, dict[str, float]] = {}
    rows = []
    for ev in evs:
        if ev is base:
            continue
        items = load_items(ev)[["suite", "task", "metric", "item_id", "value"]]
        paired = base_items.merge(items, on=["suite", "task", "metric", "item_id"], suffixes=("_base", "_model"))
        for (suite, task, metric), g in paired.groupby(["suite", "task", "metric"], sort=True):
            if not (is_binary(g.value_base) and is_binary(g.value_model)):
                continue
            f = item_flips(
                g.value_base.to_numpy(),
                g.value_model.to_numpy(),
                samples,
                confidence,
                seed,
                clusters=g.cluster.to_numpy(),
                n_choices=_choices(g, base, suite, cache),
            )
            rows.append(
                {
                    "model": ev["label"],
                    "alpha": ev["alpha"],
                    "group": delta_group(suite),
                    "suite": suite,
                    "task": task,
                    "metric": metric,
                    **flip_columns(f),
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    order = {FORGETTING: 0, "social benchmarks": 1}
    frame = frame.sort_values("group", key=lambda c: c.map(order).fillna(2), kind="stable")
    return frame.reset_index(drop=True)


def flip_columns(f: Flips) -> dict[str, Any]:
    cc = f.chance_corrected
    return {
        "n": f.n,
        "clusters": f.clusters,
        "base_right": f.base_right,
        "right_to_wrong": f.right_to_wrong,
        "rw_rate": f.right_to_wrong_rate.estimate,
        "rw_low": f.right_to_wrong_rate.low,
        "rw_high": f.right_to_wrong_rate.high,
        "wrong_to_right": f.wrong_to_right,
        "wr_rate": f.wrong_to_right_rate.estimate,
        "wr_low": f.wrong_to_right_rate.low,
        "wr_high": f.wrong_to_right_rate.high,
        "chance_corrected": cc.estimate if cc else None,
        "cc_low": cc.low if cc else None,
        "cc_high": cc.high if cc else None,
        "mean_delta": f.mean_delta.estimate,
        "delta_low": f.mean_delta.low,
        "delta_high": f.mean_delta.high,
    }


def _cell(value: Any, low: Any, high: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def flips_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The markdown view: counts beside rates 'estimate [low, high]'."""
    return pd.DataFrame(
        {
            "model": frame.model,
            "benchmark": frame.suite,
            "group": frame.task,
            "metric": frame.metric,
            "n": frame.n,
            "base right": frame.base_right,
            "right→wrong": frame.right_to_wrong,
            "right→wrong rate": [_cell(*r) for r in zip(frame.rw_rate, frame.rw_low, frame.rw_high)],
            "wrong→right": frame.wrong_to_right,
            "wrong→right rate": [_cell(*r) for r in zip(frame.wr_rate, frame.wr_low, frame.wr_high)],
            "chance-corrected forgetting": [
                _cell(*r) for r in zip(frame.chance_corrected, frame.cc_low, frame.cc_high)
            ],
            "mean delta": [_cell(*r) for r in zip(frame.mean_delta, frame.delta_low, frame.delta_high)],
        }
    )


FLIPS_LEGEND = (
    "Item by item against the base on the same items (0/1 scores): `right→wrong` = right in the base, "
    "wrong in the model; rates are shares of all n paired items (wrong→right rate − right→wrong rate = "
    "mean delta), with {pct}% paired cluster-bootstrap CIs (users or scenarios; items where they do not "
    "cluster). `chance-corrected forgetting` = right→wrong / Σ over base-right items of (1 − 1/k), k = the "
    "item's options: 0 = nothing lost, 1 = as if guessing on every previously-right item, above 1 = worse than "
    "guessing (blank: option "
    "counts unknown)."
)


def flips_markdown(frame: pd.DataFrame, confidence: float) -> str:
    """deltas.md's first sections: forgetting = right→wrong on general reasoning, then social benchmarks."""
    legend = FLIPS_LEGEND.format(pct=int(confidence * 100))
    if frame.empty:
        return "## Forgetting: right→wrong flips on general reasoning\n\n_(no multiple-choice items)_\n\n"
    out = []
    for title, sel in (
        ("Forgetting: right→wrong flips on general reasoning", frame.group == FORGETTING),
        ("Flips on the social benchmarks", frame.group != FORGETTING),
    ):
        part = frame[sel]
        body = flips_view(part).to_markdown(index=False) if not part.empty else "_(no multiple-choice items)_"
        out.append(f"## {title}\n\n{body}\n")
    return out[0] + "\n" + legend + "\n\n" + out[1] + "\n"
