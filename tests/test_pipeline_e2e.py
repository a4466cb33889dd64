"""The whole flow on tiny-random: data → tasks → train → merge → eval → report, then a warm rerun."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

from humanllm.config import load_config
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_eval_stage, run_pipeline


def _cfg(tmp: Path, *extra: str):
    # the general-reasoning suite asked for, with no data and no source: reported as not run, the run goes on
    return load_config(
        [
            "experiment=tiny",
            f"paths.artifacts={tmp / 'artifacts'}",
            f"paths.results={tmp / 'results'}",
            "progress=false",
            "eval.bigbench.enabled=true",
            "eval.bigbench.if_unavailable=not_run",
            f"eval.data.bigbench={tmp / 'no_benchmark_here'}",
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    cfg = _cfg(tmp)
    ctx = RunContext.from_config(cfg)
    state = run_pipeline(ctx)
    return tmp, cfg, ctx, state


def test_flow_writes_table_plot_and_wandb_runs(first_run):
    _tmp, cfg, _ctx, state = first_run
    out = cfg.results_dir
    table = pd.read_csv(out / "table.csv", index_col=0, comment="#")
    assert list(table.index) == ["base", "sft", "merged α=0.5"]
    assert {
        "item_selection/hit_rate_paper",
        "item_selection/exact_match",
        "item_selection/rank_accuracy",
        "writing_imitation/rouge_l",
        "personalized_commenting/embedding_similarity",
        "english/bits_per_byte",
    } <= set(table.columns)
    assert table.notna().all().all()
    assert (out / "metrics_vs_alpha.png").stat().st_size > 10_000
    assert (out / "table.md").read_text().count("merged α=0.5") == 1
    runs = list((out / "wandb" / "wandb").glob("offline-run-*"))
    assert len(runs) >= 5, runs  # train + 3 evals + report
    deltas = pd.read_csv(out / "deltas.csv", comment="#")
    assert {"general reasoning (forgetting)", "in-domain"} <= set(deltas.group)
    assert set(deltas.significant) == {"n too small"} and (deltas.detectable.dropna() > 0).all()  # 4 items per task
    assert " nan " not in (out / "deltas.md").read_text()  # a cell the sample cannot fill stays blank
    md = (out / "table.md").read_text()
    for field in (
        "data: sample — generated sample corpus",
        "keep rule: no LLM curation",
        "seed: 2025",
        "code: humanllm",
        "regenerate: humanllm",
        f"fine-tuned {state.sft.key}",
    ):
        assert field in md, field
    assert (out / "table.tex").read_text().startswith("% data: sample")
    # tiny-random's window is 1024 tokens; item selection's prompts run to ~1150: counted once, noted in the table
    assert "log-likelihood: " in md and "longer than model.max_length=1024" in md


def test_a_suite_whose_data_cannot_be_had_is_a_not_run_row_and_a_closing_warning(first_run, capsys):
    from humanllm.pipeline.commands import warn_not_run

    _tmp, cfg, _ctx, _state = first_run
    for name in ("table.md", "deltas.md"):
        text = (cfg.results_dir / name).read_text()
        row = next(line for line in text.splitlines() if line.startswith("| bigbench |"))
        assert "| general reasoning (forgetting) | not run: bigbench data not found: eval.data.bigbench" in row, row
        assert "humanllm fetch general" in row
    assert not any(
        k.startswith("bigbench/") for k in pd.read_csv(cfg.results_dir / "scores_long.csv", comment="#").suite
    )
    warn_not_run(cfg)
    assert capsys.readouterr().err.startswith("WARNING: bigbench was not run: bigbench data not found")


def test_every_stage_has_a_manifest_and_counts_reconcile(first_run):
    _tmp, _cfg, ctx, state = first_run
    for name in ("raw_sample", "corpus", "tasks", "base_model", "train", "merge", "eval"):
        arts = ctx.store.list(name)
        assert arts, name
        for art in arts:
            assert art.manifest["versions"]["transformers"].startswith("5.")
    for name, art in state.tasks.items():
        train_users = {json.loads(line)["user_id"] for line in (art.path / "train.jsonl").read_text().splitlines()}
        test_users = {json.loads(line)["user_id"] for line in (art.path / "test.jsonl").read_text().splitlines()}
        assert train_users and test_users and not train_users & test_users, name
        c = art.counts  # every built example is in a split or dropped with its reason, and the files hold them
        assert c["examples"] == (
            c["train"]
            + c["test"]
            + c["dropped_by_cap_train"]
            + c["dropped_by_cap_test"]
            + c["dropped_quotes_held_out_user"]
        ), (name, c)
        assert sum(1 for _ in (art.path / "train.jsonl").open()) == c["train"]
        assert sum(1 for _ in (art.path / "test.jsonl").open()) == c["test"]
        assert (
            sum(1 for _ in (art.path / "skipped.jsonl").open()) == c["skipped"] == sum(c["skipped_by_reason"].values())
        )
    corpus = state.corpus.counts  # raw = kept + rejected, overall and per platform, and rejected.jsonl holds each one
    assert corpus["raw_records"] == corpus["kept_records"] + corpus["rejected_records"] > 0
    for platform, p in corpus["per_platform"].items():
        assert p["raw_records"] == p["kept_records"] + p["rejected_records"], platform
    assert sum(corpus["rejected_by_reason"].values()) == corpus["rejected_records"]
    assert sum(1 for _ in (state.corpus.path / "rejected.jsonl").open()) == corpus["rejected_records"]
    train = state.sft.counts  # the mixture: per-task examples add up, and too-long ones are counted out
    assert sum(v for k, v in train.items() if k.startswith("examples_")) == train["mixed_examples"]
    assert train["mixed_examples"] == train["train_examples"] + train["dropped_too_long"]


def test_merge_is_the_weighted_average(first_run):
    _tmp, _cfg, _ctx, state = first_run
    base = load_file(Path(state.base.location) / "model.safetensors")
    sft = load_file(state.sft.path / "model.safetensors")
    merged = load_file(state.merges[0.5].path / "model.safetensors")
    assert any(not torch.equal(base[k], sft[k]) for k in base), "training changed no weight"
    for k in base:
        torch.testing.assert_close(merged[k], 0.5 * base[k] + 0.5 * sft[k], rtol=1e-5, atol=1e-6)


def test_rerun_reuses_every_stage_and_gives_the_same_table(first_run):
    tmp, cfg, _ctx, _state = first_run
    before = (cfg.results_dir / "table.csv").read_text()
    ctx2 = RunContext.from_config(_cfg(tmp))
    run_pipeline(ctx2)
    assert ctx2.built == [], ctx2.built
    assert len(ctx2.reused) >= 7
    assert (cfg.results_dir / "table.csv").read_text() == before


def test_eval_cache_follows_weights_not_paths(first_run, monkeypatch):
    tmp, _, _ctx, state = first_run
    copy = tmp / "copied_model"
    shutil.copytree(state.merges[0.5].path, copy)
    import humanllm.eval.stage as runner

    def must_not_load(*a, **k):
        raise AssertionError("the model was loaded although identical weights were scored before")

    monkeypatch.setattr(runner, "load_eval_model", must_not_load)
    ctx2 = RunContext.from_config(_cfg(tmp, f"eval.model_path={copy}", "experiment_name=copy"))
    run_eval_stage(ctx2, FlowState())
    assert [r for r in ctx2.reused if r.startswith("eval/")] and not [b for b in ctx2.built if b.startswith("eval/")]
    monkeypatch.undo()

    weights = load_file(copy / "model.safetensors")
    name = sorted(weights)[0]
    weights[name] = weights[name].clone()
    weights[name].view(-1)[0] += 1.0
    save_file(weights, copy / "model.safetensors", metadata={"format": "pt"})
    ctx3 = RunContext.from_config(_cfg(tmp, f"eval.model_path={copy}", "experiment_name=copy"))
    run_eval_stage(ctx3, FlowState())
    assert [b for b in ctx3.built if b.startswith("eval/")], "a changed weight must be re-evaluated"
