"""In-domain suite: generate replies for each task's held-out users and score them per example.

When a task has more held-out examples than `eval.indomain.max_samples`, a seeded subset is drawn
stratified by platform (proportional shares) and spread over users (one example per user in turn),
so a cap never drops a platform or leans on a few prolific users. Each scored item carries its user
(the cluster the report's bootstrap resamples) and platform.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from statistics import fmean
from typing import Any

from humanllm.eval.metrics import EmbeddingSimilarity, score_examples
from humanllm.eval.ranking import candidate_loglikelihoods, rank_accuracy
from humanllm.io import write_jsonl
from humanllm.store import Artifact
from humanllm.task.base import TaskExample
from humanllm.task.registry import task_family
from humanllm.task.stage import load_examples


def platform_of(example: TaskExample) -> str:
    """User ids are `<platform>:<name>`."""
    return example.user_id.split(":", 1)[0] if ":" in example.user_id else "unknown"


def _shares(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Largest-remainder allocation of `total` over groups in proportion to their sizes (≥ 1 each while possible)."""
    n = sum(sizes.values())
    exact = {g: total * s / n for g, s in sizes.items()}
    out = {g: min(sizes[g], max(1, int(v))) for g, v in exact.items()}
    while sum(out.values()) > total:  # more groups than slots: drop from the largest allocations
        g = max(out, key=lambda k: (out[k], k))
        out[g] -= 1
    for g in sorted(exact, key=lambda k: (exact[k] - int(exact[k]), k), reverse=True):
        if sum(out.values()) >= total:
            break
        if out[g] < sizes[g]:
            out[g] += 1
    while sum(out.values()) < total:  # a small group is exhausted: the rest go to groups with room
        g = max((k for k in out if out[k] < sizes[k]), key=lambda k: (sizes[k] - out[k], k))
        out[g] += 1
    return out


def representative_subset(examples: list[TaskExample], max_samples: int, seed: int) -> list[TaskExample]:
    """At most `max_samples` examples: platforms in proportion, users in turn, seeded; in id order."""
    if len(examples) <= max_samples:
        return examples
    rng = random.Random(seed)
    by_platform: dict[str, dict[str, list[TaskExample]]] = defaultdict(lambda: defaultdict(list))
    for e in sorted(examples, key=lambda x: x.example_id):
        by_platform[platform_of(e)][e.user_id].append(e)
    quota = _shares({p: sum(map(len, users.values())) for p, users in by_platform.items()}, max_samples)
    chosen: list[TaskExample] = []
    for platform in sorted(by_platform):
        users = by_platform[platform]
        order = sorted(users)
        rng.shuffle(order)
        queues = {u: rng.sample(users[u], len(users[u])) for u in order}
        picked: list[TaskExample] = []
        while len(picked) < quota[platform]:
            for u in order:
                if queues[u] and len(picked) < quota[platform]:
                    picked.append(queues[u].pop())
        chosen += picked
    return sorted(chosen, key=lambda x: x.example_id)


def _generate(model: Any, examples: list[TaskExample], cfg: Any, desc: str) -> list[str]:
    """Replies in example order; a task that declares its own budget (`meta.max_new_tokens`, e.g. 400-word
    profiles) gets it, the others `eval.indomain.max_new_tokens`."""
    budgets: dict[int, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        budgets[int(e.meta.get("max_new_tokens") or cfg.max_new_tokens)].append(i)
    answers: list[str] = [""] * len(examples)
    for budget, idx in sorted(budgets.items()):
        replies = model.generate(
            [examples[i].prompt for i in idx],
            max_new_tokens=budget,
            temperature=cfg.temperature,
            batch_size=cfg.batch_size,
            desc=desc,
        )
        for i, reply in zip(idx, replies):
            answers[i] = reply
    return answers


def _tokenizer(model: Any) -> Any:
    return getattr(model, "tok", None) or model.lm.tokenizer


def run_indomain(
    ctx: Any, model: Any, test_sets: dict[str, Artifact], generations_dir: Path
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Returns ({"indomain/<task>/<metric>": mean, ".../n", ".../n_<platform>"}, per-item rows).

    `model` is an evaluation backend (humanllm.eval.backends) with `generate` and an lm-eval `lm`.
    Generations are stored for judges.
    """
    cfg = ctx.cfg.eval.indomain
    names = cfg.tasks or sorted(test_sets)
    embedder = None
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    for name in names:
        family = task_family(name)
        examples = representative_subset(load_examples(test_sets[name], "test"), cfg.max_samples, ctx.cfg.seed)
        if not examples:
            continue
        answers = _generate(model, examples, cfg, desc=f"generate {name}")
        write_jsonl(
            generations_dir / f"{name}.jsonl",
            (
                {
                    "example_id": e.example_id,
                    "user_id": e.user_id,
                    "prompt": e.prompt,
                    "reference": e.reference,
                    "answer": a,
                    "meta": e.meta,
                }
                for e, a in zip(examples, answers)
            ),
        )
        if "embedding_similarity" in family.metrics and embedder is None:
            embedder = EmbeddingSimilarity(cfg.similarity_model)
        per_metric = score_examples(family.metrics, examples, answers, embedder)
        if "hit_rate" in family.metrics and cfg.rank_candidates:
            loglik = candidate_loglikelihoods(model.lm, _tokenizer(model), examples, ctx.cfg.model.chat_template_kwargs)
            per_metric["rank_accuracy"] = rank_accuracy(loglik, examples)
        for metric, values in per_metric.items():
            scores[f"indomain/{name}/{metric}"] = fmean(values)
            items.extend(
                {
                    "suite": "indomain",
                    "task": name,
                    "metric": metric,
                    "item_id": e.example_id,
                    "value": v,
                    "cluster": e.user_id,
                    "platform": platform_of(e),
                }
                for e, v in zip(examples, values)
            )
        scores[f"indomain/{name}/n"] = len(examples)
        for platform in sorted({platform_of(e) for e in examples}):
            scores[f"indomain/{name}/n_{platform}"] = sum(platform_of(e) == platform for e in examples)
    return scores, items
