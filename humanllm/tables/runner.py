"""`humanllm table <name>`: run a table spec's runs (each a sweep trial) and write its report.

Every run goes through the sweep driver's `TrialRunner`: it trains or reuses the SFT model, merges at
the run's α (in memory for linear / task arithmetic) and scores base and merged, recording its config
under `<out>/<name>/runs/<run>/`. Finished stages are reused, so a rerun of a finished table only
rebuilds the report. A run that cannot start (say, MotiveBench data absent) is recorded with its reason
and the others still run; the report then lists it as missing with the command that fills it.
"""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path

from humanllm._aliases import renamed_attributes
from humanllm.config import load_config
from humanllm.config_checks import blog_corpus_problems
from humanllm.io import read_json, write_json
from humanllm.paths import shown, shown_text
from humanllm.report.table_runs import write_table_report
from humanllm.schema import ConfigError
from humanllm.sweep.spec import ObjectiveSpec, ParamSpec, SweepSpec
from humanllm.sweep.trial import TrialRunner
from humanllm.tables.runs import RUN_RECORD, full_overrides, run_dir, table_dir
from humanllm.tables.spec import RunSpec, TableSpec

log = logging.getLogger("humanllm")


def trial_spec(spec: TableSpec, runs: list[RunSpec]):
    """The sweep-driver view of a table spec: one grid point per run, forgetting as the objective."""
    return SweepSpec(
        name=spec.name,
        description=spec.title,
        params={"run": ParamSpec(grid=[r.name for r in runs])},
        objectives=[
            ObjectiveSpec(
                name="forgetting", metric=spec.layout.forgetting_metric, relative_to="base", direction="minimize"
            )
        ],
    )


def run_table(
    spec: TableSpec,
    out: str | Path = "results",
    fast: bool = False,
    extra: list[str] | None = None,
    only: list[str] | None = None,
    config_dir: str | None = None,
) -> dict[str, str]:
    """Run (or reuse) every run of `spec`, then write the report; returns {run: "done" | "failed: …"}."""
    runs = spec.expand(fast)
    unknown = sorted(set(only or []) - {r.name for r in runs})
    if unknown:
        raise ConfigError(
            f"--run: unknown run(s) {unknown} of table {spec.name} (runs: {', '.join(r.name for r in runs)})"
        )
    chosen = [r for r in runs if not only or r.name in only]
    for run in chosen:  # every run's config composes and validates before anything trains
        cfg = load_config(full_overrides(spec, run, out, fast, extra or []), config_dir)
        absent = blog_corpus_problems(cfg)  # every run would fail on it: say so once, before anything runs
        if absent:
            raise ConfigError("\n".join(absent))
    folder = table_dir(out, spec.name)
    write_json(
        folder / "experiment.json",
        {
            "name": spec.name,
            "fast": fast,
            "extra_overrides": list(extra or []),
            "spec": spec.model_dump(mode="json"),
            "config_dir": config_dir,
        },
    )
    runner = TrialRunner(trial_spec(spec, runs), folder, config_dir)
    status: dict[str, str] = {}
    for number, run in enumerate(runs):
        if run not in chosen:
            continue
        overrides = full_overrides(spec, run, out, fast, extra or [])
        status[run.name] = _run_one(runner, number, run, overrides, run_dir(out, spec.name, run.name), config_dir)
    write_table_report(spec, out, fast=fast)
    return status


def _run_one(runner, number: int, run: RunSpec, overrides: list[str], folder: Path, config_dir: str | None) -> str:
    record = {"name": run.name, "label": run.label, "overrides": overrides}
    t0 = time.perf_counter()
    log.info("table run %s: %s", run.name, " ".join(run.overrides))
    try:
        load_config(overrides, config_dir).preflight(evaluates=True)
        outcome = runner.run(number, overrides, {"run": run.name})
    except (ConfigError, FileNotFoundError) as e:  # cannot start here (data absent, bad value): record why
        write_json(folder / RUN_RECORD, {**record, "status": "failed", "error": str(e)})
        log.error("run %s cannot run: %s", run.name, e)
        return f"failed: {e}"
    except Exception as e:  # one broken run does not cost the others: recorded, reported, exit status 1
        write_json(
            folder / RUN_RECORD,
            {
                **record,
                "status": "failed",
                "error": f"{type(e).__name__}: {e}",
                "traceback": shown_text(traceback.format_exc())[-4000:],
            },
        )
        log.exception("run %s failed", run.name)
        return f"failed: {type(e).__name__}: {e}"
    _show_paths(folder / "evaluations.json")
    write_json(
        folder / RUN_RECORD,
        {
            **record,
            "status": "done",
            "seconds": round(time.perf_counter() - t0, 1),
            "artifact_keys": outcome.artifact_keys,
            "built": outcome.built,
            "reused": outcome.reused,
        },
    )
    return "done"


def _show_paths(index: Path) -> None:
    """The run's evaluations.json names its model and evaluation folders as `shown` does (relative to the
    working folder when inside it): the report reads them from there, and the record names no machine."""
    if not index.is_file():
        return
    data = read_json(index)
    for ev in data.get("evaluations", []):
        for key in ("model_path", "eval_path", "judge_path"):
            if isinstance(ev.get(key), str) and Path(ev[key]).is_absolute():
                ev[key] = shown(ev[key])
    write_json(index, data)


__getattr__ = renamed_attributes(__name__, {"run_experiment": "run_table"})  # the old public names, for one release
