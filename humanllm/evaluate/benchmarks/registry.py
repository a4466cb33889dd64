"""One registry for benchmarks. A benchmark is evals/<name>/ (lm-eval YAMLs + utils.py) plus one module in
this package that subclasses `Benchmark` and is decorated with `@register`; the pre-flight, the runner,
the contamination check, `humanllm fetch` and the report find it here.

    @register
    class MyBench(Benchmark):
        name = "mybench"                      # evals/mybench/, cfg.eval.mybench, cfg.eval.data.mybench
        group_cols = ["group"]
        def check_data(self, e): ...          # read all data, return issues (file:line: what, action)
        def tasks(self, e): ...               # lm-eval task names to run
        def metadata(self, e, seed): ...      # TaskManager metadata for evals/mybench/utils.py
        def rows(self, doc, resps): ...       # one response -> a row of the items table
        def summarize(self, items, boot): ... # (units, summary) with bootstrap CIs
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from humanllm.evaluate.benchmarks.errors import BenchmarkDataMissing, missing_data
from humanllm.evaluate.contamination import BenchmarkText

_REGISTRY: dict[str, "Benchmark"] = {}


class Benchmark:
    """What a benchmark declares; defaults cover the common cases."""

    name: ClassVar[str]
    group_cols: ClassVar[list[str]]
    headline_metrics: ClassVar[tuple[str, ...]] = ("accuracy",)
    checks_contamination: ClassVar[bool] = False  # True: contamination_texts() is checked against training data
    contamination_settings: ClassVar[tuple[str, ...]] = ()  # the settings that choose those texts (in that stage's key)

    def config(self, e: Any) -> Any:
        return getattr(e, self.name)

    def enabled(self, e: Any) -> bool:
        return bool(self.config(e).enabled)

    def data_dir(self, e: Any) -> str | None:
        return getattr(e.data, self.name)

    def require_data(self, e: Any) -> Path:
        """The configured data folder; BenchmarkDataMissing (naming eval.data.<name>) when unusable."""
        spec = self.data_dir(e)
        if spec is None or not Path(spec).expanduser().is_dir():
            raise missing_data(self.name, spec)
        return Path(spec).expanduser().resolve()  # lm-eval needs absolute data paths

    def unavailable(self, e: Any) -> str | None:
        """Why the benchmark is reported as not run: its data cannot be had and its config says
        `if_unavailable: not_run`. None when it runs (or when missing data must fail the run)."""
        if getattr(self.config(e), "if_unavailable", "fail") != "not_run":
            return None
        try:
            self.require_data(e)
        except BenchmarkDataMissing as err:
            return str(err)
        return None

    def source_note(self, e: Any) -> str | None:
        """A line for the scores' notes saying where the data came from, when that can vary."""
        return None

    def check_data(self, e: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def data_files(self, e: Any) -> list[Path]:
        """The files a run with settings `e` reads (for cache keys): by default every file in the folder."""
        return sorted(p for p in self.require_data(e).rglob("*") if p.is_file())

    def tasks(self, e: Any) -> list[str]:
        raise NotImplementedError

    def metadata(self, e: Any, seed: int) -> dict[str, Any]:
        raise NotImplementedError

    def rows(self, doc: dict, resps: Any) -> dict[str, Any]:
        raise NotImplementedError

    def summarize(self, items: pd.DataFrame, bootstrap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        raise NotImplementedError

    def headline(self, scores: dict[str, float]) -> list[str]:
        """Score keys the main table shows: pooled groups (ending in '.all' or 'all') of headline metrics."""
        out = []
        for key in scores:
            suite, group, metric = key.split("/", 2)
            if suite == self.name and metric in self.headline_metrics and group.split(".")[-1] == "all":
                out.append(key)
        return out

    def contamination_texts(self, e: Any) -> list[BenchmarkText]:
        return []

    def needs_llm(self, e: Any) -> bool:
        """Whether scoring asks the `llm` endpoint (then its identity is in the eval key and `reparse` gets it)."""
        return False

    def unread_settings(self, e: Any) -> set[str]:
        """Settings the configured run never reads (left out of the eval key)."""
        return set()

    def reparse(self, items: pd.DataFrame, e: Any, llm: Any) -> pd.DataFrame:
        """Rescore rows after generation (e.g. an LLM that reads the answer out of a reply); default: as they are."""
        return items

    def fetch(self, dest: Path) -> Path:
        raise NotImplementedError(f"{self.name} has no download; put its files in a folder by hand")


def register(cls: type[Benchmark]) -> type[Benchmark]:
    _REGISTRY[cls.name] = cls()
    return cls


def benchmarks() -> dict[str, Benchmark]:
    """Every registered benchmark (importing this package's modules registers them)."""
    package = importlib.import_module("humanllm.evaluate.benchmarks")
    for mod in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{mod.name}")
    return dict(_REGISTRY)


def enabled_benchmarks(e: Any) -> list[Benchmark]:
    return [b for b in benchmarks().values() if b.enabled(e)]


def not_run(e: Any) -> dict[str, str]:
    """Enabled benchmarks reported as not run, with why (see Benchmark.unavailable)."""
    return {b.name: reason for b in enabled_benchmarks(e) if (reason := b.unavailable(e))}


def runnable_benchmarks(e: Any) -> list[Benchmark]:
    """Enabled benchmarks that run (not those reported as not run)."""
    skipped = not_run(e)
    return [b for b in enabled_benchmarks(e) if b.name not in skipped]
