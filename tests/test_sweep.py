"""`humanllm sweep` on tiny-random through the real CLI: exact trial counts, train once, resume after
kill -9 (during training, a mergekit merge and an evaluation), two workers, W&B offline runs, report,
and optuna-dashboard's HTTP API on loopback.

Kills are real SIGKILLs: the worker process is started through a small launcher that wraps one
library function (a trainer step, mergekit's tensor writer, lm-eval's rolling loglikelihood) so that
the process kills itself at that point, then calls the same CLI entry point.
"""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from optuna.trial import TrialState

from humanllm.sweep.storage import open_storage

ROOT = Path(__file__).resolve().parents[1]
FAST = ["experiment=tiny", "progress=false", "eval.perplexity.max_docs=3", "eval.indomain.max_samples=3"]
N = 3

KILL_LAUNCHER = """
import os, signal, sys
target, attr, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
module = __import__(target, fromlist=[attr.split('.')[0]])
owner = module
parts = attr.split('.')
for p in parts[:-1]:
    owner = getattr(owner, p)
original = getattr(owner, parts[-1])
calls = [0]
def killing(*a, **k):
    calls[0] += 1
    if calls[0] >= nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*a, **k)
setattr(owner, parts[-1], killing)
from humanllm.cli import main
sys.exit(main(sys.argv[4:]))
"""


def _spec(tmp: Path, name: str = "alpha") -> Path:
    spec = yaml.safe_load((ROOT / "sweeps" / "merge_ratio.yaml").read_text())
    spec.update(name=name, params={"merge.ratios": {"grid": [0.2, 0.5, 0.8]}})
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _env(artifacts: Path) -> dict:
    return {**os.environ, "HUMANLLM_ARTIFACTS": str(artifacts), "WANDB_MODE": "offline", "WANDB_SILENT": "true"}


def _sweep(spec: Path, out: Path, artifacts: Path, *extra: str, kill: tuple[str, str, int] | None = None):
    args = ["sweep", str(spec), *FAST, *extra, "--out", str(out)]
    cmd = ([sys.executable, "-c", KILL_LAUNCHER, *map(str, kill), *args] if kill
           else [sys.executable, "-m", "humanllm.cli", *args])
    return subprocess.run(cmd, cwd=ROOT, env=_env(artifacts), capture_output=True, text=True, timeout=1200)


def _study(out: Path, name: str = "alpha"):
    url = json.loads((out / name / "sweep.json").read_text())["storage"]
    return optuna.load_study(study_name=name, storage=open_storage(url, 0))


def _table(out: Path, name: str = "alpha") -> pd.DataFrame:
    return pd.read_csv(out / name / "trials.csv").drop(columns=["trial"])


def _assert_exact(study):
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == N
    assert sorted(t.params["merge.ratios"] for t in complete) == [0.2, 0.5, 0.8]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep_ref")
    spec, out, artifacts = _spec(tmp), tmp / "out", tmp / "artifacts"
    r = _sweep(spec, out, artifacts)
    assert r.returncode == 0, r.stderr[-4000:]
    return tmp, spec, out, artifacts, r


def test_sweep_finishes_exactly_n_trials_and_trains_once(reference):
    tmp, spec, out, artifacts, r = reference
    study = _study(out)
    _assert_exact(study)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    trained = [b for t in trials for b in t.user_attrs["built"] if b.startswith("train/")]
    assert len(trained) == 1 and len(list((artifacts / "train").glob("[!.]*"))) == 1
    assert len({t.user_attrs["artifact_keys"]["sft"] for t in trials}) == 1
    assert len({t.user_attrs["artifact_keys"]["eval_merged"] for t in trials}) == N
    assert not (artifacts / "merge").exists(), "linear trials must merge in memory, not through mergekit"
    for t in trials:
        assert any(o == f"merge.ratios=[{t.params['merge.ratios']}]" for o in t.user_attrs["overrides"])
        gain = t.user_attrs["metrics"]["indomain/writing_imitation/rouge_l"] - t.user_attrs["base_metrics"]["indomain/writing_imitation/rouge_l"]
        assert t.values[0] == pytest.approx(gain)
        record = Path(t.user_attrs["results_dir"]) / ".hydra"
        assert (record / "config.yaml").is_file() and yaml.safe_load((record / "overrides.yaml").read_text()) == t.user_attrs["overrides"]


def test_trial_folder_recreates_the_run(reference):
    from humanllm.config import load_config

    tmp, spec, out, artifacts, r = reference
    trial = _study(out).get_trials(states=(TrialState.COMPLETE,))[0]
    recreated = load_config([], Path(trial.user_attrs["results_dir"]) / ".hydra")
    assert recreated.merge.ratios == [trial.params["merge.ratios"]]
    assert recreated.model_dump(exclude={"paths"}) == load_config(trial.user_attrs["overrides"]).model_dump(exclude={"paths"})
    assert recreated.results_dir == Path(trial.user_attrs["results_dir"])
    assert recreated.artifacts_dir == artifacts  # the store the trial used, not the current default


def test_report_table_and_plots(reference):
    tmp, spec, out, artifacts, r = reference
    folder = out / "alpha"
    table = pd.read_csv(folder / "trials.csv")
    assert list(table["param:merge.ratios"]) == [0.2, 0.5, 0.8]
    assert {"indomain_gain", "forgetting", "metric:general/english/bits_per_byte"} <= set(table.columns)
    assert (folder / "alpha_curve.png").stat().st_size > 5000 and (folder / "pareto.png").stat().st_size > 5000
    assert "\\begin{tabular}" in (folder / "trials.tex").read_text()
    best = (folder / "best.md").read_text()
    assert "95% CI" in best and "humanllm pipeline" in best and "--config-dir" in best
    rep = subprocess.run([sys.executable, "-m", "humanllm.cli", "report", f"sweep={folder}"], cwd=ROOT,
                         env=_env(artifacts), capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stderr[-3000:]
    assert "Sweep alpha: 3 complete trials" in rep.stdout


def test_rerunning_a_finished_sweep_adds_no_trial(reference):
    tmp, spec, out, artifacts, r = reference
    folder = out / "alpha"
    before, table = len(_study(out).trials), _table(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("trials.*")}
    again = _sweep(spec, out, artifacts)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(_study(out).trials) == before
    pd.testing.assert_frame_equal(_table(out), table)
    assert "Sweep alpha: 3 complete trials" in again.stdout  # the table is shown again ...
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("trials.*")} == stamps  # ... not rebuilt: nothing changed
    (folder / "trials.md").unlink()  # a missing file is written again
    rep = subprocess.run([sys.executable, "-m", "humanllm.cli", "report", f"sweep={folder}"], cwd=ROOT,
                         env=_env(artifacts), capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stderr[-3000:]
    assert (folder / "trials.md").is_file()
    pd.testing.assert_frame_equal(_table(out), table)


def test_wandb_offline_runs_carry_group_config_and_summary(reference):
    from humanllm.tracking import read_offline_run

    tmp, spec, out, artifacts, r = reference
    runs = [read_offline_run(f) for f in sorted((out / "alpha" / "trials").glob("*/wandb/wandb/offline-run-*/run-*.wandb"))]
    assert runs and all(run["group"] == "alpha" for run in runs)
    trial_runs = [run for run in runs if run["config"].get("sweep", {}).get("name") == "alpha"]
    assert len(trial_runs) == N
    assert sorted(run["config"]["sweep"]["params"]["merge.ratios"] for run in trial_runs) == [0.2, 0.5, 0.8]
    for run in trial_runs:
        assert run["config"]["sweep"]["artifact_keys"]["sft"] and run["config"]["model"]["name"] == "tiny-random"
        assert {"indomain/writing_imitation/rouge_l", "objective/indomain_gain", "param/merge.ratios"} <= set(run["summary"])
    summary = [read_offline_run(f) for f in (out / "alpha" / "wandb" / "wandb").glob("offline-run-*/run-*.wandb")]
    assert len(summary) == 1 and summary[0]["group"] == "alpha" and summary[0]["summary"]["complete_trials"] == N


def test_dashboard_serves_the_study_on_loopback(reference):
    from humanllm.sweep.dashboard import Dashboard

    tmp, spec, out, artifacts, r = reference
    study = _study(out)
    with Dashboard(study._storage, port=0) as dash:
        assert dash.url.startswith("http://127.0.0.1:")
        studies = json.loads(urllib.request.urlopen(f"{dash.url}/api/studies", timeout=30).read())["study_summaries"]
        sid = next(s["study_id"] for s in studies if s["study_name"] == "alpha")
        detail = json.loads(urllib.request.urlopen(f"{dash.url}/api/studies/{sid}", timeout=30).read())
    states = [t["state"] for t in detail["trials"]]
    assert states.count("Complete") == N


@pytest.mark.parametrize("where,kill,extra", [
    ("training", ("transformers", "Trainer.training_step", 2), ["train.max_steps=5"]),
    ("merge", ("mergekit.io.tensor_writer", "TensorWriter.save_tensor", 3), ["merge=ties"]),
    ("evaluation", ("humanllm.evaluate.shared_prefix", "SharedPrefixHFLM.loglikelihood_rolling", 2),
     ["eval.perplexity.max_docs=2"]),
])
def test_kill_9_then_rerun_finishes_exactly_n_trials_with_the_same_table(where, kill, extra, reference, tmp_path):
    _, _, ref_out, artifacts, _ = reference
    extra = [*extra, "tracker=none"]  # W&B is the reference sweep's test; a run each trial costs seconds here
    spec = _spec(tmp_path)
    out = tmp_path / "out"
    killed = _sweep(spec, out, artifacts, *extra, kill=kill)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    running = _study(out).get_trials(states=(TrialState.RUNNING,))
    assert len(running) == 1, f"the kill during {where} should leave one RUNNING trial"
    resumed = _sweep(spec, out, artifacts, *extra)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    study = _study(out)
    _assert_exact(study)
    assert [t.number for t in study.get_trials(states=(TrialState.FAIL,))] == [running[0].number]
    uninterrupted = tmp_path / "uninterrupted"
    again = _sweep(spec, uninterrupted, artifacts, *extra)  # reuses every stage: the same values, no kill
    assert again.returncode == 0, again.stderr[-3000:]
    pd.testing.assert_frame_equal(_table(out), _table(uninterrupted), rtol=1e-9)


def test_two_workers_finish_exactly_n_trials_and_build_the_sft_once(tmp_path):
    spec, out, artifacts = _spec(tmp_path, "two"), tmp_path / "out", tmp_path / "artifacts"
    r = _sweep(spec, out, artifacts, "tracker=none", "--workers", "2")
    assert r.returncode == 0, r.stderr[-4000:]
    study = _study(out, "two")
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == N and sorted(t.params["merge.ratios"] for t in complete) == [0.2, 0.5, 0.8]
    assert len({t.user_attrs["worker"]["pid"] for t in study.trials}) >= 1
    trained = [b for t in complete for b in t.user_attrs["built"] if b.startswith("train/")]
    assert len(trained) == 1 and len(list((artifacts / "train").glob("[!.]*"))) == 1
