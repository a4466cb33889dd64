"""Where a table spec's runs live and what each run is told: shared by the orchestrator
(`tables/runner.py`, which writes the run records) and the report (`report/table_runs.py`, which
reads them). A leaf: it imports neither of them.
"""

from __future__ import annotations

from pathlib import Path

from humanllm._aliases import renamed_attributes
from humanllm.io import read_json
from humanllm.paths import shown
from humanllm.tables.spec import RunSpec, TableSpec

RUN_RECORD = "run.json"


def table_dir(out: str | Path, name: str) -> Path:
    return (Path(out) / name).resolve()


def run_dir(out: str | Path, name: str, run: str) -> Path:
    return table_dir(out, name) / "runs" / run


def full_overrides(spec: TableSpec, run: RunSpec, out: str | Path, fast: bool, extra: list[str]) -> list[str]:
    """The run's overrides plus where it writes (relative to the working folder when inside it, so run
    records name no machine's paths) and what it scores (base and one merged model)."""
    return [
        *spec.run_overrides(run, fast, extra),
        f"experiment_name={spec.name}",
        f"paths.results={shown(run_dir(out, spec.name, run.name))}",
        "eval.targets=[base,merged]",
    ]


def read_run(out: str | Path, name: str, run: str) -> dict | None:
    path = run_dir(out, name, run) / RUN_RECORD
    return read_json(path) if path.is_file() else None


__getattr__ = renamed_attributes(__name__, {"experiment_dir": "table_dir"})  # the old public names, for one release
