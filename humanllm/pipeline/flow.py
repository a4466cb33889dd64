"""The flow data → (curate) → tasks → train → merge → eval → report, each step reusing finished stages.

Every function runs what it needs upstream, so `humanllm eval` on a fresh store builds the corpus,
the tasks, trains and merges first; on a warm store each upstream step is a manifest lookup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humanllm.data.stage import run_data as build_corpus
from humanllm.eval.contamination_check import checked_benchmarks, contamination_markdown, run_contamination
from humanllm.eval.judge import run_judge
from humanllm.eval.stage import EvalTarget, check_benchmark_data, run_eval
from humanllm.io import write_json
from humanllm.merge.stage import run_merges
from humanllm.model.registry import ModelRef
from humanllm.model.stage import resolve_base_model
from humanllm.paths import shown
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.train_launch import launch_train
from humanllm.report.build import write_report
from humanllm.report.provenance import build_provenance
from humanllm.store import Artifact
from humanllm.synthesis.stage import run_curate
from humanllm.task.stage import run_tasks
from humanllm.train.stage import run_train

log = logging.getLogger("humanllm")


@dataclass
class FlowState:
    """What the flow has produced so far in this process."""

    corpus: Artifact | None = None
    curated: Artifact | None = None
    tasks: dict[str, Artifact] = field(default_factory=dict)
    base: ModelRef | None = None
    sft: Artifact | None = None
    merges: dict[float, Artifact] = field(default_factory=dict)
    evaluations: list[tuple[EvalTarget, Artifact]] = field(default_factory=list)
    judgements: dict[str, Artifact] = field(default_factory=dict)  # label → judge artifact


def run_data(ctx: RunContext, state: FlowState) -> FlowState:
    state.corpus = build_corpus(ctx)
    if ctx.cfg.synthesis.mode != "raw":
        state.curated = run_curate(ctx, state.corpus)
    return state


def run_task_stage(ctx: RunContext, state: FlowState) -> FlowState:
    if state.corpus is None:
        run_data(ctx, state)
    state.tasks = run_tasks(ctx, state.corpus, state.curated)
    return state


def run_train_stage(ctx: RunContext, state: FlowState) -> FlowState:
    if not state.tasks:
        run_task_stage(ctx, state)
    state.base = state.base or resolve_base_model(ctx, ctx.cfg.model)
    if ctx.cfg.train.launcher == "accelerate":  # N ranks under `accelerate launch`; this process waits
        state.sft = launch_train(ctx, state.base, state.tasks)
    else:
        state.sft = run_train(ctx, state.base, state.tasks)
    return state


def run_merge_stage(ctx: RunContext, state: FlowState) -> FlowState:
    if state.sft is None:
        run_train_stage(ctx, state)
    state.merges = run_merges(ctx, state.base.key, state.base.location, state.sft)
    return state


def eval_targets(ctx: RunContext, state: FlowState) -> list[EvalTarget]:
    """The models `eval.targets` asks for, in report order: base, sft, merged by ascending α."""
    e = ctx.cfg.eval
    if e.model_path:
        path = Path(e.model_path).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"eval.model_path: {path} is not a folder")
        return [EvalTarget(path.name, "path", str(path))]
    if "sft" in e.targets or "merged" in e.targets:
        if "merged" in e.targets:
            run_merge_stage(ctx, state)
        elif state.sft is None:
            run_train_stage(ctx, state)
    state.base = state.base or resolve_base_model(ctx, ctx.cfg.model)
    targets = []
    if "base" in e.targets:
        if not state.base.is_local:
            raise ValueError(f"model.path: evaluate {state.base.location} from a local folder (download it first)")
        targets.append(EvalTarget("base", "base", state.base.location, alpha=0.0))
    if "sft" in e.targets:
        targets.append(EvalTarget("sft", "sft", str(state.sft.path), alpha=1.0))
    if "merged" in e.targets:
        for alpha, art in sorted(state.merges.items()):
            targets.append(EvalTarget(f"merged α={alpha:g}", "merged", str(art.path), alpha=alpha))
    return targets


def run_eval_stage(ctx: RunContext, state: FlowState) -> FlowState:
    """Score every target and record the evaluations index under results/<experiment>/."""
    e = ctx.cfg.eval
    check_benchmark_data(ctx.cfg)
    contamination = e.contamination.enabled and bool(checked_benchmarks(e))
    if (e.indomain.enabled or contamination) and not state.tasks:
        run_task_stage(ctx, state)
    targets = eval_targets(ctx, state)
    state.evaluations = [(t, run_eval(ctx, t, state.tasks)) for t in targets]
    if e.judge.enabled:
        base = next((a for t, a in state.evaluations if t.kind == "base"), None)
        for t, art in state.evaluations:
            compare_with = base if (e.judge.pairwise and t.kind != "base") else None
            state.judgements[t.label] = run_judge(ctx, t.label, art, compare_with)
    if contamination:
        report = run_contamination(ctx, state.corpus, state.tasks)
        if report is not None:
            ctx.cfg.results_dir.mkdir(parents=True, exist_ok=True)
            (ctx.cfg.results_dir / "contamination.md").write_text(contamination_markdown(report))
    write_evaluations_index(ctx, state)
    return state


def write_evaluations_index(ctx: RunContext, state: FlowState) -> Path:
    """`evaluations.json`: one row per scored model. Its folders are written as `paths.shown` writes them
    (relative to the working folder, the checkout, when inside it; the report reads them from there)."""
    rows: list[dict[str, Any]] = [
        {
            "label": t.label,
            "kind": t.kind,
            "alpha": t.alpha,
            "model_path": shown(t.location) if isinstance(t.location, (str, Path)) and t.location else t.location,
            "eval_key": a.key,
            "eval_path": shown(a.path),
            "judge_path": shown(state.judgements[t.label].path) if t.label in state.judgements else None,
        }
        for t, a in state.evaluations
    ]
    index = {
        "experiment": ctx.cfg.experiment_name,
        "provenance": build_provenance(ctx.cfg, state),
        "model": ctx.cfg.model.name,
        "mixture": ctx.cfg.mixture.name,
        "merge_method": ctx.cfg.merge.method,
        "train_key": state.sft.key if state.sft else None,
        "train_counts": state.sft.counts if state.sft else None,
        "evaluations": rows,
    }
    path = ctx.cfg.results_dir / "evaluations.json"
    write_json(path, index)
    return path


def run_pipeline(ctx: RunContext) -> FlowState:
    state = run_eval_stage(ctx, FlowState())
    write_report(ctx.cfg)
    return state
