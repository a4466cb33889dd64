"""The tasks stage: one artifact per task family — train/test chat records, split by user, capped."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

from humanllm.data.records import Corpus, UserRecord
from humanllm.io import read_jsonl, write_jsonl
from humanllm.store import Artifact, BuildContext
from humanllm.tasks.base import TaskExample, TaskInputs
from humanllm.tasks.config import SplitConfig, TaskSpec
from humanllm.tasks.registry import task_family, validate_params

log = logging.getLogger(__name__)
STAGE_VERSION = 1


def _rank(user_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{user_id}".encode()).hexdigest()


def held_out_users(users: list[UserRecord], split: SplitConfig) -> set[str]:
    """Per platform, the ⌈fraction·n⌉ users with the smallest seeded hash are test users.

    Stratified by platform so every platform's tasks have held-out users, and independent of the
    task or mixture, so a test user is never in any task's training data.
    """
    by_platform: dict[str, list[str]] = {}
    for u in users:
        by_platform.setdefault(u.platform, []).append(u.user_id)
    chosen: set[str] = set()
    for ids in by_platform.values():
        n_test = min(len(ids) - 1, math.ceil(split.test_fraction * len(ids))) if len(ids) > 1 else 0
        chosen.update(sorted(ids, key=lambda i: _rank(i, split.seed))[:n_test])
    return chosen


def _cap(examples: list[TaskExample], limit: int | None, rng: random.Random) -> list[TaskExample]:
    if limit is None or len(examples) <= limit:
        return examples
    return sorted(rng.sample(examples, limit), key=lambda e: e.example_id)


def _to_rows(examples: list[TaskExample]) -> list[dict[str, Any]]:
    return [
        {"example_id": e.example_id, "task": e.task, "user_id": e.user_id, "messages": e.messages,
         "meta_json": json.dumps(e.meta, ensure_ascii=False)}
        for e in examples
    ]


def build_task(name: str, spec: TaskSpec, split: SplitConfig, inputs: TaskInputs, bctx: BuildContext) -> None:
    """Generate, split and cap one task family into `bctx.path`."""
    from datasets import Dataset, DatasetDict

    family = task_family(name)
    params = validate_params(name, spec.params)
    rng = random.Random(f"{split.seed}:{name}")
    with bctx.timed("generate"):
        examples = sorted(family.examples(inputs, params, rng), key=lambda e: e.example_id)
    ids = Counter(e.example_id for e in examples)
    dupes = [i for i, c in ids.items() if c > 1]
    if dupes:
        raise RuntimeError(f"task {name}: duplicate example ids, e.g. {dupes[:3]}")
    held_out = held_out_users(inputs.corpus.users, split)
    train = [e for e in examples if e.user_id not in held_out]
    test = [e for e in examples if e.user_id in held_out]
    train_c, test_c = _cap(train, spec.max_train, rng), _cap(test, spec.max_test, rng)
    write_jsonl(bctx.path / "train.jsonl", train_c)
    write_jsonl(bctx.path / "test.jsonl", test_c)
    DatasetDict({"train": Dataset.from_list(_to_rows(train_c)), "test": Dataset.from_list(_to_rows(test_c))}).save_to_disk(
        str(bctx.path / "dataset")
    )
    bctx.counts.update({
        "examples": len(examples), "train": len(train_c), "test": len(test_c),
        "dropped_by_cap_train": len(train) - len(train_c), "dropped_by_cap_test": len(test) - len(test_c),
        "train_users": len({e.user_id for e in train_c}), "test_users": len({e.user_id for e in test_c}),
    })
    if not examples:
        log.warning("task %s produced no examples from this corpus", name)


def run_tasks(ctx: Any, corpus: Artifact, curated: Artifact | None = None) -> dict[str, Artifact]:
    """Build (or reuse) every task of the mixture; returns {task name: artifact}."""
    cfg = ctx.cfg
    inputs_keys = {"corpus": corpus.key, **({"curated": curated.key} if curated else {})}
    loaded: dict[str, TaskInputs] = {}

    def task_inputs() -> TaskInputs:
        if "x" not in loaded:
            extra = None
            if curated is not None:
                from humanllm.curate.records import load_curated

                extra = load_curated(curated.path)
            loaded["x"] = TaskInputs(Corpus(corpus.path), extra)
        return loaded["x"]

    out = {}
    for name, spec in cfg.mixture.tasks.items():
        family = task_family(name)
        if family.needs_curated and curated is None:
            raise ValueError(
                f"mixture.tasks.{name}: this task needs synthesized records; use synthesis=structured "
                f"(or no_qc/strict) instead of synthesis={cfg.synthesis.name}"
            )
        stage_cfg = {"task": name, "family_version": family.version, "spec": spec.model_dump(exclude={"weight"}), "split": cfg.split.model_dump()}
        out[name] = ctx.stage(
            "tasks", STAGE_VERSION, stage_cfg, inputs_keys,
            lambda b, n=name, s=spec: build_task(n, s, cfg.split, task_inputs(), b), seed=cfg.split.seed, label=name,
        )
    return out


def load_examples(task_artifact: Artifact | Path, split: str) -> list[TaskExample]:
    path = task_artifact.path if isinstance(task_artifact, Artifact) else Path(task_artifact)
    return [TaskExample.model_validate(r) for r in read_jsonl(path / f"{split}.jsonl")]
