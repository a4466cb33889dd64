"""Every registered benchmark that the eval config enables (MotiveBench, ToMBench, BIG-bench, ...), run on the
loaded model and flattened into the eval artifact's scores and items.

Score keys are `<benchmark>/<group>/<metric>` with the group's columns joined by dots, e.g.
`motivebench/Persona.motivation/accuracy`, `tombench/en.ability.Belief/accuracy`, `bigbench/navigate/accuracy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.eval.benchmarks import BenchmarkResult, benchmarks, run_benchmark
from humanllm.eval.benchmarks.registry import runnable_benchmarks
from humanllm.llm import make_backend


def flatten(result: BenchmarkResult) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Score keys and item rows; a `protocol` group column names only protocols other than the run's `mode`
    (the configured mode keeps the plain names, modes run beside it head their groups)."""
    metric_col = "metric" if "metric" in result.group_cols else None
    groups = [c for c in result.group_cols if c != metric_col]

    def names(row: Any) -> tuple[str, str]:
        parts = [str(row[c]) for c in groups if not (c == "protocol" and row[c] == result.config.get("mode"))]
        return ".".join(parts), (str(row[metric_col]) if metric_col else "accuracy")

    scores = {}
    for _, row in result.summary.iterrows():
        task, metric = names(row)
        scores[f"{result.name}/{task}/{metric}"] = float(row["estimate"])
    items = []
    for _, row in result.units.iterrows():
        task, metric = names(row)
        items.append({"suite": result.name, "task": task, "metric": metric, "item_id": str(row["unit_id"]),
                      "value": float(row["score"])})  # fmt: skip
    return scores, items


def headline_keys(scores: dict[str, float]) -> list[str]:
    """The benchmark numbers the main table shows (each benchmark says which; the rest go to benchmarks.md)."""
    return [k for b in benchmarks().values() for k in b.headline(scores)]


def benchmark_suites(ctx: Any) -> list[str]:
    return [b.name for b in runnable_benchmarks(ctx.cfg.eval)]


def run_registered_benchmark(ctx: Any, name: str, lm: Any, out_dir: Path) -> tuple[dict[str, float], list[dict]]:
    e, bench = ctx.cfg.eval, benchmarks()[name]
    if not bench.needs_llm(e):
        result = run_benchmark(bench, lm, e, out_dir / name, e.lm_eval.apply_chat_template, seed=ctx.cfg.seed)
        return flatten(result)

    with make_backend(ctx.cfg.llm, ctx.store.root) as llm:
        result = run_benchmark(bench, lm, e, out_dir / name, e.lm_eval.apply_chat_template, seed=ctx.cfg.seed, llm=llm)
    return flatten(result)
