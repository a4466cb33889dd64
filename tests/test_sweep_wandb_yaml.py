"""W&B sweep YAMLs in sweeps/wandb/: the command line that `wandb agent` builds runs through our CLI."""

import os
from pathlib import Path

import pytest
import yaml
from wandb.sdk.launch.sweeps.utils import create_sweep_command, create_sweep_command_args

from humanllm.cli import main
from humanllm.config import load_config

ROOT = Path(__file__).resolve().parents[1]
YAMLS = sorted((ROOT / "sweeps" / "wandb").glob("*.yaml"))


def agent_command(spec: dict, values: dict) -> list[str]:
    """The argv `wandb agent` runs for one parameter set (wandb_agent.Agent._command_run's expansion)."""
    sweep_vars = create_sweep_command_args({"args": {k: {"value": v} for k, v in values.items()}})
    sweep_vars.update(program=[spec["program"]], env=["/usr/bin/env"], interpreter=["python"])
    argv = []
    for chunk in create_sweep_command(list(spec["command"])):
        chunk = str(chunk)
        argv += (sweep_vars.get(chunk[2:-1]) or []) if chunk.startswith("${") and chunk.endswith("}") else [chunk]
    return argv


def first_values(spec: dict) -> dict:
    out = {}
    for k, p in spec["parameters"].items():
        out[k] = p["values"][0] if "values" in p else p.get("min")
    return out


@pytest.mark.parametrize("path", YAMLS, ids=[p.stem for p in YAMLS])
def test_every_wandb_yaml_composes_a_valid_config(path):
    spec = yaml.safe_load(path.read_text())
    argv = agent_command(spec, first_values(spec))
    assert argv[0] == "humanllm" and argv[1] in ("pipeline", "train", "merge", "eval")
    load_config(argv[2:])


def test_the_agent_command_line_runs_through_our_cli(tmp_path, monkeypatch, capsys):
    spec = yaml.safe_load((ROOT / "sweeps" / "wandb" / "tiny_smoke.yaml").read_text())
    argv = agent_command(spec, {"merge.ratios": "[0.7]"})
    assert argv[-1] == "merge.ratios=[0.7]"
    monkeypatch.setenv("HUMANLLM_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.chdir(tmp_path)
    os.environ.setdefault("WANDB_MODE", "offline")
    assert main(argv[1:]) == 0
    out = capsys.readouterr().out
    assert "merged α=0.7" in out and (tmp_path / "results" / "tiny" / ".hydra" / "config.yaml").is_file()
