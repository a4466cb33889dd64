"""One trial: compose its config, run the flow (reusing every finished stage), score base and merged.

Linear / task-arithmetic trials merge in memory: base and fine-tuned weights are loaded once per
process (per SFT model) and θ(α) is written into one loaded model, which lm-eval scores as an object.
Its evaluation is cached under a fingerprint of the merged tensors (`mem-…`, see
`humanllm.merge.inmemory.state_fingerprint`), so a rerun of the same α is a cache hit. Other methods
go through mergekit and the flow's own merge and eval stages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humanllm.config import RootConfig, compose
from humanllm.eval.backends import LoadedModel
from humanllm.eval.flips import flip_rate
from humanllm.eval.stage import (
    EvalTarget,
    check_benchmark_data,
    read_scores,
    run_eval,
)
from humanllm.io import read_jsonl
from humanllm.merge.inmemory import IN_MEMORY_METHODS, InMemoryMerger
from humanllm.model.registry import pick_device
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.run_record import write_run_record
from humanllm.schema import ConfigError, validate
from humanllm.store import Artifact
from humanllm.sweep.spec import ObjectiveSpec, SweepSpec

log = logging.getLogger("humanllm")


@dataclass
class TrialOutcome:
    values: list[float]
    merged: dict[str, float]
    base: dict[str, float]
    artifact_keys: dict[str, Any]
    results_dir: Path
    built: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def objective_values(
    objectives: list[ObjectiveSpec],
    merged: Mapping[str, float],
    base: Mapping[str, float],
    items: Callable[[], tuple[list[dict], list[dict]]] | None = None,
) -> list[float]:
    """Each objective's value; a metric the evaluation did not produce is an error naming it. Flip statistics
    read the (base, merged) item rows that `items()` returns."""
    values = []
    for o in objectives:
        if o.metric not in merged:
            raise ConfigError(
                f"objectives.{o.name}.metric: '{o.metric}' is not a score of this evaluation. "
                f"Scores: {', '.join(sorted(merged))}"
            )
        if o.statistic != "value":
            if items is None:
                raise ValueError(f"objectives.{o.name}: statistic {o.statistic} needs the evaluations' items")
            try:
                values.append(flip_rate(*items(), o.metric, o.statistic))
            except ValueError as err:
                raise ConfigError(f"objectives.{o.name}.statistic: {err}") from None
            continue
        relative = o.relative_to == "base"
        values.append(float(merged[o.metric] - base[o.metric]) if relative else float(merged[o.metric]))
    return values


def _item_rows(art: Artifact) -> list[dict]:
    path = art.path / "items.jsonl"
    return list(read_jsonl(path)) if path.is_file() else []


class TrialRunner:
    """Runs trials in this process, keeping the in-memory merger of the last SFT model."""

    def __init__(self, spec: SweepSpec, sweep_dir: Path, config_dir: str | None = None):
        self.spec = spec
        self.sweep_dir = sweep_dir
        self.config_dir = config_dir
        self._merger: tuple[tuple[str, str], InMemoryMerger] | None = None

    def trial_overrides(self, number: int, param_overrides: list[str]) -> list[str]:
        return [
            *param_overrides,
            f"experiment_name={self.spec.name}",
            f"paths.results={self.sweep_dir / 'trials' / f'{number:04d}'}",
            f"++tracker.group={self.spec.name}",
            "eval.targets=[base,merged]",
        ]

    def run(self, number: int, overrides: list[str], params: Mapping[str, Any]) -> TrialOutcome:
        tree = compose(overrides, self.config_dir)
        cfg = validate(RootConfig, tree)
        if len(cfg.merge.ratios) != 1:
            raise ConfigError(
                f"merge.ratios: a trial scores one merged model; got {cfg.merge.ratios} "
                f"(sweep α as a parameter or set one ratio in the overrides)"
            )
        write_run_record(cfg.results_dir, "pipeline", overrides, self.config_dir, composed=tree)
        ctx = RunContext.from_config(cfg)
        state = flow.FlowState()
        check_benchmark_data(cfg)
        if self._in_memory(cfg):
            self._evaluate_in_memory(ctx, state)
        else:
            flow.run_eval_stage(ctx, state)
        base_art = next(a for t, a in state.evaluations if t.kind == "base")
        merged_target, merged_art = next((t, a) for t, a in state.evaluations if t.kind == "merged")
        base, merged = read_scores(base_art)["scores"], read_scores(merged_art)["scores"]
        values = objective_values(
            self.spec.objectives, merged, base, lambda: (_item_rows(base_art), _item_rows(merged_art))
        )
        keys = {
            "base_model": state.base.key if state.base else None,
            "sft": state.sft.key if state.sft else None,
            "merge": state.merges[merged_target.alpha].key if state.merges else None,
            "eval_base": base_art.key,
            "eval_merged": merged_art.key,
            "tasks": {n: a.key for n, a in sorted(state.tasks.items())},
        }
        outcome = TrialOutcome(values, merged, base, keys, cfg.results_dir, list(ctx.built), list(ctx.reused))
        self._track(ctx, cfg, number, overrides, params, outcome, merged_art)
        return outcome

    def _in_memory(self, cfg: RootConfig) -> bool:
        return (
            self.spec.in_memory_merge
            and cfg.merge.method in IN_MEMORY_METHODS
            and cfg.eval.backend == "hf"
            and not cfg.eval.judge.enabled
            and cfg.eval.model_path is None
        )

    def _merger_for(self, base_dir: str, sft: Artifact, cfg: RootConfig) -> InMemoryMerger:
        key = (base_dir, str(sft.path))
        if self._merger is None or self._merger[0] != key:
            self._merger = None  # free the previous pair before loading the next
            self._merger = (key, InMemoryMerger(base_dir, sft.path, cfg.model, device=pick_device(cfg.eval.device)))
        return self._merger[1]

    def _evaluate_in_memory(self, ctx: RunContext, state: flow.FlowState) -> None:
        cfg = ctx.cfg
        flow.run_train_stage(ctx, state)

        def base_in_memory() -> LoadedModel:  # the merger's model at the base weights: no second load
            merger = self._merger_for(state.base.location, state.sft, cfg)
            merger.restore_base()
            return LoadedModel(f"base ({state.base.location}, in memory)", merger.model, merger.tokenizer)

        base_target = EvalTarget("base", "base", state.base.location, alpha=0.0)
        state.evaluations = [(base_target, run_eval(ctx, base_target, state.tasks, in_memory=base_in_memory))]
        alpha = cfg.merge.ratios[0]
        merger = self._merger_for(state.base.location, state.sft, cfg)
        fingerprint = merger.apply(cfg.merge.method, alpha)
        model = LoadedModel(f"in-memory {cfg.merge.method} α={alpha:g} ({fingerprint})", merger.model, merger.tokenizer)
        target = EvalTarget(f"merged α={alpha:g}", "merged", model, alpha=alpha)  # type: ignore[arg-type]
        state.evaluations.append((target, run_eval(ctx, target, state.tasks, fingerprint=fingerprint)))
        flow.write_evaluations_index(ctx, state)

    def _track(
        self,
        ctx: RunContext,
        cfg: RootConfig,
        number: int,
        overrides: list[str],
        params: Mapping[str, Any],
        outcome: TrialOutcome,
        merged_art: Artifact,
    ) -> None:
        """One W&B run per trial (group = sweep): full config, keys, every metric as a summary value."""
        import pandas as pd

        config = {
            **cfg.model_dump(mode="json"),
            "sweep": {
                "name": self.spec.name,
                "trial": number,
                "params": dict(params),
                "overrides": overrides,
                "artifact_keys": outcome.artifact_keys,
            },
        }
        with ctx.tracker.run(f"{self.spec.name}-trial-{number}", "trial", config) as run:
            summary = {
                **outcome.merged,
                **{f"base/{k}": v for k, v in outcome.base.items()},
                **{f"delta/{k}": outcome.merged[k] - v for k, v in outcome.base.items() if k in outcome.merged},
                **{f"objective/{o.name}": v for o, v in zip(self.spec.objectives, outcome.values)},
                **{f"param/{k}": v for k, v in params.items()},
                "trial": number,
            }
            run.summary(summary)
            rows = [
                {
                    "metric": k,
                    "base": outcome.base.get(k),
                    "merged": v,
                    "delta": v - outcome.base[k] if k in outcome.base else None,
                }
                for k, v in sorted(outcome.merged.items())
            ]
            run.table("per_task", pd.DataFrame(rows))
            items = (
                list(read_jsonl(merged_art.path / "items.jsonl")) if (merged_art.path / "items.jsonl").is_file() else []
            )
            if items:
                run.table("eval_samples", pd.DataFrame(items[:500]).astype(str))
