"""Benchmark results: per-response items, per-unit scores, summaries with bootstrap CIs, files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.eval.stats import bootstrap_ci, paired_bootstrap_diff
from humanllm.io import write_json, write_jsonl


@dataclass
class BenchmarkResult:
    """What one benchmark run on one model produced.

    items: one row per model response (item, ordering/shuffle, gold, pred, correct).
    units: one row per scored unit and summary group (`group_cols` + unit_id + score); the
        bootstrap resamples these, and two models are compared on the same unit_ids.
    summary: one row per group with the estimate and its CI (plus benchmark-specific columns).
    """

    name: str
    items: pd.DataFrame
    units: pd.DataFrame
    summary: pd.DataFrame
    group_cols: list[str]
    config: dict[str, Any] = field(default_factory=dict)
    lm_eval: dict[str, Any] = field(default_factory=dict)  # lm-eval's own aggregate per task
    files: dict[str, Path] = field(default_factory=dict)

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write items (CSV + JSONL), units, summary (CSV + JSON) and run info to `out_dir`."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "items_csv": out / "items.csv",
            "items_jsonl": out / "items.jsonl",
            "units_csv": out / "units.csv",
            "summary_csv": out / "summary.csv",
            "summary_json": out / "summary.json",
            "run_json": out / "run.json",
        }
        self.items.to_csv(files["items_csv"], index=False)
        write_jsonl(files["items_jsonl"], _records(self.items))
        self.units.to_csv(files["units_csv"], index=False)
        self.summary.to_csv(files["summary_csv"], index=False)
        write_json(files["summary_json"], _records(self.summary))
        write_json(files["run_json"], {"benchmark": self.name, "config": self.config, "lm_eval": self.lm_eval})
        self.files = files
        return files

    def value(self, **group: str) -> float:
        """The summary estimate of one group, e.g. value(subset='all', metric='accuracy', question_type='all')."""
        mask = pd.Series(True, index=self.summary.index)
        for key, val in group.items():
            mask &= self.summary[key] == val
        hit = self.summary[mask]
        if len(hit) != 1:
            raise KeyError(f"{self.name}: {len(hit)} summary rows match {group}")
        return float(hit["estimate"].iloc[0])


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False))


def summarize_units(
    units: pd.DataFrame, group_cols: list[str], samples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Mean unit score per group with a percentile bootstrap CI (seeded identically per group)."""
    rows = []
    for key, grp in units.groupby(group_cols, sort=False):
        ci = bootstrap_ci(grp["score"].to_numpy(), samples, confidence, seed)
        row = {"n": ci.n, "estimate": ci.estimate, "ci_low": ci.low, "ci_high": ci.high}
        rows.append({**dict(zip(group_cols, key)), **row})
    return pd.DataFrame(rows)


def compare(
    a: BenchmarkResult, b: BenchmarkResult, samples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Paired bootstrap of b - a per summary group, on the units both results scored."""
    if a.name != b.name or a.group_cols != b.group_cols:
        raise ValueError(f"cannot compare {a.name} with {b.name}: different benchmarks or groups")
    keys = a.group_cols + ["unit_id"]
    both = a.units.merge(b.units, on=keys, suffixes=("_a", "_b"))
    rows = []
    for key, grp in both.groupby(a.group_cols, sort=False):
        d = paired_bootstrap_diff(grp["score_a"].to_numpy(), grp["score_b"].to_numpy(), samples, confidence, seed)
        rows.append(
            {
                **dict(zip(a.group_cols, key)),
                "n": d.n,
                "a": float(grp["score_a"].mean()),
                "b": float(grp["score_b"].mean()),
                "diff": d.estimate,
                "ci_low": d.low,
                "ci_high": d.high,
                "excludes_zero": d.excludes_zero,
            }
        )
    return pd.DataFrame(rows)
