"""`humanllm pipeline -m`: Hydra's multirun grammar expands to every combination, validated before any job runs."""

import argparse

import pytest

from humanllm.schema import ConfigError
from humanllm.sweep.multirun import expand, run_multirun


def test_expand_gives_every_combination_in_hydra_order():
    jobs = expand(["experiment=tiny", "merge.ratios=[0.3],[0.7]", "train.learning_rate=1e-4,3e-4"])
    assert jobs == [
        ["experiment=tiny", "merge.ratios=[0.3]", "train.learning_rate=0.0001"],
        ["experiment=tiny", "merge.ratios=[0.3]", "train.learning_rate=0.0003"],
        ["experiment=tiny", "merge.ratios=[0.7]", "train.learning_rate=0.0001"],
        ["experiment=tiny", "merge.ratios=[0.7]", "train.learning_rate=0.0003"],
    ]


def test_a_bad_value_in_any_job_fails_before_the_first_job_runs(monkeypatch):
    import humanllm.pipeline.commands as commands

    monkeypatch.setattr(commands, "cmd_pipeline", lambda *a: pytest.fail("a job ran before every job was validated"))
    args = argparse.Namespace(overrides=["experiment=tiny", "merge.ratios=[0.3],[1.5]"], config_dir=None, multirun=True)
    with pytest.raises(ConfigError, match="merge.ratios"):
        run_multirun(args)
