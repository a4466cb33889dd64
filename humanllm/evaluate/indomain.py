"""In-domain suite: generate replies for each task's held-out users and score them per example."""

from __future__ import annotations

from pathlib import Path
from statistics import fmean
from typing import Any

from humanllm.evaluate.metrics import EmbeddingSimilarity, score_examples
from humanllm.io import write_jsonl
from humanllm.store import Artifact
from humanllm.tasks.build import load_examples
from humanllm.tasks.registry import task_family


def run_indomain(ctx: Any, model: Any, test_sets: dict[str, Artifact],
                 generations_dir: Path) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Returns ({"indomain/<task>/<metric>": mean}, per-item rows). Generations are stored for judges.

    `model` is an evaluation backend (humanllm.evaluate.backends) with a `generate` method.
    """
    cfg = ctx.cfg.eval.indomain
    names = cfg.tasks or sorted(test_sets)
    embedder = None
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    for name in names:
        family = task_family(name)
        examples = load_examples(test_sets[name], "test")[: cfg.max_samples]
        if not examples:
            continue
        answers = model.generate([e.prompt for e in examples], max_new_tokens=cfg.max_new_tokens,
                                 temperature=cfg.temperature, batch_size=cfg.batch_size, desc=f"generate {name}")
        write_jsonl(generations_dir / f"{name}.jsonl", (
            {"example_id": e.example_id, "user_id": e.user_id, "prompt": e.prompt, "reference": e.reference,
             "answer": a, "meta": e.meta} for e, a in zip(examples, answers)))
        if "embedding_similarity" in family.metrics and embedder is None:
            embedder = EmbeddingSimilarity(cfg.similarity_model)
        for metric, values in score_examples(family.metrics, examples, answers, embedder).items():
            scores[f"indomain/{name}/{metric}"] = fmean(values)
            items.extend({"suite": "indomain", "task": name, "metric": metric, "item_id": e.example_id, "value": v}
                         for e, v in zip(examples, values))
        scores[f"indomain/{name}/n"] = len(examples)
    return scores, items
