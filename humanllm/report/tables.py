"""Build the report tables from evaluation artifacts: scores with bootstrap CIs, and paired deltas.

Intervals resample clusters (held-out users; benchmark scenarios), not items, whenever items carry a
`cluster`. A delta is called significant only when its interval excludes 0 AND it stands on at least
`min_items` items from `min_clusters` clusters; otherwise it reads "n too small". Every row states the
smallest difference its n could detect (80% power at the table's confidence).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.eval.benchmarks.registry import social_suites, table_group_of
from humanllm.eval.stats import bootstrap_ci, paired_bootstrap_diff
from humanllm.io import read_json, read_jsonl

LOWER_IS_BETTER = ("bits_per_byte", "perplexity", "unparsed")
ITEM_COLUMNS = ["suite", "task", "metric", "item_id", "value", "cluster", "platform", "weight", "n_choices"]


def higher_is_better(metric: str) -> bool:
    return not any(tag in metric for tag in LOWER_IS_BETTER)


def score_dirs(ev: dict[str, Any]) -> list[Path]:
    """Folders holding scores.json + items.jsonl for one evaluated model (eval, then judge if any)."""
    return [Path(p) for p in (ev["eval_path"], ev.get("judge_path")) if p]


def load_items(ev: dict[str, Any]) -> pd.DataFrame:
    """Per-item values; `cluster` defaults to the item itself (independent items), `weight` to none (a plain
    mean; bits_per_byte items carry their document's bytes, see `item_weights`)."""
    rows = [r for d in score_dirs(ev) for r in read_jsonl(d / "items.jsonl")]
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS) if rows else pd.DataFrame(columns=ITEM_COLUMNS)
    frame["item_id"] = frame["item_id"].astype(str)
    frame["cluster"] = frame["cluster"].where(frame["cluster"].notna(), frame["item_id"]).astype(str)
    return frame


def item_weights(sel: pd.DataFrame) -> Any:
    """The items' weights when they carry them (a ratio-of-sums metric: corpus bits per byte), else None."""
    if "weight" not in sel or sel.weight.isna().all():
        return None
    if sel.weight.isna().any():
        raise ValueError(f"items of {sel.metric.iloc[0]}: some carry a weight and some do not")
    return sel.weight.to_numpy(dtype=float)


def delta_group(suite: str) -> str:
    """How a delta reads: a gain on held-out tasks, social benchmarks, forgetting, or the judge's view."""
    if suite == "indomain":
        return "in-domain"
    if suite == "judge":
        return "judge"
    return table_group_of(suite) or "general reasoning (forgetting)"  # a benchmark says its own group


def load_scores(ev: dict[str, Any]) -> tuple[dict[str, float], set[str], list[str]]:
    """(scores, headline keys, notes) merged over the model's score folders."""
    scores: dict[str, float] = {}
    headline: set[str] = set()
    notes: list[str] = []
    for d in score_dirs(ev):
        stored = read_json(d / "scores.json")
        scores.update(stored["scores"])
        headline |= set(stored.get("headline", stored["scores"]))
        notes += stored.get("notes", [])
    return scores, headline, notes


def not_run_suites(index: dict[str, Any]) -> dict[str, str]:
    """Suites an evaluation reported as not run (data that could not be had), with why and how to get it."""
    out: dict[str, str] = {}
    for ev in index["evaluations"]:
        for d in score_dirs(ev):
            out.update(read_json(d / "scores.json").get("not_run", {}))
    return out


def not_run_markdown(index: dict[str, Any]) -> str:
    """A table of not-run suites (the rows a reader looks for), or "" when every suite ran."""
    rows = not_run_suites(index)
    if not rows:
        return ""
    lines = [
        "",
        "Not run (no number above stands for these suites):",
        "",
        "| suite | group | status |",
        "|---|---|---|",
    ]
    lines += [f"| {suite} | {delta_group(suite)} | not run: {why.replace('|', '/')} |" for suite, why in rows.items()]
    return "\n".join(lines) + "\n"


def is_count(key: str) -> bool:
    """`…/n` and `…/n_<platform>` hold counts, not metrics."""
    last = key.rsplit("/", 1)[-1]
    return last == "n" or last.startswith("n_")


def scores_frame(index: dict[str, Any], samples: int, confidence: float, seed: int) -> pd.DataFrame:
    """Long table: one row per (model, metric) with mean and a cluster-bootstrap interval."""
    rows = []
    for ev in index["evaluations"]:
        scores, headline, _ = load_scores(ev)
        items = load_items(ev)
        for key, value in scores.items():
            if is_count(key):
                continue
            suite, task, metric = key.split("/", 2)
            sel = items[(items.suite == suite) & (items.task == task) & (items.metric == metric)]
            low = high = float("nan")
            if len(sel) > 1 and metric not in ("byte_perplexity", "word_perplexity"):
                ci = bootstrap_ci(
                    sel.value.to_numpy(),
                    samples,
                    confidence,
                    seed,
                    clusters=sel.cluster.to_numpy(),
                    weights=item_weights(sel),
                )
                low, high = ci.low, ci.high
            rows.append(
                {
                    "model": ev["label"],
                    "alpha": ev["alpha"],
                    "suite": suite,
                    "task": task,
                    "metric": metric,
                    "value": float(value),
                    "low": low,
                    "high": high,
                    "n": len(sel),
                    "clusters": sel.cluster.nunique(),
                    "headline": key in headline,
                }
            )
    return pd.DataFrame(rows)


def platform_counts(index: dict[str, Any]) -> pd.DataFrame:
    """Held-out items per in-domain task and platform (from the base model's evaluation, else the first)."""
    evs = index["evaluations"]
    ev = next((e for e in evs if e["kind"] == "base"), evs[0] if evs else None)
    if ev is None:
        return pd.DataFrame()
    items = load_items(ev)
    items = items[items.suite == "indomain"]
    if items.empty:
        return pd.DataFrame()
    first = items.groupby("task").metric.first()
    items = items[items.metric == items.task.map(first)]
    table = items.pivot_table(index="task", columns="platform", values="item_id", aggfunc="count", fill_value=0)
    table["users"] = items.groupby("task").cluster.nunique()
    table["n"] = items.groupby("task").size()
    return table


def column_names(long: pd.DataFrame) -> pd.Series:
    """`task/metric` for in-domain and general suites; `suite/task/metric` for benchmarks and judges."""
    plain = long.suite.isin(["indomain", "general"])
    return (long.suite + "/").where(~plain, "") + long.task + "/" + long.metric


def wide_table(long: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Paper layout: models as rows, `task/metric` as columns, cells 'mean [low, high]'."""

    def cell(r: pd.Series) -> str:
        if pd.isna(r.low):
            return f"{r.value:.4f}"
        return f"{r.value:.4f} [{r.low:.3f}, {r.high:.3f}]"

    long = long[long.headline]
    long = long.assign(column=column_names(long), cell=long.apply(cell, axis=1))
    table = long.pivot(index="model", columns="column", values="cell")
    columns = sorted(table.columns, key=lambda c: (c.startswith("english") or "/" not in c, c))
    return table.reindex(index=[m for m in order if m in table.index], columns=columns)


def numeric_table(long: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    long = long[long.headline]
    long = long.assign(column=column_names(long))
    table = long.pivot(index="model", columns="column", values="value")
    return table.reindex(index=[m for m in order if m in table.index])


def delta_frame(
    index: dict[str, Any], samples: int, confidence: float, seed: int, min_items: int = 30, min_clusters: int = 10
) -> pd.DataFrame:
    """Each model minus base on the same items, grouped (in-domain, social benchmarks, forgetting, judge)."""
    evs = index["evaluations"]
    base = next((e for e in evs if e["kind"] == "base"), None)
    if base is None:
        return pd.DataFrame()
    base_items = load_items(base)
    rows = []
    for ev in evs:
        if ev is base:
            continue
        items = load_items(ev)
        merged = base_items.merge(
            items.drop(columns=["cluster", "platform", "weight", "n_choices"]),
            on=["suite", "task", "metric", "item_id"],
            suffixes=("_base", "_model"),
        )
        for (suite, task, metric), g in merged.groupby(["suite", "task", "metric"], sort=True):
            d = paired_bootstrap_diff(
                g.value_base.to_numpy(),
                g.value_model.to_numpy(),
                samples,
                confidence,
                seed,
                clusters=g.cluster.to_numpy(),
                weights=item_weights(g),
            )
            better = d.estimate > 0 if higher_is_better(metric) else d.estimate < 0
            enough = d.n >= min_items and (d.clusters or d.n) >= min_clusters
            rows.append(
                {
                    "model": ev["label"],
                    "alpha": ev["alpha"],
                    "group": delta_group(suite),
                    "task": task,
                    "metric": metric,
                    "delta": d.estimate,
                    "low": d.low,
                    "high": d.high,
                    "n": d.n,
                    "clusters": d.clusters,
                    "detectable": d.detectable_difference(),
                    "significant": ("yes" if d.excludes_zero else "no") if enough else "n too small",
                    "direction": ("better" if better else "worse") if d.estimate != 0 else "same",
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    order = {g: i for i, g in enumerate(["in-domain", "social benchmarks", "general reasoning (forgetting)", "judge"])}
    return frame.sort_values("group", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)


def benchmark_table(long: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Every MotiveBench / ToMBench group (subset × question type, task file, ability) × model."""
    bench = long[long.suite.isin(social_suites())]
    if bench.empty:
        return bench
    bench = bench.assign(
        cell=bench.apply(
            lambda r: f"{r.value:.3f} [{r.low:.3f}, {r.high:.3f}]" if pd.notna(r.low) else f"{r.value:.3f}", axis=1
        )
    )
    table = bench.pivot_table(
        index=["suite", "task", "metric"], columns="model", values="cell", aggfunc="first", sort=False
    )
    table = table.reindex(columns=[m for m in order if m in table.columns]).reset_index()
    table.columns.name = None
    return table.rename(columns={"suite": "benchmark", "task": "group"})
