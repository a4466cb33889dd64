"""Four `humanllm sweep … --storage postgresql+psycopg://…` processes on tiny-random against the real server.

One worker is SIGKILLed in the middle of its trial; the other three finish the study without a rerun (the
dead worker's trial is failed and retried by a live one) and exit 0, with exactly n_trials complete and
no grid point twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GRID = [0.2, 0.4, 0.6, 0.8]
FAST = [
    "experiment=tiny",
    "progress=false",
    "tracker=none",
    "eval.perplexity.max_docs=2",
    "eval.indomain.max_samples=2",
]


def _spec(tmp: Path) -> Path:
    spec = yaml.safe_load((ROOT / "sweeps" / "merge_ratio.yaml").read_text())
    spec.update(name="pg", params={"merge.ratios": {"grid": GRID}})
    # storage and workers are under test here, not the objectives: no general-reasoning suite to score
    spec["objectives"] = [o for o in spec["objectives"] if not o["metric"].startswith("bigbench/")]
    spec.pop("forgetting_budget")
    path = tmp / "pg.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _open_at_once(url: str, barrier, errors) -> None:
    from humanllm.sweep.storage import open_storage

    barrier.wait()
    try:
        open_storage(url, 1)
    except Exception as e:
        errors.put(f"{type(e).__name__}: {str(e).splitlines()[0]}")


def test_workers_started_together_on_an_empty_database_all_open_the_study(postgres_database):
    """A SLURM array starts its workers at once: each creates Optuna's schema, and all must get through."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    barrier, errors = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_open_at_once, args=(postgres_database, barrier, errors)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    failures = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert not failures and all(p.exitcode == 0 for p in procs), failures


def test_four_cli_workers_on_postgres_one_killed_the_others_finish_without_a_rerun(postgres_database, tmp_path):
    """Four `humanllm sweep` processes on one study (as a SLURM array starts them); one is SIGKILLed with its
    process group mid-trial. The other three notice, run its trial again and all exit 0: no rerun."""
    import optuna
    from optuna.trial import TrialState

    spec, out = _spec(tmp_path), tmp_path / "out"
    env = {**os.environ, "HUMANLLM_ARTIFACTS": str(tmp_path / "artifacts"), "WANDB_MODE": "offline"}
    cmd = [
        sys.executable,
        "-m",
        "humanllm.cli",
        "sweep",
        str(spec),
        *FAST,
        "--out",
        str(out),
        "--storage",
        postgres_database,
    ]
    procs = [
        subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        for _ in range(4)
    ]
    by_pid = {p.pid: p for p in procs}
    from humanllm.sweep.storage import open_storage

    storage = None
    killed = None
    deadline = time.time() + 900
    while killed is None and time.time() < deadline and all(p.poll() is None for p in procs):
        time.sleep(0.5)
        try:  # the workers create the schema and the study; open it as they do (schema races retried)
            storage = storage or open_storage(postgres_database, 1)
            study = optuna.load_study(study_name="pg", storage=storage)
        except KeyError:
            continue  # not created yet
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            worker = trial.user_attrs.get("worker")
            if worker and worker.get("trial") == trial.number and int(worker["pid"]) in by_pid:
                killed = (trial.number, int(worker["pid"]), trial.params["merge.ratios"])
                os.killpg(killed[1], signal.SIGKILL)
                break
    logs = {p.pid: p.communicate(timeout=1800)[0] for p in procs}
    assert killed is not None, f"no trial was seen running:\n{next(iter(logs.values()))[-3000:]}"
    survivors = [p for p in procs if p.pid != killed[1]]
    assert by_pid[killed[1]].returncode == -signal.SIGKILL
    for p in survivors:
        assert p.returncode == 0, logs[p.pid][-4000:]
        assert f"{len(GRID)}/{len(GRID)} trials complete" in logs[p.pid], logs[p.pid][-3000:]

    study = optuna.load_study(study_name="pg", storage=postgres_database)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert sorted(t.params["merge.ratios"] for t in complete) == GRID  # exactly n_trials, none duplicated
    failed = study.get_trials(states=(TrialState.FAIL,))
    assert [t.number for t in failed] == [killed[0]] and failed[0].user_attrs["error"] == "its worker process died"
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    workers = {t.user_attrs["worker"]["pid"] for t in complete}
    assert workers <= {p.pid for p in survivors} and len(workers) >= 2, workers
    retried = next(t for t in complete if t.params["merge.ratios"] == killed[2])
    assert retried.number > killed[0] and retried.user_attrs["worker"]["pid"] != killed[1]
    print(
        f"\nPostgreSQL sweep: {len(complete)}/{len(GRID)} complete by {len(workers)} of 3 surviving CLI workers; "
        f"trial {killed[0]} killed with its worker and retried as trial {retried.number}, no rerun"
    )
