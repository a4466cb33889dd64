"""The train stage: its key (hyper-parameters, mixture weights, model loading, ranks) and its build, `train_sft`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from humanllm.model.registry import ModelRef
from humanllm.store import Artifact, BuildContext
from humanllm.train.config import LAUNCH_KEYS
from humanllm.train.sft import train_sft


def train_processes(cfg: Any) -> int:
    """How many ranks train: the world size of the launch this process is in (torchrun sets WORLD_SIZE),
    else `train.num_processes` when this process will launch them, else 1."""
    launched = int(os.environ.get("WORLD_SIZE", "1"))
    if launched > 1:
        return launched
    return cfg.train.num_processes if cfg.train.launcher == "accelerate" else 1


def train_stage_config(cfg: Any) -> dict[str, Any]:
    """The train key's config: hyper-parameters, mixture weights and how the model is loaded and templated.
    How it is launched is left out, except the number of ranks (it sets the global batch): a multi-process
    run adds `processes`, so a single-process key is the same however the run was started."""
    m, t = cfg.model, cfg.train
    dropped = LAUNCH_KEYS | ({"lora"} if t.method == "full" else set())
    out = {
        "train": t.model_dump(exclude=dropped),
        "weights": {n: s.weight for n, s in cfg.mixture.tasks.items()},
        "model_load": {
            "chat_template_kwargs": m.chat_template_kwargs,
            "dtype": m.dtype,
            "attn_implementation": m.attn_implementation,
            "revision": m.revision,
            "trust_remote_code": m.trust_remote_code,
        },
    }
    processes = train_processes(cfg)
    return {**out, "processes": processes} if processes > 1 else out


@dataclass
class TrainStage:
    """Everything `ctx.stage` needs to find or build the train folder (the launcher computes its key too)."""

    config: dict[str, Any]
    inputs: dict[str, str]
    produce: Callable[[BuildContext], None]
    seed: int
    label: str


def train_stage(ctx: Any, base: ModelRef, tasks: dict[str, Artifact]) -> TrainStage:
    cfg = ctx.cfg
    inputs = {"base_model": base.key, **{f"task:{n}": a.key for n, a in sorted(tasks.items())}}
    return TrainStage(
        train_stage_config(cfg),
        inputs,
        lambda b: train_sft(ctx, base, tasks, b),
        seed=cfg.train.seed,
        label=cfg.mixture.name,
    )


def run_train(ctx: Any, base: ModelRef, tasks: dict[str, Artifact]) -> Artifact:
    """Build (or reuse) the train folder; in a multi-process launch every rank trains and rank 0 publishes."""
    spec = train_stage(ctx, base, tasks)
    return ctx.stage("train", spec.config, spec.inputs, spec.produce, seed=spec.seed, label=spec.label, all_ranks=True)
