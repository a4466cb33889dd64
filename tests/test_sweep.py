"""`humanllm sweep` on tiny-random through the real CLI: exact trial counts, train once, resume after
kill -9 (during training, a mergekit merge and an evaluation), two workers, W&B offline runs, report,
and optuna-dashboard's HTTP API on loopback.

Kills are real SIGKILLs: the worker process is started through a small launcher that wraps one
library function (a trainer step, mergekit's tensor writer, lm-eval's rolling loglikelihood) when the run
first imports it, so that the process kills itself at that point, then calls the same CLI entry point.
The resumed sweep's table is compared with a clean sweep in a store of its own.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import optuna
import pandas as pd
import pytest
import torch
import yaml
from optuna.trial import TrialState

from humanllm.sweep.storage import open_storage

ROOT = Path(__file__).resolve().parents[1]
FAST = ["experiment=tiny", "progress=false", "eval.perplexity.max_docs=3", "eval.indomain.max_samples=3"]
N = 3

KILL_LAUNCHER = """
import importlib.abc, os, signal, sys
target, attr, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])  # nth 0: never kill
calls = [0]

def patch(module):
    owner = module
    parts = attr.split('.')
    for p in parts[:-1]:
        owner = getattr(owner, p)
    original = getattr(owner, parts[-1])
    def killing(*a, **k):
        calls[0] += 1
        if nth and calls[0] >= nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*a, **k)
    setattr(owner, parts[-1], killing)

class PatchOnImport(importlib.abc.MetaPathFinder):
    # patch `target` when the run itself first imports it: importing it here, ahead of the CLI, would change
    # the process the test means to observe (an early lm-eval import changed the SFT's numerics)
    def find_spec(self, name, path, target_module=None):
        if name != target:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(module):
            load(module)
            patch(module)
        spec.loader.exec_module = exec_module
        return spec

import importlib.util
sys.meta_path.insert(0, PatchOnImport())
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


def _bigbench(artifacts: Path) -> list[str]:
    """The general-reasoning suite on a BIG-bench fixture beside the store (written once: its files' mtimes are
    in the eval key, so a resumed sweep must find the same files)."""
    from humanllm.eval.benchmarks.fixtures import write_bigbench_fixture

    root = artifacts.parent / "bigbench"
    if not root.is_dir():
        write_bigbench_fixture(root)
    return ["eval.bigbench.enabled=true", "eval.bigbench.tasks=[navigate,snarks]", f"eval.data.bigbench={root}"]


def _sweep(spec: Path, out: Path, artifacts: Path, *extra: str, kill: tuple[str, str, int] | None = None):
    """Every sweep starts the same way, killed or not, so that only the kill differs between the runs compared."""
    args = ["sweep", str(spec), *FAST, *_bigbench(artifacts), *extra, "--out", str(out)]
    cmd = [sys.executable, "-c", KILL_LAUNCHER, *map(str, kill or ("-", "-", 0)), *args]
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
    _tmp, _spec, out, artifacts, _r = reference
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
        gain = (
            t.user_attrs["metrics"]["indomain/writing_imitation/rouge_l"]
            - t.user_attrs["base_metrics"]["indomain/writing_imitation/rouge_l"]
        )
        assert t.values[0] == pytest.approx(gain)
        record = Path(t.user_attrs["results_dir"]) / ".hydra"
        assert (record / "config.yaml").is_file() and yaml.safe_load(
            (record / "overrides.yaml").read_text()
        ) == t.user_attrs["overrides"]


def test_trial_folder_recreates_the_run(reference, monkeypatch):
    """The record names the artifact folder by the variable the run read (HUMANLLM_ARTIFACTS), not by this
    machine's path: with the variable set as for the run, it recreates the run; without it, the error names it."""
    from humanllm.config import load_config
    from humanllm.schema import ConfigError

    _tmp, _spec, out, artifacts, _r = reference
    trial = _study(out).get_trials(states=(TrialState.COMPLETE,))[0]
    monkeypatch.delenv("HUMANLLM_ARTIFACTS", raising=False)
    with pytest.raises(ConfigError, match="HUMANLLM_ARTIFACTS"):
        load_config([], Path(trial.user_attrs["results_dir"]) / ".hydra")
    monkeypatch.setenv("HUMANLLM_ARTIFACTS", str(artifacts))
    recreated = load_config([], Path(trial.user_attrs["results_dir"]) / ".hydra")
    assert recreated.merge.ratios == [trial.params["merge.ratios"]]
    assert recreated.model_dump(exclude={"paths"}) == load_config(trial.user_attrs["overrides"]).model_dump(
        exclude={"paths"}
    )
    assert recreated.results_dir == Path(trial.user_attrs["results_dir"])
    assert recreated.artifacts_dir == artifacts  # the store the trial used, not the current default


def test_report_table_and_plots(reference):
    _tmp, _spec, out, artifacts, _r = reference
    folder = out / "alpha"
    table = pd.read_csv(folder / "trials.csv")
    assert list(table["param:merge.ratios"]) == [0.2, 0.5, 0.8]
    assert {"indomain_gain", "forgetting", "general_accuracy", "metric:general/english/bits_per_byte"} <= set(
        table.columns
    )
    assert (folder / "alpha_curve.png").stat().st_size > 5000 and (folder / "pareto.png").stat().st_size > 5000
    assert "\\begin{tabular}" in (folder / "trials.tex").read_text()
    best = (folder / "best.md").read_text()
    # forgetting = the share of BIG-bench items right for the base and wrong when merged, recounted here
    rates = {}
    for t in _study(out).get_trials(states=(TrialState.COMPLETE,)):
        index = json.loads((Path(t.user_attrs["results_dir"]) / "evaluations.json").read_text())
        scores = {}
        for ev in index["evaluations"]:
            rows = [json.loads(line) for line in (Path(ev["eval_path"]) / "items.jsonl").read_text().splitlines()]
            scores[ev["kind"]] = {
                r["item_id"]: r["value"]
                for r in rows
                if (r["suite"], r["task"], r["metric"]) == ("bigbench", "all", "accuracy")
            }
        assert len(scores["merged"]) == 16 and scores["merged"].keys() == scores["base"].keys()
        lost = sum(scores["base"][i] == 1 and scores["merged"][i] == 0 for i in scores["base"])
        assert t.values[1] == pytest.approx(lost / 16)
        rates[t.params["merge.ratios"]] = lost / 16
    within = [a for a, r in rates.items() if r <= 0.05]
    assert "## Largest α within the forgetting budget" in best
    assert (f"**α = {max(within):g}**" if within else "**No α is within the budget.**") in best
    assert "95% CI" in best and "humanllm pipeline" in best and "--config-dir" in best
    rep = subprocess.run(
        [sys.executable, "-m", "humanllm.cli", "report", f"sweep={folder}"],
        cwd=ROOT,
        env=_env(artifacts),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rep.returncode == 0, rep.stderr[-3000:]
    assert "Sweep alpha: 3 complete trials" in rep.stdout


def test_rerunning_a_finished_sweep_adds_no_trial(reference):
    _tmp, spec, out, artifacts, _r = reference
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
    rep = subprocess.run(
        [sys.executable, "-m", "humanllm.cli", "report", f"sweep={folder}"],
        cwd=ROOT,
        env=_env(artifacts),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rep.returncode == 0, rep.stderr[-3000:]
    assert (folder / "trials.md").is_file()
    pd.testing.assert_frame_equal(_table(out), table)


def test_wandb_offline_runs_carry_group_config_and_summary(reference):
    from humanllm.tracker import read_offline_run

    _tmp, _spec, out, _artifacts, _r = reference
    runs = [
        read_offline_run(f) for f in sorted((out / "alpha" / "trials").glob("*/wandb/wandb/offline-run-*/run-*.wandb"))
    ]
    assert runs and all(run["group"] == "alpha" for run in runs)
    trial_runs = [run for run in runs if run["config"].get("sweep", {}).get("name") == "alpha"]
    assert len(trial_runs) == N
    assert sorted(run["config"]["sweep"]["params"]["merge.ratios"] for run in trial_runs) == [0.2, 0.5, 0.8]
    for run in trial_runs:
        assert run["config"]["sweep"]["artifact_keys"]["sft"] and run["config"]["model"]["name"] == "tiny-random"
        assert {"indomain/writing_imitation/rouge_l", "objective/indomain_gain", "param/merge.ratios"} <= set(
            run["summary"]
        )
    summary = [read_offline_run(f) for f in (out / "alpha" / "wandb" / "wandb").glob("offline-run-*/run-*.wandb")]
    assert len(summary) == 1 and summary[0]["group"] == "alpha" and summary[0]["summary"]["complete_trials"] == N


def test_dashboard_serves_the_study_on_loopback(reference):
    from humanllm.sweep.dashboard import Dashboard

    _tmp, _spec, out, _artifacts, _r = reference
    study = _study(out)
    with Dashboard(study._storage, port=0) as dash:
        assert dash.url.startswith("http://127.0.0.1:")
        studies = json.loads(urllib.request.urlopen(f"{dash.url}/api/studies", timeout=30).read())["study_summaries"]
        sid = next(s["study_id"] for s in studies if s["study_name"] == "alpha")
        detail = json.loads(urllib.request.urlopen(f"{dash.url}/api/studies/{sid}", timeout=30).read())
    states = [t["state"] for t in detail["trials"]]
    assert states.count("Complete") == N


# One setting for the three kill points, so that one clean, uninterrupted sweep is the reference for all of them.
KILL_EXTRA = [
    "train.max_steps=5",
    "merge=ties",
    "eval.perplexity.max_docs=2",
    "tracker=none",
]  # W&B is the reference sweep's test; a run each trial costs seconds here


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> pd.DataFrame:
    """The kill tests' reference: the same sweep, never killed, in a store of its own (nothing to reuse)."""
    tmp = tmp_path_factory.mktemp("sweep_clean")
    r = _sweep(_spec(tmp), tmp / "out", tmp / "artifacts", *KILL_EXTRA)
    assert r.returncode == 0, r.stderr[-4000:]
    return _table(tmp / "out")


def test_one_train_key_means_one_set_of_weights_however_the_cli_is_started(tmp_path):
    """`python -m humanllm.cli` and `main()` (the console script's way) once trained different weights under one
    key: tiny-random's tokenizer was trained on docstrings of objects such as sys.stdout and sys.argv."""
    from safetensors.torch import load_file

    args = ["train", *FAST, "train.max_steps=5", "tracker=none"]
    starts = {
        "module": ["-m", "humanllm.cli"],
        "main": ["-c", "import sys; from humanllm.cli import main; sys.exit(main(sys.argv[1:]))"],
    }
    for name, start in starts.items():
        r = subprocess.run(
            [sys.executable, *start, *args],
            cwd=ROOT,
            env=_env(tmp_path / name),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert r.returncode == 0, r.stderr[-3000:]
    (a_dir,), (b_dir,) = [list((tmp_path / n / "train").glob("[!.]*")) for n in starts]
    assert a_dir.name == b_dir.name  # one stage key
    a, b = load_file(a_dir / "model.safetensors"), load_file(b_dir / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)


def _published_after(artifacts: Path, since: float) -> list[str]:
    """Half-written folders the kill left (.tmp-<key>-*), each checked on disk: its key is published now, by the
    resumed run (manifest written after `since`), from a fresh folder; returns the keys."""
    keys = []
    for leftover in sorted(artifacts.glob("*/.tmp-*")):
        key = leftover.name.split("-")[1]
        final = leftover.parent / key
        assert (final / "manifest.json").is_file(), f"{final}: the killed stage was never published"
        assert (final / "manifest.json").stat().st_mtime >= since, f"{final}: published before the resume"
        assert leftover.is_dir() and final.resolve() != leftover.resolve()
        keys.append(f"{leftover.parent.name}/{key}")
    for stage_dir in artifacts.iterdir():
        for folder in stage_dir.iterdir() if stage_dir.is_dir() else []:
            if folder.is_dir() and not folder.name.startswith("."):
                assert (folder / "manifest.json").is_file(), f"{folder}: a published folder without its manifest"
    return keys


@pytest.mark.parametrize(
    "where,kill",
    [
        ("training", ("transformers.trainer", "Trainer.training_step", 2)),
        ("merge", ("mergekit.io.tensor_writer", "TensorWriter.save_tensor", 3)),
        ("evaluation", ("humanllm.eval.shared_prefix", "SharedPrefixHFLM.loglikelihood_rolling", 2)),
    ],
)
def test_kill_9_then_rerun_finishes_exactly_n_trials_with_the_same_table(where, kill, uninterrupted, tmp_path):
    spec, out, artifacts = _spec(tmp_path), tmp_path / "out", tmp_path / "artifacts"
    killed = _sweep(spec, out, artifacts, *KILL_EXTRA, kill=kill)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    running = _study(out).get_trials(states=(TrialState.RUNNING,))
    assert len(running) == 1, f"the kill during {where} should leave one RUNNING trial"
    leftovers = sorted(artifacts.glob("*/.tmp-*"))
    assert leftovers, f"the kill during {where} should leave a half-written stage folder"
    resumed_at = time.time()
    resumed = _sweep(spec, out, artifacts, *KILL_EXTRA)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    study = _study(out)
    _assert_exact(study)
    assert [t.number for t in study.get_trials(states=(TrialState.FAIL,))] == [running[0].number]
    stage = {"training": "train", "merge": "merge", "evaluation": "eval"}[where]
    assert any(k.startswith(f"{stage}/") for k in _published_after(artifacts, resumed_at)), leftovers
    pd.testing.assert_frame_equal(_table(out), uninterrupted, rtol=1e-9)


def test_two_workers_finish_exactly_n_trials_and_build_the_sft_once(tmp_path):
    spec, out, artifacts = _spec(tmp_path, "two"), tmp_path / "out", tmp_path / "artifacts"
    r = _sweep(spec, out, artifacts, "tracker=none", "--workers", "2")
    assert r.returncode == 0, r.stderr[-4000:]
    study = _study(out, "two")
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == N and sorted(t.params["merge.ratios"] for t in complete) == [0.2, 0.5, 0.8]
    workers = {t.user_attrs["worker"]["pid"] for t in complete}
    assert len(workers) == 2 and os.getpid() not in workers, workers  # two processes, each finished a trial
    trained = [b for t in complete for b in t.user_attrs["built"] if b.startswith("train/")]
    assert len(trained) == 1 and len(list((artifacts / "train").glob("[!.]*"))) == 1
