"""Run a registered benchmark through lm-eval on an already-loaded LM and score the logged samples.

    result = run_benchmark(benchmarks()["tombench"], lm, cfg.eval, out_dir, apply_chat_template=True, seed=0)

lm-eval's per-request "exceeds model's maximum length ... Truncating" warnings are counted into one line
per run (`config["truncated_requests"]`) instead of thousands of log lines.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.eval.benchmarks.registry import Benchmark
from humanllm.eval.benchmarks.result import BenchmarkResult

log = logging.getLogger(__name__)
_TRUNCATION = re.compile(r"exceeds model's maximum length|[Tt]runcating")


class _TruncationCounter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if _TRUNCATION.search(record.getMessage()):
            self.count += 1
            return False
        return True


@contextmanager
def collapsed_truncation_warnings() -> Iterator[_TruncationCounter]:
    """Swallow lm-eval's truncation warnings (on every logger they go through) and count them."""
    counter = _TruncationCounter()
    loggers = [logging.getLogger(n) for n in ("lm_eval", "lm-eval", "lm_eval.models.huggingface", "")]
    for lg in loggers:
        lg.addFilter(counter)
    handlers = [h for lg in loggers for h in lg.handlers]
    for h in handlers:
        h.addFilter(counter)
    try:
        yield counter
    finally:
        for lg in loggers:
            lg.removeFilter(counter)
        for h in handlers:
            h.removeFilter(counter)


def run_tasks(
    lm: Any, tasks: list[str], include_path: Path, metadata: dict[str, Any], apply_chat_template: bool, seed: int = 0
) -> tuple[dict, int]:
    """(lm-eval output with samples logged, truncated request count) for our YAML tasks only.

    Data settings travel as TaskManager metadata: lm-eval passes them to each task's `custom_dataset`.
    """
    import lm_eval
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(include_path), include_defaults=False, metadata=metadata)
    with collapsed_truncation_warnings() as truncated:
        out = lm_eval.simple_evaluate(
            model=lm, tasks=tasks, task_manager=manager, apply_chat_template=apply_chat_template, log_samples=True,
            bootstrap_iters=0,  # CIs come from our bootstrap over items, not lm-eval's per-doc stderr
            random_seed=seed, numpy_random_seed=seed, torch_random_seed=seed, fewshot_random_seed=seed,
        )  # fmt: skip
    if out is None:  # non-zero rank in a distributed run
        raise RuntimeError("lm-eval returned no results on this rank")
    if truncated.count:
        log.warning(
            "%s: %d requests were longer than the model's context and left-truncated by lm-eval",
            ", ".join(tasks),
            truncated.count,
        )
    return out, truncated.count


def _aggregates(results: dict[str, Any]) -> dict[str, Any]:
    return {t: {k: v for k, v in r.items() if isinstance(v, (int, float, str))} for t, r in results.items()}


def run_benchmark(
    bench: Benchmark,
    lm: Any,
    e: Any,
    out_dir: str | Path,
    apply_chat_template: bool,
    seed: int = 0,
    include_path: Path | None = None,
    llm: Any = None,
) -> BenchmarkResult:
    """Evaluate `bench`'s tasks, turn logged samples into per-response rows (rescored with the `llm` backend
    where the benchmark asks for it), summarize with CIs, save."""
    bench.require_data(e)
    start = time.time()
    tasks = bench.tasks(e)
    out, truncated = run_tasks(
        lm, tasks, include_path or bench.evals_folder(), bench.metadata(e, seed), apply_chat_template, seed
    )
    rows = [{"task": t, **bench.rows(s["doc"], s["filtered_resps"])} for t in tasks for s in out["samples"][t]]
    items = bench.reparse(pd.DataFrame(rows), e, llm)
    units, summary = bench.summarize(items, e.bootstrap)
    config = {**bench.config(e).model_dump(exclude=bench.unread_settings(e)), "data_dir": str(bench.data_dir(e)), "seed": seed, "tasks": tasks,
              "apply_chat_template": apply_chat_template, "truncated_requests": truncated,
              "seconds": round(time.time() - start, 2)}  # fmt: skip
    result = BenchmarkResult(bench.name, items, units, summary, bench.group_cols, config, _aggregates(out["results"]))
    result.save(out_dir)
    return result
