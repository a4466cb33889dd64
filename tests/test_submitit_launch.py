"""Cluster launch: the Hydra launcher configs compose, the SLURM one makes a valid sbatch script with
submitit, and submitit's local executor runs a trial (the whole flow) end to end on tiny-random."""

from __future__ import annotations

import pickle
import subprocess
import sys

from omegaconf import OmegaConf

from humanllm.eval import config as _eval_config  # noqa: F401 (registers eval/_defaults in Hydra's ConfigStore)
from humanllm.paths import conf_dir


def launcher_config(option: str, *overrides: str) -> dict:
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        cfg = compose(
            config_name="config", overrides=[f"hydra/launcher={option}", *overrides], return_hydra_config=True
        )
    launcher = cfg.hydra.launcher
    launcher.submitit_folder = "/tmp/submitit/%j"  # ${hydra.sweep.dir} only resolves inside a Hydra run
    launcher.name = "humanllm"
    return OmegaConf.to_container(launcher, resolve=True)  # type: ignore[return-value]


def test_launcher_configs_compose(monkeypatch):
    monkeypatch.setenv("SLURM_PARTITION", "gpu")
    monkeypatch.delenv("SLURM_ACCOUNT", raising=False)
    slurm = launcher_config("slurm", "hydra.launcher.gpus_per_node=8")
    assert slurm["_target_"].endswith("SlurmLauncher") and slurm["partition"] == "gpu" and slurm["account"] is None
    assert slurm["gpus_per_node"] == 8 and slurm["array_parallelism"] >= 1 and slurm["max_num_timeout"] == 0
    local = launcher_config("local")
    assert local["_target_"].endswith("LocalLauncher")


def test_slurm_params_make_a_valid_sbatch_script(tmp_path, monkeypatch):
    """What SlurmLauncher does with the composed params (hydra_submitit_launcher 1.2), up to the sbatch text."""
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    monkeypatch.setenv("SLURM_PARTITION", "gpu")
    monkeypatch.setattr(submitit.SlurmExecutor, "affinity", classmethod(lambda cls: 1))  # no srun on this machine
    params = launcher_config("slurm", "hydra.launcher.gpus_per_node=8", "hydra.launcher.mem_gb=512")
    params.pop("_target_")
    executor = submitit.AutoExecutor(
        folder=tmp_path, cluster="slurm", slurm_max_num_timeout=params.pop("max_num_timeout")
    )
    params.pop("submitit_folder")
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    executor.update_parameters(**{k if k in base else f"slurm_{k}": v for k, v in params.items()})
    script = executor._executor._make_submission_file_text("python -m humanllm.launch", "uid")
    for line in (
        "#SBATCH --partition=gpu",
        "#SBATCH --gpus-per-node=8",
        "#SBATCH --mem=512GB",
        "#SBATCH --time=1440",
        "#SBATCH --cpus-per-task=16",
        "export TOKENIZERS_PARALLELISM=false",
    ):
        assert line in script, (line, script)


def test_local_executor_runs_a_trial_end_to_end(tmp_path):
    sweep_dir, results = tmp_path / "multirun", tmp_path / "results"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "humanllm.launch",
            "-m",
            "hydra/launcher=local",
            "experiment=tiny",
            "tracker=none",
            "progress=false",
            f"paths.artifacts={tmp_path / 'artifacts'}",
            f"paths.results={results}",
            f"hydra.sweep.dir={sweep_dir}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Submitit 'local' sweep output dir" in proc.stdout + proc.stderr
    outcomes = [pickle.loads(p.read_bytes()) for p in sweep_dir.glob(".submitit/*/*_result.pkl")]
    assert [(status, job.status.name, job.return_value) for status, job in outcomes] == [
        ("success", "COMPLETED", str(results))
    ], outcomes
    table = (results / "table.md").read_text()
    assert "base" in table and "merged" in table
    manifests = list((tmp_path / "artifacts").glob("*/*/manifest.json"))
    assert {m.parent.parent.name for m in manifests} >= {"train", "merge", "eval"}
