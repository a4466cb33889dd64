"""Unit checks of the sweep's worker loop (humanllm/sweep/driver.py) in seconds: an in-memory Optuna study and a
stand-in trial runner, so the claim, grid-queue, retry and bookkeeping rules are checked without training a
model. The fast tests `humanllm bench mutation` runs the driver's mutants against."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import optuna
import pytest
from optuna.trial import TrialState

from humanllm.sweep import driver
from humanllm.sweep.spec import SweepSpec
from humanllm.sweep.trial import TrialOutcome

optuna.logging.set_verbosity(optuna.logging.WARNING)
ONE = [{"name": "gain", "metric": "m", "direction": "maximize"}]
TWO = ONE + [{"name": "loss", "metric": "l", "direction": "minimize"}]


def spec(params=None, objectives=ONE, n_trials=None, **kw) -> SweepSpec:
    params = params if params is not None else {"merge.ratios": {"grid": [0.1, 0.5, 0.9]}}
    body = {"name": "unit", "params": params, "objectives": objectives, **kw}
    if n_trials is not None:
        body["n_trials"] = n_trials
    return SweepSpec.model_validate(body)


def study_of(s: SweepSpec):
    return driver.open_study(s, optuna.storages.InMemoryStorage())


class Builder:
    def trial_overrides(self, params):
        return [f"{k}={v}" for k, v in params.items()]

    def param_overrides(self, params):
        return [f"{k}={v}" for k, v in params.items()]


class FakeRunner:
    """Stands in for TrialRunner: records what it ran, scores each trial by its params, may fail once."""

    runs: ClassVar[list] = []
    fail_with: BaseException | None = None

    made: ClassVar[list] = []

    def __init__(self, spec, sweep_dir, config_dir=None):
        self.spec = spec
        FakeRunner.made.append((sweep_dir, config_dir))

    def trial_overrides(self, number, param_overrides):
        return [*param_overrides, f"trial={number}"]

    def run(self, number, overrides, params):
        FakeRunner.runs.append((number, overrides, dict(params)))
        if FakeRunner.fail_with is not None:
            err, FakeRunner.fail_with = FakeRunner.fail_with, None
            raise err
        value = float(sum(v for v in params.values() if isinstance(v, (int, float))))
        return TrialOutcome(
            values=[value] * len(self.spec.objectives),
            merged={"m": value},
            base={"m": 0.0},
            artifact_keys={"merge": f"k{number}"},
            results_dir=Path(f"/r/{number}"),
            built=["merge"],
            reused=["train"],
        )


@pytest.fixture
def fake_runner(monkeypatch):
    FakeRunner.runs, FakeRunner.fail_with, FakeRunner.made = [], None, []
    monkeypatch.setattr(driver, "TrialRunner", FakeRunner)
    return FakeRunner


@pytest.mark.parametrize(
    "kind,objectives,cls",
    [
        ("auto", ONE, optuna.samplers.TPESampler),
        ("auto", TWO, optuna.samplers.NSGAIISampler),
        ("tpe", TWO, optuna.samplers.TPESampler),
        ("random", ONE, optuna.samplers.RandomSampler),
        ("nsga2", ONE, optuna.samplers.NSGAIISampler),
    ],
)
def test_sampler_kind_and_seed(kind, objectives, cls):
    s = spec({"x": {"low": 0.0, "high": 1.0}}, objectives, n_trials=3, sampler={"kind": kind, "seed": 7})
    sampler = driver.make_sampler(s)
    assert type(sampler) is cls

    def draws(smp):
        st = optuna.create_study(sampler=smp, directions=s.directions)
        return [st.ask().suggest_float("x", 0, 1) for _ in range(3)]

    assert draws(driver.make_sampler(s)) == draws(cls(seed=7)) != draws(cls(seed=8))


def test_pruner_kind():
    assert type(driver.make_pruner(spec(pruner={"kind": "median"}))) is optuna.pruners.MedianPruner
    assert type(driver.make_pruner(spec())) is optuna.pruners.NopPruner


def test_open_study_records_objectives_and_refuses_a_changed_list():
    storage = optuna.storages.InMemoryStorage()
    s = spec(objectives=TWO)
    study = driver.open_study(s, storage)
    assert study.study_name == "unit" and [d.name.lower() for d in study.directions] == ["maximize", "minimize"]
    assert study.user_attrs["objectives"] == ["gain", "loss"]
    assert study.user_attrs["spec"] == s.model_dump(mode="json")
    study.enqueue_trial({"merge.ratios": 0.1})
    again = driver.open_study(s, storage)  # a rerun resumes the same study
    assert len(again.trials) == 1 and again.user_attrs["objectives"] == ["gain", "loss"]
    renamed = spec(objectives=[ONE[0], {**TWO[1], "name": "other"}])
    with pytest.raises(
        ValueError,
        match=r"study 'unit' in this storage has objectives \['gain', 'loss'\]; "
        r"the spec now has \['gain', 'other'\]",
    ):
        driver.open_study(renamed, storage)


def test_open_study_refuses_a_changed_direction():
    storage = optuna.storages.InMemoryStorage()
    driver.open_study(spec(objectives=TWO), storage)
    flipped = spec(objectives=[ONE[0], {**TWO[1], "direction": "maximize"}])
    with pytest.raises(ValueError, match="Rename the sweep"):
        driver.open_study(flipped, storage)


def test_point_of_a_trial():
    s = spec({"merge.ratios": {"grid": [0.1, 0.5]}, "train.lr": {"low": 0.1, "high": 1.0}})
    study = study_of(s)
    study.enqueue_trial({"merge.ratios": 0.5})
    waiting = study.get_trials(deepcopy=False)[0]
    assert driver._point(s, waiting) == '{"merge.ratios": 0.5}'
    t = study.ask()
    t.suggest_categorical("merge.ratios", [0.1, 0.5])
    t.suggest_float("train.lr", 0.1, 1.0)
    study.tell(t, 1.0)
    done = study.get_trials(deepcopy=False)[0]
    assert driver._point(s, done) == '{"merge.ratios": 0.5}'
    bare = optuna.create_study()
    bare.enqueue_trial({"train.lr": 0.2})
    assert driver._point(s, bare.get_trials(deepcopy=False)[0]) is None  # no grid key among its params
    ranged = spec({"train.lr": {"low": 0.1, "high": 1.0}}, n_trials=2)
    assert driver._point(ranged, done) is None


def test_grid_points_are_enqueued_in_order_skipping_held_ones():
    s = spec()
    study = study_of(s)
    study.enqueue_trial({"merge.ratios": 0.1})
    t = study.ask()
    t.suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])  # trial 0 now RUNNING at 0.1
    assert driver._enqueue_next_grid_point(s, study) is True
    waiting = [tr for tr in study.get_trials(deepcopy=False) if tr.state == TrialState.WAITING]
    assert [tr.system_attrs["fixed_params"] for tr in waiting] == [{"merge.ratios": 0.5}]
    assert driver._enqueue_next_grid_point(s, study) is True and len(study.trials) == 2  # one WAITING at a time
    study.tell(t, 1.0)
    second = study.ask()
    second.suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])
    study.tell(second, 2.0)
    assert driver._enqueue_next_grid_point(s, study) is True
    assert study.get_trials(deepcopy=False)[-1].system_attrs["fixed_params"] == {"merge.ratios": 0.9}
    third = study.ask()
    third.suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])
    study.tell(third, 3.0)
    assert driver._enqueue_next_grid_point(s, study) is False  # every point is held


def test_a_grid_point_failing_more_than_max_retries_stops_the_sweep():
    s = spec(max_retries=1)
    study = study_of(s)
    for n in range(2):
        study.enqueue_trial({"merge.ratios": 0.1})
        t = study.ask()
        t.suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])
        study.tell(t, state=TrialState.FAIL)
        if n == 0:  # one failure is within max_retries: the point is queued again
            assert driver._enqueue_next_grid_point(s, study) is True
            assert study.get_trials(deepcopy=False)[-1].system_attrs["fixed_params"] == {"merge.ratios": 0.1}
            study.ask().suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])  # take it off the queue
            study.tell(study.get_trials(deepcopy=False)[-1].number, state=TrialState.FAIL)
            break
    with pytest.raises(RuntimeError, match=r"grid point \{'merge.ratios': 0.1\} failed 2 times"):
        driver._enqueue_next_grid_point(s, study)


def test_claim_counts_complete_and_earlier_running_trials():
    s = spec({"x": {"low": 0.0, "high": 1.0}}, n_trials=2)
    study = study_of(s)
    a, b, c = study.ask(), study.ask(), study.ask()  # three RUNNING, numbered 0, 1, 2
    assert driver._claim(s, study, a) is None and driver._claim(s, study, b) is None
    assert driver._claim(s, study, c) == "the study already has 2 trials finished or running"
    study.tell(a, 1.0)
    assert driver._claim(s, study, b) is None  # one COMPLETE + none RUNNING before it
    assert driver._claim(s, study, c) == "the study already has 2 trials finished or running"


def test_claim_sets_aside_a_point_held_by_an_earlier_or_complete_trial():
    s = spec()
    study2 = study_of(s)
    study2.enqueue_trial({"merge.ratios": 0.5})
    study2.enqueue_trial({"merge.ratios": 0.5})
    t0, t1 = study2.ask(), study2.ask()
    for t in (t0, t1):
        t.suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])
    assert driver._claim(s, study2, t0) is None
    assert driver._claim(s, study2, t1) == 'grid point {"merge.ratios": 0.5} is held by trial 0'
    study2.tell(t0, 1.0)
    assert driver._claim(s, study2, t1) == 'grid point {"merge.ratios": 0.5} is held by trial 0'


def test_suggest_covers_each_kind_of_parameter():
    s = spec(
        {
            "g": {"grid": [1, 2]},
            "c": {"choices": ["a", "b"]},
            "i": {"low": 2, "high": 10, "type": "int", "step": 4},
            "il": {"low": 1, "high": 8, "type": "int", "log": True},
            "f": {"low": 0.5, "high": 0.75, "step": 0.25},
            "fl": {"low": 1e-5, "high": 1e-3, "log": True},
        }
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = {k: set() for k in ("g", "c", "i", "il", "f", "fl")}
    for _ in range(30):
        t = study.ask()
        params = driver._suggest(s, t)
        assert params == t.params
        for k, v in params.items():
            seen[k].add(v)
    assert seen["g"] == {1, 2} and seen["c"] == {"a", "b"} and seen["i"] == {2, 6, 10} and seen["f"] == {0.5, 0.75}
    assert all(isinstance(v, int) and 1 <= v <= 8 for v in seen["il"]) and len(seen["il"]) > 2
    assert all(1e-5 <= v <= 1e-3 for v in seen["fl"]) and min(seen["fl"]) < 1e-4
    dists = study.trials[-1].distributions
    assert dists["i"].step == 4 and not dists["i"].log and dists["il"].log and dists["il"].step == 1
    assert dists["fl"].log and dists["f"].step == 0.25 and not dists["f"].log


def test_complete_and_remaining_count():
    s = spec({"x": {"low": 0.0, "high": 1.0}}, n_trials=3)
    study = study_of(s)
    a, b = study.ask(), study.ask()
    study.ask()
    study.tell(a, 1.0)
    study.tell(b, state=TrialState.FAIL)
    assert driver.complete_trials(study) == 1
    assert driver.remaining(s, study) == 1  # 3 − (1 COMPLETE + 1 RUNNING); FAIL does not count


def test_run_worker_runs_each_grid_point_once_and_records_its_outcome(fake_runner, caplog):
    s = spec()
    study = study_of(s)
    with caplog.at_level(logging.INFO, logger="humanllm"):
        ran = driver.run_worker(s, study, Builder(), Path("/sweep"))
    assert ran == 3 and driver.run_worker(s, study, Builder(), Path("/sweep")) == 0
    assert [r[2] for r in fake_runner.runs] == [{"merge.ratios": 0.1}, {"merge.ratios": 0.5}, {"merge.ratios": 0.9}]
    assert fake_runner.runs[0][1] == ["merge.ratios=0.1", "trial=0"]
    trials = study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3 and [t.values for t in trials] == [
        [0.1],
        [0.5],
        [0.9],
    ]
    attrs = trials[1].user_attrs
    assert attrs["overrides"] == ["merge.ratios=0.5", "trial=1"] and attrs["artifact_keys"] == {"merge": "k1"}
    assert attrs["metrics"] == {"m": 0.5} and attrs["base_metrics"] == {"m": 0.0} and attrs["results_dir"] == "/r/1"
    assert attrs["built"] == ["merge"] and attrs["reused"] == ["train"]
    assert attrs["worker"]["trial"] == 1
    messages = [r.getMessage() for r in caplog.records]
    assert "trial 1: merge.ratios=0.5" in messages and "trial 1 done: gain=0.5" in messages


def test_run_worker_stops_at_n_trials_without_a_grid(fake_runner):
    s = spec({"x": {"low": 0.0, "high": 1.0}}, objectives=TWO, n_trials=2)
    study = study_of(s)
    assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 2
    assert driver.complete_trials(study) == 2 and len(study.trials) == 2


def test_run_worker_sets_aside_a_trial_it_may_not_run(fake_runner, monkeypatch, caplog):
    s = spec()
    study = study_of(s)
    calls = []
    real = driver._claim

    def claim_once_refused(spec_, study_, trial):
        calls.append(trial.number)
        return "held elsewhere" if len(calls) == 1 else real(spec_, study_, trial)

    monkeypatch.setattr(driver, "_claim", claim_once_refused)
    with caplog.at_level(logging.INFO, logger="humanllm"):
        assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 3
    first = study.get_trials(deepcopy=False)[0]
    assert first.state == TrialState.PRUNED and first.user_attrs["skipped"] == "held elsewhere"
    assert "trial 0 set aside: held elsewhere" in [r.getMessage() for r in caplog.records]
    assert driver.complete_trials(study) == 3


def test_a_failing_trial_is_recorded_as_failed_and_raises(fake_runner):
    s = spec()
    study = study_of(s)
    fake_runner.fail_with = RuntimeError("out of memory")
    with pytest.raises(RuntimeError, match="out of memory"):
        driver.run_worker(s, study, Builder(), Path("/sweep"))
    t = study.get_trials(deepcopy=False)[0]
    assert t.state == TrialState.FAIL and t.user_attrs["error"] == "RuntimeError: out of memory"


def test_an_interrupted_trial_is_failed_and_queued_again(fake_runner):
    s = spec()
    study = study_of(s)
    fake_runner.fail_with = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        driver.run_worker(s, study, Builder(), Path("/sweep"))
    trials = study.get_trials(deepcopy=False)
    assert trials[0].state == TrialState.FAIL and trials[0].user_attrs["error"] == "interrupted"
    assert [t.state for t in trials[1:]] == [TrialState.WAITING]
    assert driver._point(s, trials[1]) == '{"merge.ratios": 0.1}'
    assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 3  # the rerun finishes the grid


def test_open_study_uses_the_specs_sampler_and_pruner():
    study = study_of(spec(sampler={"kind": "random", "seed": 3}, pruner={"kind": "median"}))
    assert type(study.sampler) is optuna.samplers.RandomSampler and type(study.pruner) is optuna.pruners.MedianPruner
    study = study_of(spec(sampler={"kind": "tpe"}))  # Optuna's own default pruner would be the median one
    assert type(study.sampler) is optuna.samplers.TPESampler and type(study.pruner) is optuna.pruners.NopPruner


def test_grid_points_are_keyed_by_sorted_names_whatever_the_spec_order():
    s = spec({"train.lr": {"grid": [1, 2]}, "merge.ratios": {"grid": [0.5]}})
    study = study_of(s)
    study.enqueue_trial({"train.lr": 1, "merge.ratios": 0.5})
    assert driver._point(s, study.get_trials(deepcopy=False)[0]) == '{"merge.ratios": 0.5, "train.lr": 1}'
    t = study.ask()
    driver._suggest(s, t)
    study.tell(t, 1.0)
    assert driver._enqueue_next_grid_point(s, study) is True
    assert study.get_trials(deepcopy=False)[-1].system_attrs["fixed_params"] == {"train.lr": 2, "merge.ratios": 0.5}


def test_failures_count_per_grid_point():
    s = spec(max_retries=1)
    study = study_of(s)
    for point in (0.1, 0.5):  # one failure at each of two points: neither is past max_retries
        study.enqueue_trial({"merge.ratios": point})
        t = study.ask()
        t.suggest_categorical("merge.ratios", [0.1, 0.5, 0.9])
        study.tell(t, state=TrialState.FAIL)
    assert driver._enqueue_next_grid_point(s, study) is True
    assert study.get_trials(deepcopy=False)[-1].system_attrs["fixed_params"] == {"merge.ratios": 0.1}


def test_run_worker_hands_its_folders_retries_and_trial_to_its_helpers(fake_runner, monkeypatch, caplog):
    import optuna.storages._heartbeat as hb

    seen = {"dead": [], "heartbeat": []}
    real_fail, real_hb = driver.fail_dead_trials, hb.get_heartbeat_thread
    monkeypatch.setattr(driver, "fail_dead_trials", lambda st, n: seen["dead"].append(n) or real_fail(st, n))
    monkeypatch.setattr(
        hb, "get_heartbeat_thread", lambda tid, stor: seen["heartbeat"].append((tid, stor)) or real_hb(tid, stor)
    )
    s = spec({"train.lr": {"grid": [1]}, "merge.ratios": {"grid": [0.5]}}, objectives=TWO, max_retries=4)
    study = study_of(s)
    with caplog.at_level(logging.INFO, logger="humanllm"):
        driver.run_worker(s, study, Builder(), Path("/sweep"), config_dir="/conf")
    assert fake_runner.made == [(Path("/sweep"), "/conf")]
    assert seen["dead"] and set(seen["dead"]) == {4}
    assert seen["heartbeat"] == [(study.trials[0]._trial_id, study._storage)]
    messages = [r.getMessage() for r in caplog.records]
    assert "trial 0: train.lr=1 merge.ratios=0.5" in messages and "trial 0 done: gain=1.5, loss=1.5" in messages


def test_an_interrupted_trial_is_not_queued_again_past_max_retries(fake_runner):
    s = spec(max_retries=0)
    study = study_of(s)
    fake_runner.fail_with = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        driver.run_worker(s, study, Builder(), Path("/sweep"))
    assert [t.state for t in study.get_trials(deepcopy=False)] == [TrialState.FAIL]


def test_a_long_error_is_kept_to_2000_characters(fake_runner):
    s = spec()
    study = study_of(s)
    fake_runner.fail_with = RuntimeError("x" * 5000)
    with pytest.raises(RuntimeError):
        driver.run_worker(s, study, Builder(), Path("/sweep"))
    error = study.get_trials(deepcopy=False)[0].user_attrs["error"]
    assert len(error) == 2000 and error.startswith("RuntimeError: xxx")


def test_a_trial_whose_training_lost_a_rank_is_retried_in_the_same_worker(fake_runner):
    from humanllm.pipeline.train_launch import RanksDied

    s = spec()
    study = study_of(s)
    fake_runner.fail_with = RanksDied("rank 1 by SIGKILL")
    assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 3  # no rerun needed
    trials = study.get_trials(deepcopy=False)
    assert trials[0].state == TrialState.FAIL and trials[0].user_attrs["error"] == "RanksDied: rank 1 by SIGKILL"
    assert trials[1].state == TrialState.COMPLETE and trials[1].system_attrs["failed_trial"] == 0
    assert trials[1].params == trials[0].params
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 3


@pytest.mark.parametrize("max_retries", [0, 1, 2])
def test_a_trial_losing_ranks_every_time_is_retried_max_retries_times_then_raises(
    fake_runner, monkeypatch, max_retries
):
    from humanllm.pipeline.train_launch import RanksDied

    def always_dies(self, number, overrides, params):
        FakeRunner.runs.append(number)
        raise RanksDied("rank 1 by SIGKILL")

    monkeypatch.setattr(FakeRunner, "run", always_dies)
    s = spec(max_retries=max_retries)
    study = study_of(s)
    with pytest.raises(RanksDied):
        driver.run_worker(s, study, Builder(), Path("/sweep"))
    assert len(FakeRunner.runs) == max_retries + 1
    assert [t.state for t in study.get_trials(deepcopy=False)] == [TrialState.FAIL] * (max_retries + 1)


def test_a_lost_rank_is_logged_and_its_long_error_kept_to_2000_characters(fake_runner, caplog):
    from humanllm.pipeline.train_launch import RanksDied

    s = spec()
    study = study_of(s)
    fake_runner.fail_with = RanksDied("x" * 5000)
    with caplog.at_level(logging.WARNING, logger="humanllm"):
        assert driver.run_worker(s, study, Builder(), Path("/sweep")) == 3
    error = study.get_trials(deepcopy=False)[0].user_attrs["error"]
    assert len(error) == 2000 and error == "RanksDied: " + "x" * (2000 - len("RanksDied: "))
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"trial 0 failed ({'x' * 5000}); queued again"
    ]
