"""CLI glue: `humanllm table <name>`, `humanllm report table=<name>` and `humanllm report data`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from humanllm._aliases import renamed_attributes
from humanllm.config import load_config
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext
from humanllm.report.data_quality import write_data_quality
from humanllm.report.table_runs import write_table_report
from humanllm.tables.runner import run_table
from humanllm.tables.runs import full_overrides, table_dir
from humanllm.tables.spec import has_spec, load_table_spec


def run_table_command(args: argparse.Namespace) -> int:
    spec = load_table_spec(args.name)
    if args.cfg:  # print each run's overrides (compose one with `humanllm pipeline <overrides> --cfg`)
        for run in spec.expand(args.fast):
            print(f"{run.name}: {' '.join(full_overrides(spec, run, args.out, args.fast, list(args.overrides)))}")
        return 0
    status = run_table(spec, args.out, args.fast, list(args.overrides), args.run, args.config_dir)
    folder = table_dir(args.out, spec.name)
    print((folder / "table.md").read_text())
    for run, state in status.items():
        print(f"run {run}: {state}")
    print(f"results: {folder}")
    return 0 if all(s == "done" for s in status.values()) else 1


def deprecated(old: str, new: str) -> None:
    """One line on stderr: an old spelling still works for one release and names its replacement."""
    print(f"humanllm {old}: deprecated, goes away in the next release; use `humanllm {new}`", file=sys.stderr)


def table_report_name(args: argparse.Namespace) -> str | None:
    """`humanllm report table=<name>`; for one release also `report experiment=<name>` where <name> has a
    table spec (a config preset without one gets the plain report)."""
    tables = [o.split("=", 1)[1] for o in args.overrides if o.startswith("table=")]
    if tables:
        return tables[-1]
    named = [o.split("=", 1)[1] for o in args.overrides if o.startswith("experiment=")]
    if named and has_spec(named[-1]):
        deprecated(f"report experiment={named[-1]}", f"report table={named[-1]}")
        return named[-1]
    return None


def report_command(args: argparse.Namespace) -> int | None:
    """Handle the table and data reports; None when the plain `report` should run."""
    if args.overrides[:1] == ["data"]:
        return report_data(args.overrides[1:], args.config_dir, args.sample)
    name = table_report_name(args)
    if name is None:
        return None
    files = write_table_report(load_table_spec(name), getattr(args, "out", None) or "results")
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


__getattr__ = renamed_attributes(
    __name__, {"run_experiment_command": "run_table_command", "experiment_report_name": "table_report_name"}
)  # the old public names, for one release
