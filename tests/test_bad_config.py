"""Bad configs: every kind is rejected before any stage runs, naming the key; the times are printed.

Kinds 1-9 fail on load (one group's own validation); 10-16 are contradictions between groups or with
the environment, found by `RootConfig.preflight()`, which the CLI runs before any stage.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from humanllm.config import load_config
from humanllm.schema import ConfigError

MISSING_KEY_ENV = "HUMANLLM_BAD_CONFIG_TEST_KEY"

# (kind, overrides, the key the message must name, a fragment of the explanation)
BAD_CONFIGS = [
    ("unknown group option", ["model=gpt-17"], "model", "unknown model 'gpt-17'"),
    ("misspelt key", ["train.lerning_rate=1e-4"], "train.lerning_rate", "unknown config key"),
    ("wrong type", ["train.epochs=three"], "train.epochs", "number"),
    ("out of range", ["train.warmup_ratio=1.5"], "train.warmup_ratio", "less than or equal to 1"),
    ("slerp ratio out of range", ["merge=slerp", "merge.ratios=[0.5,1.5]"], "merge.ratios", "outside [0, 1]"),
    ("duplicate merge ratios", ["merge.ratios=[0.5,0.5]"], "merge.ratios", "duplicate"),
    (
        "a key instead of its variable name",
        ["llm=openai", "llm.api_key_env=sk-live-abc123"],
        "llm",
        "NAME of an environment variable",
    ),
    ("full fine-tuning at a LoRA learning rate", ["train=full", "train.learning_rate=0.01"], "train", "far too high"),
    ("no data source", ["data.sample=null"], "data.sources", "no platform has a path"),
    (
        "curated tasks with synthesis=raw",
        ["mixture=all_six", "synthesis=raw"],
        "mixture.tasks.profile_generation",
        "synthesis=raw",
    ),
    (
        "remote LLM without a key variable",
        ["synthesis=structured", "llm=openai", "llm.api_key_env=null"],
        "llm.api_key_env",
        "needs an API key",
    ),
    (
        "key variable not set",
        ["synthesis=structured", "llm=openai", f"llm.api_key_env={MISSING_KEY_ENV}"],
        "llm.api_key_env",
        f"{MISSING_KEY_ENV} is not set",
    ),
    ("social benchmarks without data", ["eval=social"], "eval.data.motivebench", "humanllm fetch benchmarks"),
    (
        "benchmark folder missing",
        ["eval=social", "eval.data.motivebench=/nonexistent/MotiveBench", "eval.tombench.enabled=false"],
        "eval.data.motivebench",
        "no folder at",
    ),
    (
        "curation on platforms the data lacks",
        ["synthesis=structured", "data.sample.platforms=[reddit]", "synthesis.platforms=[amazon]"],
        "synthesis.platforms",
        "no platform",
    ),
    ("vLLM evaluation on CPU", ["eval.backend=vllm", "eval.device=cpu"], "eval.backend", "needs a GPU"),
    ("bf16 training of a float16 model", ["model.dtype=float16", "train.bf16=true"], "train.bf16", "bf16"),
]


@pytest.fixture(autouse=True)
def _no_planted_key(monkeypatch):
    monkeypatch.delenv(MISSING_KEY_ENV, raising=False)


def reject_seconds(overrides: list[str]) -> tuple[str, float]:
    """(the error message, seconds from composing to the rejection)."""
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        load_config(overrides).preflight()
    return str(err.value), time.perf_counter() - t0


def test_every_kind_is_rejected_naming_the_key(capsys):
    rows = []
    for kind, overrides, key, fragment in BAD_CONFIGS:
        message, seconds = reject_seconds(overrides)
        assert f"{key}" in message and fragment in message, (kind, message)
        rows.append((kind, key, seconds))
    with capsys.disabled():
        print(
            f"\nbad configs rejected, each naming its key: {len(rows)}/{len(BAD_CONFIGS)} kinds; "
            f"slowest {max(s for *_, s in rows):.2f} s (compose + validate + pre-flight)"
        )
        for kind, key, seconds in rows:
            print(f"  {seconds:6.2f} s  {key:<34} {kind}")
    assert len({kind for kind, *_ in BAD_CONFIGS}) >= 10


def test_good_neighbours_of_the_cross_group_cases_pass(monkeypatch):
    monkeypatch.setenv(MISSING_KEY_ENV, "sk-test")
    load_config(["mixture=all_six", "synthesis=structured"]).preflight()
    load_config(["synthesis=structured", "llm=openai", f"llm.api_key_env={MISSING_KEY_ENV}"]).preflight()
    load_config(["synthesis=structured", "llm=vllm", "llm.base_url=http://gpu-node-7:8000/v1"]).preflight()
    load_config(["eval=social", "eval.motivebench.enabled=false", "eval.tombench.enabled=false"]).preflight()
    load_config(["mixture=all_six"])  # composes alone: the contradiction is a pre-flight finding


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in BAD_CONFIGS
        if c[0] in {"curated tasks with synthesis=raw", "key variable not set", "social benchmarks without data"}
    ],
    ids=lambda c: c[0],
)
def test_cli_stops_before_any_stage(case, tmp_path):
    _kind, overrides, key, fragment = case
    store = tmp_path / "artifacts"
    env = {k: v for k, v in os.environ.items() if k != MISSING_KEY_ENV}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "humanllm.cli",
            "pipeline",
            *overrides,
            f"paths.artifacts={store}",
            f"paths.results={tmp_path / 'results'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "config error" in proc.stderr and key in proc.stderr and fragment in proc.stderr
    assert not store.exists() and not (tmp_path / "results").exists()
