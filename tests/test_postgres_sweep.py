"""`humanllm sweep --workers 4 --storage postgresql+psycopg://…` on tiny-random against the real server.

One worker is SIGKILLed in the middle of its trial; the other three finish the study (the dead worker's
trial is failed and retried), the rerun of the same command writes the report, and exactly n_trials are
complete with no grid point twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from test_postgres_workers import database, server_url  # noqa: F401  (fixtures: the running server, a fresh db)

ROOT = Path(__file__).resolve().parents[1]
GRID = [0.2, 0.4, 0.6, 0.8]
FAST = ["experiment=tiny", "progress=false", "tracker=none", "eval.perplexity.max_docs=2", "eval.indomain.max_samples=2"]


def _spec(tmp: Path) -> Path:
    spec = yaml.safe_load((ROOT / "sweeps" / "merge_ratio.yaml").read_text())
    spec.update(name="pg", params={"merge.ratios": {"grid": GRID}})
    path = tmp / "pg.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _open_at_once(url: str, barrier, errors) -> None:
    from humanllm.sweep.storage import open_storage

    barrier.wait()
    try:
        open_storage(url, 1)
    except Exception as e:  # noqa: BLE001 - reported to the test
        errors.put(f"{type(e).__name__}: {str(e).splitlines()[0]}")


def test_workers_started_together_on_an_empty_database_all_open_the_study(database):  # noqa: F811
    """A SLURM array starts its workers at once: each creates Optuna's schema, and all must get through."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    barrier, errors = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_open_at_once, args=(database, barrier, errors)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    failures = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert not failures and all(p.exitcode == 0 for p in procs), failures


def test_four_workers_on_postgres_one_killed_mid_trial(database, tmp_path):  # noqa: F811
    import optuna
    from optuna.trial import TrialState

    spec, out = _spec(tmp_path), tmp_path / "out"
    env = {**os.environ, "HUMANLLM_ARTIFACTS": str(tmp_path / "artifacts"), "WANDB_MODE": "offline"}
    cmd = [sys.executable, "-m", "humanllm.cli", "sweep", str(spec), *FAST, "--out", str(out), "--storage", database]
    main = subprocess.Popen([*cmd, "--workers", "4"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    killed = None
    deadline = time.time() + 900
    while killed is None and time.time() < deadline and main.poll() is None:
        time.sleep(0.5)
        try:
            study = optuna.load_study(study_name="pg", storage=database)
        except KeyError:
            continue  # not created yet
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            worker = trial.user_attrs.get("worker")
            if worker and worker.get("trial") == trial.number:
                killed = (trial.number, int(worker["pid"]))
                os.kill(killed[1], signal.SIGKILL)
                break
    log = main.communicate(timeout=1800)[0]
    assert killed is not None, f"no trial was seen running:\n{log[-3000:]}"
    assert main.returncode != 0 and "workers failed" in log and "rerun to resume" in log, log[-3000:]

    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    study = optuna.load_study(study_name="pg", storage=database)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert sorted(t.params["merge.ratios"] for t in complete) == GRID  # exactly n_trials, none duplicated
    failed = study.get_trials(states=(TrialState.FAIL,))
    assert [t.number for t in failed] == [killed[0]] and failed[0].user_attrs["error"] == "its worker process died"
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    workers = {t.user_attrs["worker"]["pid"] for t in complete}
    assert killed[1] not in workers and len(workers) >= 2
    assert f"{len(GRID)}/{len(GRID)} trials complete" in rerun.stdout
    print(f"\nPostgreSQL sweep: {len(complete)}/{len(GRID)} complete by {len(workers)} workers; "
          f"trial {killed[0]} killed with its worker and retried")
