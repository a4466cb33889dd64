"""BIG-bench multiple-choice tasks (task.json with `target_scores`) as lm-eval tasks, offline.

Standalone (imports nothing from humanllm). `bigbench_dir` (metadata) is a folder of <task>/task.json files
as shipped in the PyPI source package bigbench==1.0.0 (bigbench/benchmark_tasks/); a task whose task.json
has no examples gathers its subtasks' <task>/<subtask>/task.json. Prompts follow BIG-bench's JSON task
format (task_prefix, example_input_prefix "\\nQ: ", choices appended as "\\n  choice: ..." when
append_choices_to_input, example_output_prefix "\\nA: "); each choice is scored by log-likelihood and the
gold is the choice with the highest target score. `bigbench_limit` caps items per task by a seeded sample
(`bigbench_seed`), keeping file order.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

DEFAULTS = {"task_prefix": "", "example_input_prefix": "\nQ: ", "example_output_prefix": "\nA: ",
            "choice_prefix": "\n  choice: ", "append_choices_to_input": True}  # fmt: skip


def task_file(data_dir: str | Path, task: str) -> Path:
    return Path(data_dir).expanduser() / task / "task.json"


def _fmt(spec: dict, key: str) -> Any:
    value = spec.get(key)
    return DEFAULTS[key] if value is None else value


def read_examples(data_dir: str | Path | None, task: str) -> tuple[list[dict], list[dict]]:
    """(multiple-choice docs, issues) of one task in file order; examples without target_scores are skipped
    and counted. Raises FileNotFoundError when the task is not there."""
    if not data_dir:
        raise FileNotFoundError("bigbench data folder not set (metadata bigbench_dir / eval.data.bigbench)")
    path = task_file(data_dir, task)
    if not path.is_file():
        raise FileNotFoundError(f"bigbench: no {path} (run `humanllm fetch general`)")
    spec = json.loads(path.read_text(encoding="utf-8"))
    parts = [(task, spec)] if spec.get("examples") else [
        (f"{task}/{p.parent.name}", {**spec, **json.loads(p.read_text(encoding="utf-8"))})
        for p in sorted(path.parent.glob("*/task.json"))]  # fmt: skip
    docs, skipped = [], 0
    for name, part in parts:
        for i, ex in enumerate(part.get("examples", [])):
            scores = ex.get("target_scores")
            if not isinstance(scores, dict) or len(scores) < 2:
                skipped += 1
                continue
            choices = list(scores)
            best = max(scores.values())
            context = _fmt(part, "task_prefix") + _fmt(part, "example_input_prefix") + str(ex["input"])
            if _fmt(part, "append_choices_to_input"):
                context += "".join(_fmt(part, "choice_prefix") + c for c in choices)
            context += _fmt(part, "example_output_prefix")
            docs.append({"item_id": f"{name}/{i}", "task": task, "context": context, "choices": choices,
                         "gold": next(j for j, c in enumerate(choices) if scores[c] == best)})  # fmt: skip
    issues = [{"file": str(path), "line": 0, "what": f"{skipped} examples without target_scores",
               "action": "excluded"}] if skipped else []  # fmt: skip
    return docs, issues


def capped(docs: list[dict], limit: int | None, seed: int) -> list[dict]:
    """A seeded sample of `limit` docs, in file order (all docs when limit is None or larger)."""
    if not limit or limit >= len(docs):
        return docs
    keep = sorted(random.Random(f"{seed}:{docs[0]['task']}").sample(range(len(docs)), limit))
    return [docs[i] for i in keep]


def doc_to_text(doc: dict) -> str:
    return doc["context"]


def load_dataset(task: str, **metadata: Any):
    """`custom_dataset`: metadata bigbench_dir, bigbench_limit (items per task), bigbench_seed."""
    import datasets

    docs, _ = read_examples(metadata.get("bigbench_dir"), task)
    docs = capped(docs, metadata.get("bigbench_limit"), int(metadata.get("bigbench_seed", 0)))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})
