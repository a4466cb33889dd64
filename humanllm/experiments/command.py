"""CLI glue: `humanllm experiment <name>`, `humanllm report experiment=<name>` and `humanllm report data`."""

from __future__ import annotations

import argparse
from pathlib import Path

from humanllm.config import load_config
from humanllm.experiments.runner import run_experiment
from humanllm.experiments.runs import experiment_dir, full_overrides
from humanllm.experiments.spec import has_spec, load_experiment
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext
from humanllm.report.data_quality import write_data_quality
from humanllm.report.experiment import write_experiment_report


def run_experiment_command(args: argparse.Namespace) -> int:
    spec = load_experiment(args.name)
    if args.cfg:  # print each run's overrides (compose one with `humanllm pipeline <overrides> --cfg`)
        for run in spec.expand(args.fast):
            print(f"{run.name}: {' '.join(full_overrides(spec, run, args.out, args.fast, list(args.overrides)))}")
        return 0
    status = run_experiment(spec, args.out, args.fast, list(args.overrides), args.run, args.config_dir)
    folder = experiment_dir(args.out, spec.name)
    print((folder / "table.md").read_text())
    for run, state in status.items():
        print(f"run {run}: {state}")
    print(f"results: {folder}")
    return 0 if all(s == "done" for s in status.values()) else 1


def experiment_report_name(args: argparse.Namespace) -> str | None:
    """`humanllm report experiment=<name>` where <name> has an experiment spec (else the plain report)."""
    named = [o.split("=", 1)[1] for o in args.overrides if o.startswith("experiment=")]
    return named[-1] if named and has_spec(named[-1]) else None


def report_command(args: argparse.Namespace) -> int | None:
    """Handle the experiment and data reports; None when the plain `report` should run."""
    if args.overrides[:1] == ["data"]:
        return report_data(args.overrides[1:], args.config_dir, args.sample)
    name = experiment_report_name(args)
    if name is None:
        return None
    files = write_experiment_report(load_experiment(name), getattr(args, "out", None) or "results")
    print(files["table_md"].read_text())
    for key, path in files.items():
        print(f"{key:<12} {path}")
    return 0


def report_data(overrides: list[str], config_dir: str | None, sample: int) -> int:
    """Build (or reuse) the data stage of this config, then write <results>/data_quality/."""
    cfg = load_config(overrides, config_dir)
    cfg.preflight(evaluates=False)
    state = flow.run_data(RunContext.from_config(cfg), flow.FlowState())
    out = Path(cfg.results_dir) / "data_quality"
    files = write_data_quality(state.corpus.path, state.curated.path if state.curated else None, out, sample, cfg.seed)
    print(files["report"].read_text())
    for key, path in files.items():
        print(f"{key:<16} {path}")
    return 0
