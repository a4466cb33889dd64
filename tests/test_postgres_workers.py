"""Optuna studies in a real PostgreSQL server (scripts/postgres.sh): 4 worker processes, one study.

Exactly n_trials finish and no point runs twice, also when one worker is SIGKILLed mid-trial: its trial
is failed by Optuna's heartbeat check and its retry runs on another worker. The server must start; a
machine where it cannot fails these tests with the reason (they are never skipped).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
N_TRIALS = 12
HEARTBEAT_S, GRACE_S = 1, 4


@pytest.fixture(scope="module")
def server_url():
    proc = subprocess.run(["bash", str(REPO / "scripts" / "postgres.sh"), "start"], capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"PostgreSQL could not be started by scripts/postgres.sh (exit {proc.returncode}):\n"
                    f"{proc.stderr[-3000:]}", pytrace=False)
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def database(server_url):
    """A fresh database per test on the running server; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"test_{uuid.uuid4().hex[:10]}"
    admin = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def storage(url: str):
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S, engine_kwargs={"pool_pre_ping": True},
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=2))


def worker(url: str, study_name: str, log_dir: str) -> None:
    """Run enqueued points until the study has N_TRIALS complete; a trial with no enqueued point is pruned."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    study = optuna.load_study(study_name=study_name, storage=storage(url))

    def objective(trial: optuna.Trial) -> float:
        if "fixed_params" not in study._storage.get_trial(trial._trial_id).system_attrs:
            raise optuna.TrialPruned("no enqueued point left")
        x = trial.suggest_int("x", 0, 10_000)
        Path(log_dir, f"start-{trial.number}-{os.getpid()}").touch()
        time.sleep(1.0)
        return float(x * x)

    while True:
        optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        if sum(t.state == TrialState.COMPLETE for t in trials) >= N_TRIALS:
            return
        if not any(t.state == TrialState.WAITING for t in trials):
            time.sleep(0.3)  # a RUNNING trial may still fail and come back as a retry
            continue
        study.optimize(objective, n_trials=1)


def run_workers(url: str, tmp_path: Path, kill_one: bool) -> tuple[object, list[int], int | None]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = "pg-workers"
    study = optuna.create_study(study_name=name, storage=storage(url))
    for x in range(N_TRIALS):
        study.enqueue_trial({"x": x})
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    procs = [subprocess.Popen([sys.executable, __file__, url, name, str(log_dir)]) for _ in range(4)]
    killed = None
    if kill_one:
        deadline = time.time() + 300
        while time.time() < deadline and killed is None:
            started = sorted(log_dir.glob("start-*"), key=lambda p: p.stat().st_mtime)
            if started:
                killed = int(started[-1].name.split("-")[2])
                os.kill(killed, signal.SIGKILL)  # mid-trial: it sleeps 1 s after writing the marker
            time.sleep(0.05)
        assert killed is not None, "no worker started a trial"
    codes = [p.wait(timeout=600) for p in procs]
    return optuna.load_study(study_name=name, storage=url), codes, killed


@pytest.mark.parametrize("kill_one", [False, True], ids=["4 workers", "4 workers, one SIGKILLed mid-trial"])
def test_exactly_n_trials_finish_none_duplicated(database, tmp_path, kill_one):
    from optuna.trial import TrialState

    study, codes, killed = run_workers(database, tmp_path, kill_one)
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    xs = sorted(t.params["x"] for t in complete)
    assert xs == list(range(N_TRIALS)), xs  # every point exactly once
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    workers_pids = {p.name.split("-")[2] for p in (tmp_path / "log").glob("start-*")}
    assert len(workers_pids) >= 2, "the trials were not shared between workers"
    if kill_one:
        assert codes.count(-signal.SIGKILL) == 1 and codes.count(0) == 3, codes
        failed = [t for t in trials if t.state == TrialState.FAIL]
        assert len(failed) == 1 and failed[0].params["x"] in xs  # the killed trial, then retried elsewhere
        retried = next(t for t in complete if t.params["x"] == failed[0].params["x"])
        assert not (tmp_path / "log" / f"start-{retried.number}-{killed}").exists()
    else:
        assert codes == [0, 0, 0, 0] and not [t for t in trials if t.state == TrialState.FAIL]
    print(f"\n{len(complete)}/{N_TRIALS} trials complete on PostgreSQL, {len(trials)} trials in all, "
          f"worker exit codes {codes}")


if __name__ == "__main__":
    worker(*sys.argv[1:4])
