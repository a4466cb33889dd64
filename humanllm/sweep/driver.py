"""The worker loop: ask Optuna for a trial, claim it, run it, tell the result — until the study is done.

Exactly `n_trials` COMPLETE, none duplicated, however many workers and restarts:
- a trial may run only if the COMPLETE trials plus the RUNNING trials numbered before it are fewer
  than `n_trials` (numbers are assigned in creation order, so every worker agrees);
- grid points are enqueued one at a time in a fixed order, only when no COMPLETE, RUNNING or WAITING
  trial holds them, and a trial whose point is already held by an earlier one is set aside (PRUNED,
  with the reason) instead of run;
- a RUNNING trial whose worker died is failed and queued again (see `storage.fail_dead_trials`), and so
  is a trial whose launched training lost a rank (`RanksDied`), up to `max_retries` times;
- a worker with nothing left to start waits while trials run elsewhere, so that the retry of a trial
  whose worker died is run by a worker still alive: the study finishes without a rerun.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from humanllm.pipeline.train_launch import RanksDied
from humanllm.sweep.overrides import OverrideBuilder
from humanllm.sweep.spec import SweepSpec
from humanllm.sweep.storage import fail_dead_trials, retry_callback, worker_identity
from humanllm.sweep.trial import TrialRunner

log = logging.getLogger("humanllm")
WAIT_S = 2.0  # how often a worker with nothing to start looks for trials whose worker died


def make_sampler(spec: SweepSpec) -> Any:
    import optuna

    kind = spec.sampler.kind
    if kind == "auto":
        kind = "nsga2" if len(spec.objectives) > 1 else "tpe"
    seed = spec.sampler.seed
    return {
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
        "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed),
    }[kind]()


def make_pruner(spec: SweepSpec) -> Any:
    import optuna

    return optuna.pruners.MedianPruner() if spec.pruner.kind == "median" else optuna.pruners.NopPruner()


def open_study(spec: SweepSpec, storage: Any) -> Any:
    """Create the study (or load it: a rerun resumes); a different objective list is refused."""
    import optuna

    study = optuna.create_study(
        study_name=spec.name,
        storage=storage,
        directions=spec.directions,
        sampler=make_sampler(spec),
        pruner=make_pruner(spec),
        load_if_exists=True,
    )
    recorded = study.user_attrs.get("objectives")
    names = [o.name for o in spec.objectives]
    if recorded is None:
        study.set_user_attr("objectives", names)
        study.set_user_attr("spec", spec.model_dump(mode="json"))
    elif recorded != names or [d.name.lower() for d in study.directions] != spec.directions:
        raise ValueError(
            f"study '{spec.name}' in this storage has objectives {recorded}; the spec now has {names}. "
            f"Rename the sweep (name:) or use another --storage"
        )
    return study


def _point(spec: SweepSpec, trial: Any) -> str | None:
    """The grid point a trial holds (its fixed params while WAITING/just popped, else its params)."""
    if not spec.grid_keys:
        return None
    params = trial.system_attrs.get("fixed_params") or trial.params
    if not all(k in params for k in spec.grid_keys):
        return None
    return json.dumps({k: params[k] for k in spec.grid_keys}, sort_keys=True)


def _enqueue_next_grid_point(spec: SweepSpec, study: Any) -> bool:
    """Enqueue the first grid point no trial holds; False when every point is held."""
    from optuna.trial import TrialState

    held_states = (TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING)
    trials = study.get_trials(deepcopy=False)
    held = {_point(spec, t) for t in trials if t.state in held_states}
    if any(t.state == TrialState.WAITING for t in trials):
        return True
    for p in spec.grid_points():
        key = json.dumps(p, sort_keys=True)
        if key in held:
            continue
        failures = sum(1 for t in trials if t.state == TrialState.FAIL and _point(spec, t) == key)
        if failures > spec.max_retries:
            raise RuntimeError(f"grid point {p} failed {failures} times; see the failed trials' 'error' attribute")
        study.enqueue_trial(p)
        return True
    return False


def _claim(spec: SweepSpec, study: Any, trial: Any) -> str | None:
    """None if `trial` may run; otherwise why not."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    me = next(t for t in trials if t.number == trial.number)
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    before = [t for t in trials if t.state == TrialState.RUNNING and t.number < trial.number]
    if len(done) + len(before) >= spec.total_trials:
        return f"the study already has {spec.total_trials} trials finished or running"
    point = _point(spec, me)
    for t in done + before:
        if point is not None and _point(spec, t) == point:
            return f"grid point {point} is held by trial {t.number}"
    return None


def _suggest(spec: SweepSpec, trial: Any) -> dict[str, Any]:
    params = {}
    for key, p in spec.params.items():
        if p.kind == "grid":
            params[key] = trial.suggest_categorical(key, p.grid)
        elif p.kind == "choices":
            params[key] = trial.suggest_categorical(key, p.choices)
        elif p.type == "int":
            params[key] = trial.suggest_int(key, int(p.low), int(p.high), step=int(p.step or 1), log=p.log)
        else:
            params[key] = trial.suggest_float(key, p.low, p.high, step=p.step, log=p.log)
    return params


def complete_trials(study: Any) -> int:
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def running_trials(study: Any) -> list[int]:
    from optuna.trial import TrialState

    return [t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]


def remaining(spec: SweepSpec, study: Any) -> int:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))
    return spec.total_trials - len(trials)


def run_worker(
    spec: SweepSpec, study: Any, builder: OverrideBuilder, sweep_dir: Path, config_dir: str | None = None
) -> int:
    """Run trials until the study holds `n_trials` COMPLETE (or others are running the rest); returns how many ran here."""
    from optuna.storages._heartbeat import get_heartbeat_thread  # Optuna's own heartbeat for ask/tell loops
    from optuna.trial import TrialState

    runner = TrialRunner(spec, sweep_dir, config_dir)
    ran, waiting = 0, False
    while True:
        fail_dead_trials(study, spec.max_retries)
        if remaining(spec, study) <= 0:
            running = running_trials(study)
            if not running or complete_trials(study) >= spec.total_trials:
                return ran
            if not waiting:  # a worker may still die: its trial's retry must find a worker here
                log.info("the other trials run elsewhere (%s): waiting for them to finish or fail", running)
                waiting = True
            time.sleep(WAIT_S)
            continue
        waiting = False
        if spec.grid_keys and not _enqueue_next_grid_point(spec, study):
            return ran
        trial = study.ask()
        study._storage.set_trial_user_attr(trial._trial_id, "worker", worker_identity(trial.number))
        params = _suggest(spec, trial)
        reason = _claim(spec, study, trial)
        if reason is not None:
            trial.set_user_attr("skipped", reason)
            study.tell(trial, state=TrialState.PRUNED)
            log.info("trial %d set aside: %s", trial.number, reason)
            continue
        overrides = runner.trial_overrides(trial.number, builder.trial_overrides(params))
        trial.set_user_attr("overrides", overrides)
        log.info("trial %d: %s", trial.number, " ".join(builder.param_overrides(params)))
        try:
            with get_heartbeat_thread(trial._trial_id, study._storage):
                outcome = runner.run(trial.number, overrides, params)
        except KeyboardInterrupt:
            trial.set_user_attr("error", "interrupted")
            study.tell(trial, state=TrialState.FAIL)
            retry_callback(spec.max_retries)(study, study._storage.get_trial(trial._trial_id))
            raise
        except RanksDied as e:  # a training rank was killed (OOM, preemption): retried as for a dead worker
            trial.set_user_attr("error", f"{type(e).__name__}: {e}"[:2000])
            study.tell(trial, state=TrialState.FAIL)
            failed = study._storage.get_trial(trial._trial_id)
            if len(failed.system_attrs.get("retry_history", [])) >= spec.max_retries:
                raise
            retry_callback(spec.max_retries)(study, failed)
            log.warning("trial %d failed (%s); queued again", trial.number, e)
            continue
        except Exception as e:
            trial.set_user_attr("error", f"{type(e).__name__}: {e}"[:2000])
            study.tell(trial, state=TrialState.FAIL)
            raise
        for name, value in (
            ("artifact_keys", outcome.artifact_keys),
            ("metrics", outcome.merged),
            ("base_metrics", outcome.base),
            ("results_dir", str(outcome.results_dir)),
            ("built", outcome.built),
            ("reused", outcome.reused),
        ):
            trial.set_user_attr(name, value)
        study.tell(trial, outcome.values)
        ran += 1
        log.info(
            "trial %d done: %s",
            trial.number,
            ", ".join(f"{o.name}={v:.4g}" for o, v in zip(spec.objectives, outcome.values)),
        )
