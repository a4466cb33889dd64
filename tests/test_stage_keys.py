"""A key is a promise: every config value a stage reads while it builds is in its key, and nothing else.

The flow (LLM curation against the loopback scoring server, the judge included) runs on tiny-random along
every preset path that keys something differently: structured and paper synthesis, every merge method,
LoRA and full training, in-domain and benchmark evaluation with the contamination check. The config is
wrapped in a recorder that notes every config path a stage's producer reads, and every key a stage asks
the store for is captured. Then, for every stage built on a path and every leaf of the config, the leaf is
changed and the stage's store key recomputed with the stage's own key functions (checked first to give
exactly the captured keys): it must change exactly when the stage read that leaf. A key function that
raises fails the test, except on the leaves listed in REFUSED, where the stage refuses the value with a
named error before any key exists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from humanllm.codeid import producer_identity
from humanllm.config import load_config
from humanllm.data.stage import corpus_config, corpus_seed, raw_sample_config, raw_sample_seed
from humanllm.eval.benchmarks.fixtures import (
    write_bigbench_fixture,
    write_motivebench_fixture,
    write_tombench_fixture,
)
from humanllm.eval.contamination_check import contamination_stage_config
from humanllm.eval.judge import judge_stage_config
from humanllm.eval.stage import eval_stage_config
from humanllm.merge.stage import merge_stage_config
from humanllm.model.stage import base_model_config
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_data, run_eval_stage, run_merge_stage, run_train_stage
from humanllm.store import ArtifactStore
from humanllm.synthesis.stage import stage_config as curated_config
from humanllm.synthesis.testing import ScoringServer, server_overrides
from humanllm.task.stage import task_stage_config
from humanllm.train.stage import train_stage_config

# Leaves are swapped in without validation (only keys are computed), so pydantic warns when it dumps them.
pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")

# Read while building but cannot change what is written: where things go, logging, progress bars.
# data.workers: how many processes share the data stage; 1 and 2 write the same corpus (tests/test_data_shards.py).
NOT_OUTPUT = (
    "paths",
    "artifacts_dir",
    "results_dir",
    "progress",
    "tracker",
    "experiment_name",
    "data.workers",
    "data.shard_files",
)
# In the key although read outside the producer: they choose which artifact is built (one per α / task).
SELECTORS = {"merge": ("merge.ratios",), "base_model": ("model.source",)}
# Read by a producer only to name its W&B run.
RUN_NAMES = {"train": ("model.name", "mixture.name")}
# Read only on a GPU (on the CPU models load in float32): in the key, but this CPU run cannot see the read.
GPU_ONLY = ("model.dtype",)
# How LLM requests travel (name, credentials variable, concurrency, timeouts, retries, cache, server start),
# and the local backend's settings while a server answers: read when the backend is built, never what answers.
LLM_TRANSPORT = tuple(
    f"{node}.{f}"
    for node in ("llm", "judge_llm")
    for f in (
        "name",
        "api_key_env",
        "max_in_flight",
        "timeout_s",
        "max_retries",
        "backoff_initial_s",
        "backoff_max_s",
        "autostart",
        "cache",
        "cache_dir",
        "batch_size",
        "device",
        "model_path",
        "dtype",
    )
)

# The config part of each stage's key, as the stage computes it (`which` picks one of several artifacts).
STAGE_CONFIG: dict[str, Callable[[Any, Any], Any]] = {
    "raw_sample": lambda cfg, which: raw_sample_config(cfg),
    "corpus": lambda cfg, which: corpus_config(cfg),
    "curated": lambda cfg, which: curated_config(cfg),
    "tasks": lambda cfg, task: task_stage_config(cfg, task),
    "base_model": lambda cfg, which: base_model_config(cfg.model),
    "train": lambda cfg, which: train_stage_config(cfg),
    "merge": lambda cfg, alpha: merge_stage_config(cfg, alpha),
    "eval": lambda cfg, which: eval_stage_config(cfg),
    "judge": lambda cfg, which: judge_stage_config(cfg),
    "contamination": lambda cfg, which: contamination_stage_config(cfg),
}
# The seed each stage passes to the store (part of its key).
STAGE_SEED: dict[str, Callable[[Any], int | None]] = {
    "raw_sample": raw_sample_seed,
    "corpus": corpus_seed,
    "curated": lambda cfg: cfg.seed,
    "tasks": lambda cfg: cfg.split.seed,
    "base_model": lambda cfg: None,
    "train": lambda cfg: cfg.train.seed,
    "merge": lambda cfg: cfg.seed,
    "eval": lambda cfg: cfg.seed,
    "judge": lambda cfg: None,  # the LLM's own seed (llm.seed) is in its output identity
    "contamination": lambda cfg: None,
}
# Which artifacts of a stage a config asks for: one per task of the mixture, one per merge ratio.
WHICH: dict[str, Callable[[Any], list[Any]]] = {
    "tasks": lambda cfg: sorted(cfg.mixture.tasks),
    "merge": lambda cfg: list(cfg.merge.ratios),
}

# Optional sections that are off (None) on a path: what switching each on looks like.
SWITCHED_ON = {
    "data.sources.reddit": {"submissions": ["RS_x.jsonl"]},
    "data.sources.twitter": {"tweets": ["tweets_x.jsonl"]},
    "data.sources.blogger": {"files": ["blogs_x/*.xml"]},
    "data.sources.amazon": [{"reviews": ["reviews_x.jsonl"]}],
    "judge_llm": {"name": "another_endpoint", "base_url": "http://127.0.0.1:9/v1", "model": "another"},
    "eval.indomain.tasks": ["writing_imitation"],
    "eval.judge.tasks": ["writing_imitation"],
    "eval.motivebench.extra_modes": ["official_cot"],
    "synthesis.judge.per_metric": {"fluency": 7},
    "synthesis.judge.per_kind": {"persona": {"overall": 8}},
}
# Leaves whose every change the config's validation refuses (a named error before any key), and why.
REFUSED = {
    "model.source": "the other sources need model.package/gguf_file or model.hub_id/path (keyed on other paths)",
    **{
        f"data.sources.{p}": "sources must be empty while data.sample is set"
        for p in ("reddit", "twitter", "blogger", "amazon")
    },
    "synthesis.clean.prompt": "the paper's cleaning prompt needs synthesis.clean.rewrite=true",
    "synthesis.scenario.enabled": "social QA needs scenarios",
    "synthesis.clean.rewrite": "the paper's cleaning prompt always rewrites",
    # each alone is refused (more ranks need the accelerate launcher and its config); the rank count in the
    # train key is checked in tests/test_train_ranks.py
    "train.launcher": "train.launcher=accelerate needs train.accelerate_config",
    "train.num_processes": "more than one process needs train.launcher=accelerate",
}

BENCH_ON = [
    "eval.targets=[base]",
    "eval.motivebench.enabled=true",
    "eval.motivebench.limit=1",
    "eval.motivebench.orderings=1",
    "eval.tombench.enabled=true",
    "eval.tombench.limit=1",
    "eval.tombench.shuffles=1",
    "eval.bigbench.enabled=true",
    "eval.bigbench.tasks=[navigate]",
    "eval.bigbench.limit=4",
    "eval.contamination.n=4",
]
# path → (overrides on top of the tiny flow, how far it runs, the stages it must build and so key-check)
PATHS: dict[str, tuple[list[str], Callable, tuple[str, ...]]] = {
    "tiny": (
        [],
        run_eval_stage,
        ("raw_sample", "corpus", "curated", "tasks", "base_model", "train", "merge", "eval", "judge"),
    ),
    "paper_synthesis": (["synthesis=paper"], run_data, ("curated",)),
    **{
        f"merge_{m}": ([f"merge={m}"], run_merge_stage, ("merge",))
        for m in ("ties", "dare_ties", "slerp", "task_arithmetic")
    },
    "full_training": (
        [
            "train=full",
            "train.max_steps=6",
            "train.gradient_accumulation_steps=1",
            "train.max_length=1024",
            "train.learning_rate=1e-3",
        ],
        run_train_stage,
        ("train",),
    ),
    "benchmarks": (BENCH_ON, run_eval_stage, ("eval", "contamination")),
}
CHECKS = [(path, stage) for path, (_, _, stages) in PATHS.items() for stage in stages]


class Recorder:
    """Wraps a config node; notes the dotted path of every attribute read (a method call reads the subtree)."""

    def __init__(self, node: Any, path: str, log: ReadLog):
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
            if name == "model_dump" and not isinstance(node, (list, dict)):

                def dump(*args: Any, exclude: Any = None, **kwargs: Any) -> Any:  # reads the fields it dumps
                    for field in type(node).model_fields:
                        if not (isinstance(exclude, (set, frozenset)) and field in exclude):
                            log.note(f"{path}.{field}")
                    return value(*args, exclude=exclude, **kwargs)

                return dump
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


@dataclass(frozen=True)
class StageCall:
    """One request a stage made to the store, and the key it got."""

    label: str | None
    code: str
    config: Any
    inputs: dict[str, str]
    seed: int | None
    key: str


class RecordingContext(RunContext):
    log: ReadLog
    calls: dict[str, list[StageCall]]

    def stage(self, name, config, inputs, produce, seed=None, label=None, **how):
        code = producer_identity(produce)
        self.calls[name].append(
            StageCall(label, code, config, dict(inputs), seed, self.store.key(name, code, config, inputs, seed))
        )

        def recorded(bctx):
            outer, self.log.stage = self.log.stage, name
            try:
                return produce(bctx)
            finally:
                self.log.stage = outer

        recorded.__module__ = produce.__module__  # code identity comes from the real producer
        return super().stage(name, config, inputs, recorded, seed=seed, label=label, **how)


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


def _candidates(leaf: str, value: Any, annotation: Any) -> list[Any]:
    """Different valid-looking values of the same kind, most likely to validate first."""
    if leaf in SWITCHED_ON:
        return [TypeAdapter(annotation).validate_python(SWITCHED_ON[leaf])]
    if isinstance(value, list):
        shorter = [value[:-1]] if len(value) > 1 else []
        return (
            [*shorter, *[[c, *value[1:]] for c in _candidates(leaf, value[0], Any)], value + value]
            if value
            else [["x"]]
        )
    if isinstance(value, dict):
        return [
            *[{**value, k: c} for k, v in value.items() for c in _candidates(leaf, v, Any)],
            {**value, "x_changed": 1},
        ]
    literal = [a for a in _flat_args(annotation) if get_origin(a) is Literal]
    if literal:
        options = [o for lit in literal for o in get_args(lit) if o != value]
        if options:
            return options
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2, value // 2]
    if isinstance(value, float):
        return [value * 0.5 if value else 0.25, value * 1.5]
    if isinstance(value, str):
        return [value + "_x"]
    if value is None:
        args = [a for a in _flat_args(annotation) if a is not type(None)]
        if any(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
            raise KeyError(
                f"{leaf}: an optional section that is off; say in SWITCHED_ON what switching it on looks like"
            )
        return [{int: 8, float: 0.3, str: "x", bool: True}.get(args[0], "x") if args else "x"]
    raise TypeError(f"{leaf}: cannot change {value!r}")


def _changed(cfg: BaseModel, leaf: str, value: Any, annotation: Any) -> BaseModel | None:
    """`cfg` with the leaf changed to the first candidate the config's validation accepts; None when it
    refuses them all (such a config stops with a named error before any key is computed)."""
    for candidate in _candidates(leaf, value, annotation):
        changed = _with(cfg, leaf, candidate)
        try:
            type(cfg).model_validate(changed.model_dump())
        except ValidationError:
            continue
        return changed
    return None


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


def stage_keys(stage: str, cfg: Any, calls: list[StageCall]) -> list[str]:
    """The store keys `stage` asks for under `cfg`, from the stage's own key functions; code identity and
    upstream inputs as the recorded calls had them. Raises whatever the key functions raise."""
    seed = STAGE_SEED[stage](cfg)
    if stage in WHICH:  # one artifact per task / ratio, all with the same inputs
        call = calls[0]
        return sorted(
            ArtifactStore.key(stage, call.code, STAGE_CONFIG[stage](cfg, w), call.inputs, seed)
            for w in WHICH[stage](cfg)
        )
    return sorted(ArtifactStore.key(stage, c.code, STAGE_CONFIG[stage](cfg, None), c.inputs, seed) for c in calls)


def _covered(leaf: str, paths: set[str]) -> bool:
    return any(leaf == p or leaf.startswith(p + ".") for p in paths)


@dataclass
class PathRun:
    cfg: Any
    reads: dict[str, set[str]]
    calls: dict[str, list[StageCall]]
    built: set[str]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, PathRun]:
    return run_paths(tmp_path_factory.mktemp("keys"))


def run_paths(tmp: Path) -> dict[str, PathRun]:
    """Every path on one artifact store (upstream stages built once, reused by later paths)."""
    data = [
        f"eval.data.motivebench={write_motivebench_fixture(tmp / 'mb', scenarios_per_subset=1)}",
        f"eval.data.tombench={write_tombench_fixture(tmp / 'tb')}",
        f"eval.data.bigbench={write_bigbench_fixture(tmp / 'bb', tasks=('navigate',))}",
    ]
    # where a changed benchmark folder leaf points (its value + "_x"): other items, so keys that read them must change
    write_motivebench_fixture(tmp / "mb_x", scenarios_per_subset=2)
    write_tombench_fixture(tmp / "tb_x", quirks=True)
    write_bigbench_fixture(tmp / "bb_x", tasks=("navigate",), examples=9)
    out = {}
    with ScoringServer(latency_s=0.0) as server:
        base = [
            *server_overrides(
                server,
                tmp / "a",
                "experiment=tiny",
                f"paths.results={tmp / 'r'}",
                "synthesis.max_users=4",
                "+synthesis.unselected_posts=raw",
                "eval.judge.enabled=true",
                "eval.judge.max_items=2",
            ),
            *data,
        ]
        judge = [
            "llm@judge_llm=llama_server",
            f"judge_llm.base_url={server.base_url}",
            f"judge_llm.model={server.model}",
            "judge_llm.structured_output=json_schema",
            "judge_llm.autostart=false",
        ]
        for name, (overrides, run, _) in PATHS.items():
            if (
                name == "paper_synthesis"
            ):  # its own judge endpoint (the same server); unselected posts as the preset says
                overrides = [o for o in base if not o.startswith("+synthesis.unselected_posts")] + [*overrides, *judge]
            else:
                overrides = [*base, *overrides]
            cfg = load_config(overrides)
            log = ReadLog()
            ctx = RecordingContext.from_config(cfg)
            ctx.log, ctx.calls = log, defaultdict(list)
            ctx.cfg = Recorder(cfg, "", log)  # type: ignore[assignment]
            run(ctx, FlowState())
            out[name] = PathRun(cfg, dict(log.reads), dict(ctx.calls), {b.split("/")[0] for b in ctx.built})
    return out


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_path_builds_and_records_its_stages(runs, path):
    run = runs[path]
    expected = set(PATHS[path][2])
    assert expected <= run.built, f"{path} built {sorted(run.built)}"
    assert all(run.reads.get(s) for s in expected - {"base_model"}), {s: sorted(run.reads.get(s, ())) for s in expected}


@pytest.mark.parametrize("path,stage", CHECKS)
def test_the_key_functions_give_the_keys_the_stage_asked_for(runs, path, stage):
    run = runs[path]
    calls = run.calls[stage]
    assert stage_keys(stage, run.cfg, calls) == sorted(c.key for c in calls)


@pytest.mark.parametrize("path,stage", CHECKS)
def test_key_changes_exactly_with_what_the_stage_reads(runs, path, stage):
    run = runs[path]
    cfg, calls = run.cfg, run.calls[stage]
    ignored = NOT_OUTPUT + RUN_NAMES.get(stage, ()) + LLM_TRANSPORT
    read = {p for p in run.reads.get(stage, ()) if not p.startswith(ignored)}
    read |= set(SELECTORS.get(stage, ()))
    before = stage_keys(stage, cfg, calls)
    type(cfg).model_validate(cfg.model_dump())  # the validation gate accepts the unchanged config
    stale, spurious, refused = [], [], []
    for leaf, (value, annotation) in _leaves(cfg).items():
        if leaf.startswith(ignored):
            continue
        changed = _changed(cfg, leaf, value, annotation)
        if changed is None:
            refused.append(leaf)
            continue
        in_key = stage_keys(stage, changed, calls) != before
        if _covered(leaf, read) and not in_key:
            stale.append(leaf)
        elif in_key and not _covered(leaf, read) and not leaf.startswith(GPU_ONLY):
            spurious.append(leaf)
    assert set(refused) <= set(REFUSED), f"validation refuses every change of {sorted(set(refused) - set(REFUSED))}"
    assert not stale, f"{stage} ({path}) reads these but its key ignores them (stale reuse): {stale}"
    assert not spurious, f"{stage}'s key ({path}) holds values it never reads (needless rebuilds): {spurious}"
