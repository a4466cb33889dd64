"""The tasks stage: one artifact per task family — train/test chat records, split by user, capped."""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any

from humanllm.data.records import Corpus, UserRecord
from humanllm.data.split import held_out_users as split_held_out
from humanllm.io import read_jsonl, write_jsonl
from humanllm.store import Artifact, BuildContext
from humanllm.synthesis.records import cleaned_corpus_path, load_curated
from humanllm.task.base import Skipped, TaskExample, TaskInputs
from humanllm.task.config import SplitConfig, TaskSpec
from humanllm.task.registry import task_family, validate_params

log = logging.getLogger(__name__)


def held_out_users(users: list[UserRecord], split: SplitConfig) -> set[str]:
    """The split's test users (humanllm.data.split.held_out_users)."""
    return split_held_out(users, split.test_fraction, split.seed)


def _per_platform(examples: list[TaskExample]) -> dict[str, int]:
    return dict(sorted(Counter(e.user_id.split(":", 1)[0] for e in examples).items()))


def _cap(examples: list[TaskExample], limit: int | None, rng: random.Random) -> list[TaskExample]:
    if limit is None or len(examples) <= limit:
        return examples
    return sorted(rng.sample(examples, limit), key=lambda e: e.example_id)


def split_by_user(
    examples: list[TaskExample], held_out: set[str]
) -> tuple[list[TaskExample], list[TaskExample], list[Skipped]]:
    """(train, test, dropped): test = held-out users' examples; a training example that quotes a
    held-out user's text (e.g. a thread they wrote) is dropped, so no held-out text reaches training."""
    train, test, dropped = [], [], []
    for e in examples:
        if e.user_id in held_out:
            test.append(e)
        elif held_out.intersection(e.quoted_users):
            dropped.append(Skipped(key=e.example_id, task=e.task, user_id=e.user_id, reason="quotes_held_out_user"))
        else:
            train.append(e)
    return train, test, dropped


def _to_rows(examples: list[TaskExample]) -> list[dict[str, Any]]:
    return [
        {
            "example_id": e.example_id,
            "task": e.task,
            "user_id": e.user_id,
            "messages": e.messages,
            "meta_json": json.dumps(e.meta, ensure_ascii=False),
        }
        for e in examples
    ]


def build_task(name: str, spec: TaskSpec, split: SplitConfig, inputs: TaskInputs, bctx: BuildContext) -> None:
    """Generate, split and cap one task family into `bctx.path`.

    Counts reconcile: examples = train + test + dropped_by_cap_* + dropped_quotes_held_out_user, and
    skipped.jsonl lists every example not made (or dropped by the split) with its reason.
    """
    from datasets import Dataset, DatasetDict

    family = task_family(name)
    params = validate_params(name, spec.params)
    rng = random.Random(f"{split.seed}:{name}")
    with bctx.timed("generate"):
        made = list(family.examples(inputs, params, rng))
    examples = sorted((m for m in made if isinstance(m, TaskExample)), key=lambda e: e.example_id)
    ids = Counter(e.example_id for e in examples)
    dupes = [i for i, c in ids.items() if c > 1]
    if dupes:
        raise RuntimeError(f"task {name}: duplicate example ids, e.g. {dupes[:3]}")
    held_out = held_out_users(inputs.corpus.users, split)
    train, test, dropped = split_by_user(examples, held_out)
    skipped = sorted([m for m in made if isinstance(m, Skipped)] + dropped, key=lambda k: (k.key, k.reason))
    train_c, test_c = _cap(train, spec.max_train, rng), _cap(test, spec.max_test, rng)
    write_jsonl(bctx.path / "train.jsonl", train_c)
    write_jsonl(bctx.path / "test.jsonl", test_c)
    write_jsonl(bctx.path / "skipped.jsonl", skipped)
    DatasetDict(
        {"train": Dataset.from_list(_to_rows(train_c)), "test": Dataset.from_list(_to_rows(test_c))}
    ).save_to_disk(str(bctx.path / "dataset"))
    bctx.counts.update(
        {
            "examples": len(examples),
            "train": len(train_c),
            "test": len(test_c),
            "dropped_by_cap_train": len(train) - len(train_c),
            "dropped_by_cap_test": len(test) - len(test_c),
            "train_users": len({e.user_id for e in train_c}),
            "test_users": len({e.user_id for e in test_c}),
            "dropped_quotes_held_out_user": len(dropped),
            "skipped": len(skipped),
            "skipped_by_reason": dict(sorted(Counter(k.reason for k in skipped).items())),
            "train_per_platform": _per_platform(train_c),
            "test_per_platform": _per_platform(test_c),
        }
    )
    if not examples:
        log.warning("task %s produced no examples from this corpus", name)


def load_task_inputs(corpus_dir: Path, curated_dir: Path | None) -> TaskInputs:
    """The corpus, or with curation its cleaned corpus (what every family reads then) and the records."""
    if curated_dir is None:
        return TaskInputs(Corpus(corpus_dir))
    try:
        cleaned = cleaned_corpus_path(curated_dir)
    except FileNotFoundError as e:
        log.warning("%s: the raw-text task families read the raw corpus", e)
        cleaned = Path(corpus_dir)
    return TaskInputs(Corpus(cleaned), load_curated(curated_dir))


def task_stage_config(cfg: Any, name: str) -> dict[str, Any]:
    """One task's key config: its spec (not its mixture weight, which only training reads) and the split. A plug-in
    family's module is in the stage's code identity (noted by the registry, loaded here), not here."""
    task_family(name)
    spec = cfg.mixture.tasks[name]
    return {"task": name, "spec": spec.model_dump(exclude={"weight"}), "split": cfg.split.model_dump()}


def run_tasks(ctx: Any, corpus: Artifact, curated: Artifact | None = None) -> dict[str, Artifact]:
    """Build (or reuse) every task of the mixture; returns {task name: artifact}."""
    cfg = ctx.cfg
    inputs_keys = {"corpus": corpus.key, **({"curated": curated.key} if curated else {})}
    loaded: dict[str, TaskInputs] = {}

    def task_inputs() -> TaskInputs:
        if "x" not in loaded:
            loaded["x"] = load_task_inputs(corpus.path, curated.path if curated is not None else None)
        return loaded["x"]

    out = {}
    for name, spec in cfg.mixture.tasks.items():
        family = task_family(name)
        if family.needs_curated and curated is None:
            raise ValueError(
                f"mixture.tasks.{name}: this task needs synthesized records; use synthesis=structured "
                f"(or no_qc/strict) instead of synthesis={cfg.synthesis.name}"
            )
        out[name] = ctx.stage(
            "tasks",
            task_stage_config(cfg, name),
            inputs_keys,
            lambda b, n=name, s=spec: build_task(n, s, cfg.split, task_inputs(), b),
            seed=cfg.split.seed,
            label=name,
        )
    return out


def load_examples(task_artifact: Artifact | Path, split: str) -> list[TaskExample]:
    path = task_artifact.path if isinstance(task_artifact, Artifact) else Path(task_artifact)
    return [TaskExample.model_validate(r) for r in read_jsonl(path / f"{split}.jsonl")]
