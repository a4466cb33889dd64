"""An API key planted in the environment is used, and written nowhere: logs, manifests, run folders, W&B files.

The whole flow runs as a user would (the CLI in a subprocess, debug logging, W&B offline) on tiny-random,
with LLM curation against the loopback fault-injecting test server.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from humanllm.synthesis.testing import ScoringServer

SECRET = "sk-planted-4f1c9a7e2b6d8035c1e9f7a2"
KEY_ENV = "HUMANLLM_PLANTED_TEST_KEY"


@pytest.fixture(scope="module")
def flow_outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("secrets")
    env = {**os.environ, KEY_ENV: SECRET, "WANDB_MODE": "offline", "HUMANLLM_ARTIFACTS": str(tmp / "artifacts")}
    with ScoringServer(latency_s=0.001, fault_rate=0.1, faults=("http_500", "invalid_json"), seed=5) as server:
        overrides = [
            "experiment=tiny",
            "synthesis=structured",
            "mixture=all_six",
            "synthesis.max_users=6",
            "llm=openai",
            f"llm.base_url={server.base_url}",
            f"llm.model={server.model}",
            f"llm.api_key_env={KEY_ENV}",
            "llm.timeout_s=5",
            "llm.backoff_initial_s=0.01",
            "llm.backoff_max_s=0.05",
            "progress=false",
            f"paths.artifacts={tmp / 'artifacts'}",
            f"paths.results={tmp / 'results'}",
            "tracker=wandb",
        ]
        runs = [
            subprocess.run(
                [sys.executable, "-m", "humanllm.cli", command, *overrides, "-v", *extra],
                env=env,
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=900,
            )
            for command, extra in (("pipeline", []), ("pipeline", ["--cfg"]))
        ]
        authorizations = set(server.authorizations)
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        (tmp / "logs").mkdir(exist_ok=True)
    (tmp / "logs" / "console.txt").write_text("".join(r.stdout + r.stderr for r in runs))
    return tmp, authorizations, runs


def test_the_planted_key_was_really_sent(flow_outputs):
    _, authorizations, runs = flow_outputs
    assert f"Bearer {SECRET}" in authorizations
    assert f"api_key_env: {KEY_ENV}" in runs[1].stdout  # --cfg shows the variable's name, not its value


def test_the_key_is_in_no_output_file(flow_outputs):
    tmp, _, _ = flow_outputs
    files = [p for p in tmp.rglob("*") if p.is_file()]
    kinds = {p.name for p in files}
    assert "manifest.json" in kinds and "console.txt" in kinds, sorted(kinds)[:20]
    assert any(p.suffix == ".wandb" for p in files) and any(p.suffix == ".sqlite" for p in files)
    assert any(p.name == "table.md" for p in files)
    leaks = [p for p in files if SECRET.encode() in p.read_bytes() or SECRET[3:15].encode() in p.read_bytes()]
    assert not leaks, leaks
    print(f"\nplanted key searched in {len(files)} files under {tmp}: found in none")


def test_a_missing_key_fails_before_any_stage(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "humanllm.cli",
            "data",
            "synthesis=structured",
            "llm=openai",
            f"llm.api_key_env={KEY_ENV}",
            f"paths.artifacts={tmp_path / 'a'}",
            "tracker=none",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert f"llm.api_key_env: environment variable {KEY_ENV} is not set" in run.stderr
    assert not (tmp_path / "a").exists()
