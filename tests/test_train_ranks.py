"""Rank-aware training: `train.launcher=accelerate train.num_processes=2` runs the train stage as two gloo
ranks on CPU (conf/accelerate/cpu_2proc.yaml) through `accelerate launch`, from `humanllm train` and from a
sweep trial; every rank trains, rank 0 publishes the one folder, and a rank killed with SIGKILL mid-training
(HUMANLLM_FAULT_INJECTION_KILL_RANK) fails the trial, which the sweep retries to completion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from humanllm.config import load_config
from humanllm.schema import ConfigError
from humanllm.train.fault_injection import FAULT_ENV

ROOT = Path(__file__).resolve().parents[1]
RANKS = ["train.launcher=accelerate", "train.num_processes=2", "train.accelerate_config=cpu_2proc"]
FAST = ["experiment=tiny", "progress=false", "tracker=none", "train.max_steps=3", "train.logging_steps=1"]


def _run(args: list[str], artifacts: Path, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUMANLLM_ARTIFACTS": str(artifacts), "OMP_NUM_THREADS": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "humanllm.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )


def _published(artifacts: Path, stage: str = "train") -> list[Path]:
    return sorted(p for p in (artifacts / stage).iterdir() if not p.name.startswith("."))


def test_launch_settings_are_validated_naming_the_key():
    cases = {
        "train.num_processes=2": "train.num_processes: 2 processes need train.launcher=accelerate",
        "train.launcher=accelerate": "train.accelerate_config: train.launcher=accelerate needs a config",
        "train.launcher=accelerate train.accelerate_config=gpu_9": "gpu_9.yaml does not exist",
        "train.launcher=accelerate train.num_processes=2 train.accelerate_config=gpu_1": "runs one process (distributed_type: NO)",
    }
    for overrides, expected in cases.items():
        with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace(")", r"\)")):
            load_config(["experiment=tiny", *overrides.split()])
    cfg = load_config(["experiment=tiny", *RANKS])
    t = cfg.train
    assert (t.launcher, t.num_processes, t.accelerate_config) == ("accelerate", 2, "cpu_2proc")


def test_train_key_holds_the_rank_count_not_the_launcher():
    from humanllm.train.stage import train_stage_config

    single = train_stage_config(load_config(["experiment=tiny"]))
    one_rank = train_stage_config(
        load_config(["experiment=tiny", "train.launcher=accelerate", "train.accelerate_config=gpu_1"])
    )
    two = train_stage_config(load_config(["experiment=tiny", *RANKS]))
    assert one_rank == single, "launching one rank through accelerate trains the same model"
    assert two == {**single, "processes": 2}, "two ranks double the global batch: a different key"


def test_launch_failure_tells_a_killed_rank_from_one_that_raised(tmp_path):
    from humanllm.pipeline.train_launch import RanksDied, RanksFailed, launch_failure

    def classify(failures):
        (tmp_path / "f.json").write_text(json.dumps(failures))
        return launch_failure(1, tmp_path / "f.json", "cpu_2proc")

    killed = classify(
        [
            {"rank": 0, "exitcode": 1, "message": "RuntimeError: gloo: Connection reset by peer"},
            {"rank": 1, "exitcode": -9, "message": ""},
        ]
    )
    assert isinstance(killed, RanksDied) and "rank 1 by SIGKILL" in str(killed)
    assert isinstance(
        classify([{"rank": 0, "exitcode": -15, "message": ""}, {"rank": 1, "exitcode": -15, "message": ""}]), RanksDied
    )  # preempted
    raised = classify(
        [
            {"rank": 0, "exitcode": -15, "message": ""},
            {"rank": 1, "exitcode": 1, "message": "ValueError: train.max_length=2: too short"},
        ]
    )
    assert isinstance(raised, RanksFailed)
    assert "rank 1 failed (exit code 1): ValueError: train.max_length=2" in str(raised)
    assert isinstance(classify([]), RanksFailed)


def test_humanllm_train_on_two_ranks_publishes_one_folder(tmp_path):
    artifacts = tmp_path / "artifacts"
    t0 = time.perf_counter()
    r = _run(["train", *FAST, *RANKS, f"paths.results={tmp_path / 'results'}"], artifacts)
    wall = time.perf_counter() - t0
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-5000:]
    folders = _published(artifacts)
    assert len(folders) == 1, folders
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["config"]["processes"] == 2 and manifest["counts"]["processes"] == 2
    assert manifest["counts"]["steps"] == 3 and (folders[0] / "model.safetensors").is_file()
    assert not list((artifacts / "train").glob(".tmp-*")), "a temporary folder was left"
    log = r.stdout + r.stderr
    assert log.count(f"train {folders[0].name} written in") == 1, "rank 0 alone publishes, once"
    assert all(f"[rank {k}] train [three_tasks]: building {folders[0].name}" in log for k in (0, 1))
    print(
        f"\n2-rank `humanllm train` (gloo, {manifest['counts']['steps']} steps): {wall:.1f}s wall, "
        f"train/{folders[0].name}"
    )
    again = _run(["train", *FAST, *RANKS, f"paths.results={tmp_path / 'results'}"], artifacts)
    assert again.returncode == 0 and "building" not in again.stderr and _published(artifacts) == folders


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Two trials differing in train.learning_rate, each trained on two ranks; rank 1 of the first training
    SIGKILLs itself after optimizer step 2 (once: the marker file makes the retry run through)."""
    tmp = tmp_path_factory.mktemp("rank_sweep")
    spec = {
        "name": "ranks",
        "overrides": [
            *FAST,
            *RANKS,
            "merge=linear",
            "merge.ratios=[0.5]",
            "eval.indomain.max_samples=2",
            "eval.perplexity.max_docs=2",
        ],
        "params": {"train.learning_rate": {"grid": [1.0e-3, 5.0e-4]}},
        "objectives": [
            {
                "name": "gain",
                "metric": "indomain/writing_imitation/rouge_l",
                "relative_to": "base",
                "direction": "maximize",
            }
        ],
    }
    (tmp / "ranks.yaml").write_text(yaml.safe_dump(spec))
    marker = tmp / "rank1_killed"
    r = _run(
        ["sweep", str(tmp / "ranks.yaml"), "--out", str(tmp / "out")], tmp / "artifacts", **{FAULT_ENV: f"1:2:{marker}"}
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-5000:]
    assert marker.is_file(), "the fault was never injected"
    import optuna

    from humanllm.sweep.storage import open_storage

    journal = str(tmp / "out" / "ranks" / "study.journal")
    study = optuna.load_study(study_name="ranks", storage=open_storage(journal, 0))
    return tmp / "artifacts", study, r


def test_sweep_trials_train_on_two_ranks_one_folder_per_training(sweep):
    from optuna.trial import TrialState

    artifacts, study, _ = sweep
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert sorted(t.params["train.learning_rate"] for t in complete) == [5.0e-4, 1.0e-3]
    folders = _published(artifacts)
    assert sorted(f.name for f in folders) == sorted(t.user_attrs["artifact_keys"]["sft"] for t in complete)
    for f in folders:
        manifest = json.loads((f / "manifest.json").read_text())
        assert manifest["config"]["processes"] == 2 and manifest["counts"]["processes"] == 2
    rates = {json.loads((f / "manifest.json").read_text())["config"]["train"]["learning_rate"] for f in folders}
    assert rates == {5.0e-4, 1.0e-3}


def test_a_killed_rank_fails_the_trial_and_its_retry_finishes_it(sweep):
    from optuna.trial import TrialState

    artifacts, study, _r = sweep
    failed = study.get_trials(states=(TrialState.FAIL,))
    assert len(failed) == 1 and "RanksDied" in failed[0].user_attrs["error"], [t.user_attrs for t in failed]
    assert "rank 1 by SIGKILL" in failed[0].user_attrs["error"]
    retry = [
        t
        for t in study.get_trials(states=(TrialState.COMPLETE,))
        if t.system_attrs.get("failed_trial") == failed[0].number
    ]
    assert len(retry) == 1 and retry[0].params == failed[0].params
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 2
    assert not list((artifacts / "train").glob(".tmp-*")), "the killed training left a temporary folder"
    print(
        "\n"
        + "\n".join(
            f"trial {t.number} {t.state.name} lr={t.params['train.learning_rate']} "
            f"sft={t.user_attrs.get('artifact_keys', {}).get('sft')} "
            f"{t.user_attrs.get('error', '')[:160]}"
            for t in study.get_trials()
        )
    )
