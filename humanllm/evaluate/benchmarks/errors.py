"""Errors with messages that say which config key to set and how to get the data."""

from __future__ import annotations

from pathlib import Path

_LAYOUT = {
    "motivebench": "Persona/, Amazon/, Blog/ each with <Subset>_questions.json",
    "tombench": "data/*.jsonl or the *.jsonl files themselves (github.com/zhchen18/ToMBench)",
    "bigbench": "<task>/task.json files (BIG-bench's benchmark_tasks/)",
}
_FETCH = {"bigbench": "humanllm fetch general"}


class BenchmarkDataMissing(FileNotFoundError):
    """The benchmark's data folder is unset, missing, or not in the official layout."""


class BenchmarkDataInvalid(ValueError):
    """A benchmark file exists but does not follow the official schema."""


def missing_data(benchmark: str, data_dir: str | Path | None, detail: str = "") -> BenchmarkDataMissing:
    """Build the error for a missing/unusable data folder, naming `eval.data.<benchmark>`."""
    where = "is not set" if data_dir is None else f"= {data_dir}: {detail or 'no such folder'}"
    return BenchmarkDataMissing(
        f"{benchmark} data not found: eval.data.{benchmark} {where}. "
        f"Set eval.data.{benchmark}=<folder holding {_LAYOUT[benchmark]}>, "
        f"or download it with `{_FETCH.get(benchmark, 'humanllm fetch benchmarks')}` (needs internet) and point the "
        "key at the result."
    )
