"""Every config group option composes and validates; bad configs fail naming the key, before any work."""

import subprocess
import sys

import pytest

from humanllm.config import GROUPS, group_options, load_config
from humanllm.schema import ConfigError

ALL_OPTIONS = [(g, o) for g, opts in group_options().items() for o in opts]


@pytest.mark.parametrize("group,option", ALL_OPTIONS, ids=[f"{g}={o}" for g, o in ALL_OPTIONS])
def test_every_group_option_composes(group, option):
    cfg = load_config([f"{group}={option}"])
    if group not in ("experiment",):
        node = getattr(cfg, {"eval": "eval"}.get(group, group))
        assert node is not None


def test_groups_exist():
    opts = group_options()
    for g in GROUPS:
        assert opts[g], f"conf/{g}/ has no options"


def test_default_config_is_the_cpu_demo_shape():
    cfg = load_config([])
    assert cfg.model.name == "smollm2-135m"
    assert set(cfg.mixture.tasks) == {"writing_imitation", "personalized_commenting", "item_selection"}
    assert cfg.tracker.mode == "offline"


BAD = [
    (["+mixture.tasks.foo={weight:1}"], "mixture.tasks.foo", "unknown task 'foo'"),
    (["merge.ratios=[0.5,1.5]"], "merge.ratios", "outside [0, 1]"),
    (["mixture.tasks.item_selection.weight=-1"], "mixture.tasks.item_selection.weight", "greater than or equal to 0"),
    (["model=gpt-17"], "model", "unknown model 'gpt-17'"),
    (["merge=frankenmerge"], "merge", "unknown merge 'frankenmerge'"),
    (["merge.method=frankenmerge"], "merge.method", "frankenmerge"),
    (["train.learning_rate=-1"], "train.learning_rate", "greater than 0"),
    (["train.lerning_rate=1e-4"], "train.lerning_rate", "unknown config key"),
    (["mixture.tasks.item_selection.params.candidates=1"], "mixture.tasks.item_selection", "candidates"),
]


@pytest.mark.parametrize("overrides,key,fragment", BAD, ids=[b[1] for b in BAD])
def test_bad_config_names_the_key(overrides, key, fragment):
    with pytest.raises(ConfigError) as err:
        load_config(overrides)
    msg = str(err.value)
    assert key in msg and fragment in msg, msg


def test_cli_rejects_bad_config_before_any_work(tmp_path):
    store = tmp_path / "artifacts"
    proc = subprocess.run(
        [sys.executable, "-m", "humanllm.cli", "pipeline", "merge.ratios=[0.25,2]", f"paths.artifacts={store}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "merge.ratios" in proc.stderr and "outside [0, 1]" in proc.stderr
    assert not store.exists(), "nothing may be built when the config is invalid"
    assert "torch" not in proc.stderr.lower()


def test_cli_help_explains_each_command():
    for cmd in ("data", "tasks", "train", "merge", "eval", "pipeline", "report"):
        out = subprocess.run([sys.executable, "-m", "humanllm.cli", cmd, "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and "override" in out.stdout and len(out.stdout) > 300, cmd
    top = subprocess.run([sys.executable, "-m", "humanllm.cli", "--help"], capture_output=True, text=True).stdout
    assert "config groups" in top and "smollm2-135m" in top


def test_progress_false_silences_the_libraries_progress_bars_too(tmp_path):
    import datasets

    from humanllm.pipeline.context import RunContext

    base = ["experiment=tiny", "tracker=none", f"paths.artifacts={tmp_path / 'a'}", f"paths.results={tmp_path / 'r'}"]
    datasets.enable_progress_bars()
    RunContext.from_config(load_config([*base, "progress=true"]))
    assert datasets.is_progress_bar_enabled()
    RunContext.from_config(load_config([*base, "progress=false"]))
    assert not datasets.is_progress_bar_enabled()  # no "Saving the dataset" bars in a quiet run's log
