"""The sweep worker that has nothing to start waits for trials running elsewhere (driver.WAIT_S loop)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from humanllm.sweep import driver
from tests.test_sweep_driver_units import Builder, fake_runner, spec, study_of  # noqa: F401


def test_a_worker_with_nothing_to_start_waits_for_the_trials_running_elsewhere(fake_runner, monkeypatch, caplog):  # noqa: F811 (the imported fixture)
    from humanllm.sweep.storage import worker_identity

    s = spec({"x": {"low": 0.0, "high": 1.0}}, n_trials=1)
    study = study_of(s)
    other = study.ask()  # the study's one trial, RUNNING in a live worker (this process)
    study._storage.set_trial_user_attr(other._trial_id, "worker", worker_identity(other.number))
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            study.tell(other, 0.5)

    monkeypatch.setattr(driver.time, "sleep", sleep)
    with caplog.at_level(logging.INFO, logger="humanllm"):
        assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 0
    assert sleeps == [driver.WAIT_S] * 3 and fake_runner.runs == []
    assert [r.getMessage() for r in caplog.records if "elsewhere" in r.getMessage()] == [
        "the other trials run elsewhere ([0]): waiting for them to finish or fail"
    ]  # said once, not per look


def _running_elsewhere(study):
    from humanllm.sweep.storage import worker_identity

    trial = study.ask()  # RUNNING in a live worker (this process): never failed as dead
    study._storage.set_trial_user_attr(trial._trial_id, "worker", worker_identity(trial.number))
    return trial


def test_running_trials_are_the_running_ones_only():
    s = spec({"x": {"low": 0.0, "high": 1.0}}, n_trials=3)
    study = study_of(s)
    done = study.ask()
    study.tell(done, 0.1)
    running = _running_elsewhere(study)
    assert driver.running_trials(study) == [running.number]


def test_a_complete_study_is_left_at_once_even_with_a_straggler_running(fake_runner, monkeypatch):  # noqa: F811 (the imported fixture)
    """n_trials COMPLETE and one more trial still RUNNING elsewhere: nothing to wait for."""
    s = spec({"x": {"low": 0.0, "high": 1.0}}, n_trials=1)
    study = study_of(s)
    done = study.ask()
    study.tell(done, 0.1)
    _running_elsewhere(study)
    monkeypatch.setattr(driver.time, "sleep", lambda seconds: pytest.fail("waited on a complete study"))
    assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 0 and fake_runner.runs == []


def test_a_worker_says_so_each_time_it_starts_waiting(fake_runner, monkeypatch, caplog):  # noqa: F811 (the imported fixture)
    """Wait (both trials elsewhere), run the trial one of them gave up, wait again: two notices, one per wait."""
    from optuna.trial import TrialState

    s = spec({"x": {"low": 0.0, "high": 1.0}}, n_trials=2)
    study = study_of(s)
    first, second = _running_elsewhere(study), _running_elsewhere(study)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 1:
            study.tell(first, state=TrialState.FAIL)  # its worker gave it up: one trial is left to run here
        else:
            study.tell(second, 0.5)

    monkeypatch.setattr(driver.time, "sleep", sleep)
    with caplog.at_level(logging.INFO, logger="humanllm"):
        assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 1
    notices = [r.getMessage() for r in caplog.records if "elsewhere" in r.getMessage()]
    assert len(sleeps) == 2 and len(notices) == 2, (sleeps, notices)


def test_a_killed_worker_not_yet_reaped_by_its_parent_is_dead():
    """A zombie keeps its /proc entry and start time until its parent waits for it: it must count as dead,
    or its trial waits for Optuna's heartbeat (120 s) instead of being retried at once."""
    import signal
    import subprocess
    import sys
    import time

    from humanllm.sweep.storage import _alive, _start_ticks

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        worker = {"pid": child.pid, "start": _start_ticks(child.pid)}
        assert worker["start"] is not None and _alive(worker)
        assert not _alive({**worker, "start": "1"})  # the pid reused by another process
        child.send_signal(signal.SIGKILL)
        deadline = time.time() + 10
        while (
            Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z" and time.time() < deadline
        ):
            time.sleep(0.01)
        assert not _alive(worker)  # a zombie: killed, its /proc entry still there
    finally:
        child.kill()
        child.wait()
    assert not _alive(worker)  # reaped: gone
