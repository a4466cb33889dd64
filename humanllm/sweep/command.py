"""`humanllm sweep <spec> [overrides] [--workers N] [--storage URL] [--dashboard]`."""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path

from humanllm.io import write_json
from humanllm.report.sweep import write_sweep_report
from humanllm.sweep.dashboard import Dashboard
from humanllm.sweep.driver import complete_trials, open_study, run_worker
from humanllm.sweep.folder import DEFAULT_OUT, sweep_dir
from humanllm.sweep.overrides import OverrideBuilder
from humanllm.sweep.spec import SweepSpec, load_spec
from humanllm.sweep.storage import open_storage, storage_url

log = logging.getLogger("humanllm")


def public_url(url: str) -> str:
    """The storage URL without its password (what the sweep folder records)."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _worker_command(args: argparse.Namespace, url: str) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "humanllm.cli",
        "sweep",
        args.spec,
        *args.overrides,
        "--storage",
        url,
        "--out",
        args.out,
        "--worker",
    ]
    return cmd + (["--config-dir", args.config_dir] if args.config_dir else [])


def _spawn_workers(args: argparse.Namespace, url: str, study: object, total: int) -> None:
    """Run `--workers` processes on the study; a dead worker is an error only if its trials were not retried."""
    procs = [subprocess.Popen(_worker_command(args, url)) for _ in range(args.workers)]
    codes = [p.wait() for p in procs]
    bad = [c for c in codes if c != 0]
    if bad and complete_trials(study) < total:
        raise RuntimeError(f"{len(bad)} of {len(procs)} workers failed (exit codes {codes}); rerun to resume")
    if bad:
        log.warning(
            "%d of %d workers died (exit codes %s); the others ran their trials again", len(bad), len(procs), codes
        )


def run_sweep(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    folder = sweep_dir(args.out, spec.name)
    url = storage_url(args.storage, folder)
    study = open_study(spec, open_storage(url, spec.max_retries))
    finished = not args.worker and complete_trials(study) >= spec.total_trials
    builder = None if finished else OverrideBuilder(spec, args.overrides, args.config_dir)
    if builder is not None and not args.worker:
        builder.check_values()  # every value composes and validates before the first trial (a finished study skips it)
    if args.worker:
        run_worker(spec, study, builder, folder, args.config_dir)
        return 0
    write_json(
        folder / "sweep.json",
        {
            "name": spec.name,
            "spec_file": str(Path(args.spec).resolve()),
            "spec": spec.model_dump(mode="json"),
            "extra_overrides": list(args.overrides),
            "storage": public_url(url),
            "config_dir": args.config_dir,
        },
    )
    dashboard = None
    if args.dashboard is not None:
        dashboard = Dashboard(study._storage, args.dashboard).__enter__()
        print(f"optuna-dashboard: {dashboard.url}", flush=True)
    t0 = time.perf_counter()
    try:
        if finished:
            log.info("study '%s' already has its %d trials: its report follows", spec.name, spec.total_trials)
        elif args.workers > 1:
            _spawn_workers(args, url, study, spec.total_trials)
        else:
            run_worker(spec, study, builder, folder, args.config_dir)
        _finish(spec, study, folder, url, time.perf_counter() - t0)
        if dashboard is not None:
            print(f"optuna-dashboard still serving {dashboard.url} (Ctrl-C to stop)", flush=True)
            dashboard.thread.join()
    finally:
        if dashboard is not None:
            dashboard.__exit__(None, None, None)
    return 0


def _finish(spec: SweepSpec, study: object, folder: Path, url: str, seconds: float) -> None:
    complete = complete_trials(study)
    files = write_sweep_report(folder, storage=url)
    print(Path(files["table_md"]).read_text())
    print(f"{complete}/{spec.total_trials} trials complete in {seconds:.1f}s; sweep folder {folder}")
    if complete < spec.total_trials:
        print("some trials are still running elsewhere or failed; rerun the same command to finish", file=sys.stderr)


def report_sweep(name: str, out: str | Path = DEFAULT_OUT, storage: str | None = None) -> int:
    """`humanllm report sweep=NAME`: NAME is a sweep under `out` or a sweep folder."""
    folder = Path(name) if (Path(name) / "sweep.json").is_file() else sweep_dir(out, name)
    files = write_sweep_report(folder, storage=storage)
    print(Path(files["table_md"]).read_text())
    print(Path(files["best_md"]).read_text())
    for key, path in files.items():
        print(f"{key:<11} {path}")
    return 0
