"""MotiveBench and ToMBench on the loaded model, flattened into the eval artifact's scores and items.

Score keys are `<benchmark>/<group>/<metric>` with the group's columns joined by dots, e.g.
`motivebench/Persona.motivation/accuracy` or `tombench/en.ability.Belief/accuracy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.evaluate.benchmarks import run_motivebench, run_tombench


def _flatten(result: Any, suite: str, metric_col: str | None) -> tuple[dict[str, float], list[dict[str, Any]]]:
    groups = [c for c in result.group_cols if c != metric_col]

    def names(row: Any) -> tuple[str, str]:
        task = ".".join(str(row[c]) for c in groups)
        return task, (str(row[metric_col]) if metric_col else "accuracy")

    scores = {}
    for _, row in result.summary.iterrows():
        task, metric = names(row)
        scores[f"{suite}/{task}/{metric}"] = float(row["estimate"])
    items = []
    for _, row in result.units.iterrows():
        task, metric = names(row)
        items.append({"suite": suite, "task": task, "metric": metric, "item_id": str(row["unit_id"]),
                      "value": float(row["score"])})
    return scores, items


def headline_keys(scores: dict[str, float]) -> list[str]:
    """The few benchmark numbers the main table shows (the rest go to benchmarks.md)."""
    keep = []
    for key in scores:
        suite, task, _ = key.split("/", 2)
        if suite == "motivebench" and task.endswith(".all"):
            keep.append(key)
        elif suite == "tombench" and task.endswith("all.all"):
            keep.append(key)
    return keep


def run_social_benchmarks(ctx: Any, lm: Any, out_dir: Path) -> tuple[dict[str, float], list[dict[str, Any]]]:
    e = ctx.cfg.eval
    chat = e.lm_eval.apply_chat_template
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    if e.motivebench.enabled:
        res = run_motivebench(lm, e.motivebench, e.data.motivebench, out_dir / "motivebench", chat,
                              bootstrap=e.bootstrap, seed=ctx.cfg.seed)
        s, i = _flatten(res, "motivebench", "metric")
        scores.update(s)
        items.extend(i)
    if e.tombench.enabled:
        res = run_tombench(lm, e.tombench, e.data.tombench, out_dir / "tombench", chat,
                           bootstrap=e.bootstrap, seed=ctx.cfg.seed)
        s, i = _flatten(res, "tombench", None)
        scores.update(s)
        items.extend(i)
    return scores, items
