"""A key is a promise: every config value a stage reads while it builds is in its key, and nothing else.

The whole flow (LLM curation against the loopback scoring server, the judge included) runs once on
tiny-random with the config wrapped in a recorder that notes every config path a stage's producer reads. Then, for every leaf of the config and every stage, the leaf is changed
and the stage's key config recomputed: it must change exactly when the stage read that leaf.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel

from humanllm.config import load_config
from humanllm.curate.stage import stage_config as curated_config
from humanllm.curate.testing import ScoringServer, server_overrides
from humanllm.data.stage import corpus_config, raw_sample_config
from humanllm.evaluate.judge import judge_stage_config
from humanllm.evaluate.runner import eval_stage_config
from humanllm.merge.mergekit_merge import merge_stage_config
from humanllm.models.registry import base_model_config
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import run_eval_stage, FlowState
from humanllm.tasks.build import task_stage_config
from humanllm.train.sft import train_stage_config

# Leaves are swapped in without validation (only keys are computed), so pydantic warns when it dumps them.
pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")

# Read while building but cannot change what is written: where things go, logging, progress bars.
NOT_OUTPUT = ("paths", "artifacts_dir", "results_dir", "progress", "tracker", "experiment_name")
# In the key although read outside the producer: they choose which artifact is built (one per α / task).
SELECTORS = {"merge": ("merge.ratios",), "base_model": ("model.source",)}
# Read by a producer only to name its W&B run.
RUN_NAMES = {"train": ("model.name", "mixture.name")}
# Read only on a GPU (on the CPU models load in float32): in the key, but this CPU run cannot see the read.
GPU_ONLY = ("model.dtype",)
# How LLM requests travel (name, credentials variable, concurrency, timeouts, retries, cache, server start),
# and the local backend's settings while a server answers: read when the backend is built, never what answers.
LLM_TRANSPORT = tuple(f"{node}.{f}" for node in ("llm", "judge_llm") for f in (
    "name", "api_key_env", "max_in_flight", "timeout_s", "max_retries", "backoff_initial_s", "backoff_max_s",
    "autostart", "cache", "cache_dir", "batch_size", "device", "model_path", "dtype"))

STAGE_CONFIG = {
    "raw_sample": raw_sample_config,
    "corpus": corpus_config,
    "tasks": lambda cfg: {n: task_stage_config(cfg, n) for n in sorted(cfg.mixture.tasks)},
    "base_model": lambda cfg: base_model_config(cfg.model),
    "train": train_stage_config,
    "merge": lambda cfg: [merge_stage_config(cfg, a) for a in cfg.merge.ratios],
    "eval": eval_stage_config,
    "curated": curated_config,
    "judge": judge_stage_config,
}
# The seed a stage passes to the store (part of its key), as a function of the config.
STAGE_SEED = {
    "raw_sample": lambda cfg: cfg.seed if cfg.data.sample.seed is None else cfg.data.sample.seed,
    "corpus": lambda cfg: cfg.seed if cfg.data.max_users_per_platform is not None else None,
    "tasks": lambda cfg: cfg.split.seed,
    "base_model": lambda cfg: None,
    "train": lambda cfg: cfg.train.seed,
    "merge": lambda cfg: cfg.seed,
    "eval": lambda cfg: cfg.seed,
    "curated": lambda cfg: cfg.seed,
    "judge": lambda cfg: None,  # the LLM's own seed (llm.seed) is in its output identity
}


class Recorder:
    """Wraps a config node; notes the dotted path of every attribute read (a method call reads the subtree)."""

    def __init__(self, node: Any, path: str, log: "ReadLog"):
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_log", log)

    def __getattr__(self, name: str) -> Any:
        node, path, log = self._node, self._path, self._log
        value = getattr(node, name)
        full = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            return Recorder(value, full, log)
        if isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            log.note(full + ".<keys>")  # which entries exist, not what they hold
            return {k: Recorder(v, f"{full}.{k}", log) for k, v in value.items()}
        if callable(value) and not isinstance(value, type):
            if name == "model_dump" and not path:
                return value  # the whole config, dumped for W&B run metadata only
            log.note(path or full)
            return value
        log.note(full)
        return value


class ReadLog:
    def __init__(self) -> None:
        self.stage: str | None = None
        self.reads: dict[str, set[str]] = defaultdict(set)

    def note(self, path: str) -> None:
        if self.stage is not None:
            self.reads[self.stage].add(path)


class RecordingContext(RunContext):
    log: ReadLog

    def stage(self, name, config, inputs, produce, seed=None, label=None):
        def recorded(bctx):
            outer, self.log.stage = self.log.stage, name
            try:
                return produce(bctx)
            finally:
                self.log.stage = outer

        recorded.__module__ = produce.__module__  # code identity comes from the real producer
        return super().stage(name, config, inputs, recorded, seed=seed, label=label)


def _leaves(node: BaseModel, prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Every leaf of a config: dotted path → (value, field annotation)."""
    out = {}
    for name, field in type(node).model_fields.items():
        value = getattr(node, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            out.update(_leaves(value, path + "."))
        elif isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            for k, v in value.items():
                out.update(_leaves(v, f"{path}.{k}."))
        else:
            out[path] = (value, field.annotation)
    return out


def _changed(value: Any, annotation: Any) -> Any:
    """A different valid-looking value of the same kind."""
    literal = [a for a in _flat_args(annotation) if get_origin(a) is Literal]
    if literal:
        options = [o for lit in literal for o in get_args(lit) if o != value]
        if options:
            return options[0]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 0.5 if value else 0.25
    if isinstance(value, str):
        return value + "_x"
    if isinstance(value, list):
        return value[:-1] if len(value) > 1 else value + value if value else ["x"]
    if isinstance(value, dict):
        return {**value, "x_changed": 1}
    if value is None:
        args = [a for a in _flat_args(annotation) if a is not type(None)]
        return {int: 3, float: 0.3, str: "x", bool: True}.get(args[0], "x") if args else "x"
    raise TypeError(f"cannot change {value!r}")


def _flat_args(annotation: Any) -> list[Any]:
    args = get_args(annotation)
    return [annotation] if not args or get_origin(annotation) is Literal else [x for a in args for x in _flat_args(a)]


def _with(cfg: BaseModel, path: str, value: Any) -> BaseModel:
    """A copy of `cfg` with the leaf at `path` replaced (no validation: only keys are computed)."""
    head, _, rest = path.partition(".")
    if not rest:
        return cfg.model_copy(update={head: value})
    child = getattr(cfg, head)
    if isinstance(child, dict):
        name, _, rest2 = rest.partition(".")
        return cfg.model_copy(update={head: {**child, name: _with(child[name], rest2, value)}})
    return cfg.model_copy(update={head: _with(child, rest, value)})


def _stage_identity(stage: str, cfg: Any) -> Any:
    try:
        return STAGE_CONFIG[stage](cfg), STAGE_SEED[stage](cfg)
    except (AttributeError, TypeError, ValueError, KeyError) as e:  # the key cannot ignore what breaks it
        return f"unbuildable: {e!r}"


def _covered(leaf: str, paths: set[str]) -> bool:
    return any(leaf == p or leaf.startswith(p + ".") for p in paths)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("keys")
    with ScoringServer(latency_s=0.0) as server:
        cfg = load_config(server_overrides(server, tmp / "a", "experiment=tiny", f"paths.results={tmp / 'r'}",
                                           "synthesis.max_users=4", "+synthesis.unselected_posts=raw", "eval.judge.enabled=true",
                                           "eval.judge.max_items=2"))
        log = ReadLog()
        ctx = RecordingContext.from_config(cfg)
        ctx.log = log
        ctx.cfg = Recorder(cfg, "", log)  # type: ignore[assignment]
        run_eval_stage(ctx, FlowState())
    built = {b.split("/")[0] for b in ctx.built}
    return cfg, log.reads, built


def test_every_stage_of_the_flow_was_recorded(recorded):
    _, reads, built = recorded
    assert set(STAGE_CONFIG) <= built, built
    assert all(reads[s] for s in ("corpus", "tasks", "train", "merge", "eval")), dict(reads)


@pytest.mark.parametrize("stage", sorted(STAGE_CONFIG))
def test_key_changes_exactly_with_what_the_stage_reads(recorded, stage):
    cfg, reads, _ = recorded
    ignored = NOT_OUTPUT + RUN_NAMES.get(stage, ()) + LLM_TRANSPORT
    read = {p for p in reads[stage] if not p.startswith(ignored)}
    read |= set(SELECTORS.get(stage, ()))
    before = _stage_identity(stage, cfg)
    stale, spurious = [], []
    for leaf, (value, annotation) in _leaves(cfg).items():
        if leaf.startswith(ignored):
            continue
        after = _stage_identity(stage, _with(cfg, leaf, _changed(value, annotation)))
        in_key = after != before
        if _covered(leaf, read) and not in_key:
            stale.append(leaf)
        elif in_key and not _covered(leaf, read):
            if not leaf.startswith(GPU_ONLY):
                spurious.append(leaf)
    assert not stale, f"{stage} reads these but its key ignores them (stale reuse): {stale}"
    assert not spurious, f"{stage}'s key holds values it never reads (needless rebuilds): {spurious}"
