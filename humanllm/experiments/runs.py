"""Where an experiment's runs live and what each run is told: shared by the orchestrator
(`experiments/runner.py`, which writes the run records) and the report (`report/experiment.py`, which
reads them). A leaf: it imports neither of them.
"""

from __future__ import annotations

from pathlib import Path

from humanllm.experiments.spec import ExperimentSpec, RunSpec
from humanllm.io import read_json
from humanllm.paths import shown

RUN_RECORD = "run.json"


def experiment_dir(out: str | Path, name: str) -> Path:
    return (Path(out) / name).resolve()


def run_dir(out: str | Path, name: str, run: str) -> Path:
    return experiment_dir(out, name) / "runs" / run


def full_overrides(spec: ExperimentSpec, run: RunSpec, out: str | Path, fast: bool, extra: list[str]) -> list[str]:
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
