"""Errors with messages that say which config key to set and how to get the data."""

from __future__ import annotations

from pathlib import Path


class BenchmarkDataMissing(FileNotFoundError):
    """The benchmark's data folder is unset, missing, or not in the official layout."""


class BenchmarkDataInvalid(ValueError):
    """A benchmark file exists but does not follow the official schema."""


def missing_data(
    benchmark: str, data_dir: str | Path | None, detail: str, layout: str, fetch_command: str | None
) -> BenchmarkDataMissing:
    """Build the error for a missing/unusable data folder, naming `eval.data.<benchmark>`; `layout` and
    `fetch_command` are what the benchmark declares (Benchmark.missing passes them)."""
    where = "is not set" if data_dir is None else f"= {data_dir}: {detail or 'no such folder'}"
    get = (
        f"or download it with `humanllm fetch {fetch_command}` (needs internet) and point the key at the result."
        if fetch_command
        else "(it has no download: put its files there by hand)."
    )
    return BenchmarkDataMissing(
        f"{benchmark} data not found: eval.data.{benchmark} {where}. "
        f"Set eval.data.{benchmark}=<folder holding {layout}>, {get}"
    )
