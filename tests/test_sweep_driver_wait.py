"""The sweep worker that has nothing to start waits for trials running elsewhere (driver.WAIT_S loop).
"""

from __future__ import annotations

import logging
from pathlib import Path

from humanllm.sweep import driver
from tests.test_sweep_driver_units import Builder, fake_runner, spec, study_of  # noqa: F401


def test_a_worker_with_nothing_to_start_waits_for_the_trials_running_elsewhere(fake_runner, monkeypatch, caplog):
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
        "the other trials run elsewhere ([0]): waiting for them to finish or fail"]  # said once, not per look
