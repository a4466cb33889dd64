"""LLM-judge scores for generative in-domain tasks, from stored generations (nothing is regenerated).

Pointwise: each answer is rated 1-10 against the person's real text with a per-task rubric.
Pairwise vs base (position-bias control): each item is judged twice with the two answers swapped; the
model wins an item only if it wins in both orders, loses only if it loses in both, and anything else
(a tie, or a verdict that follows the position) counts as half. The share of order-dependent verdicts
is reported as `position_flip_rate`.
"""

from __future__ import annotations

from pathlib import Path
from statistics import fmean
from typing import Any, Literal

from pydantic import BaseModel, Field

from humanllm.io import read_jsonl, write_json, write_jsonl
from humanllm.llm import LLMRequest, make_backend
from humanllm.store import Artifact, BuildContext
from humanllm.task.registry import task_family, task_names

# Each task family declares its rubric (`TaskFamily.rubric`, None: not judged); the judge reads it from there.
# The order families are judged in when eval.judge.tasks is unset (the order of their scores): these first,
# as always, then every other family with a rubric by name. Order only: a family missing here is still judged.
ORDER = ("writing_imitation", "personalized_commenting", "profile_generation", "scenario_generation", "social_qa")


def judged_tasks() -> list[str]:
    """Every registered task family that declares a rubric, in judging order."""
    judged = {name for name in task_names() if task_family(name).rubric is not None}
    return [t for t in ORDER if t in judged] + sorted(judged - set(ORDER))


def rubric(task: str) -> str:
    """The judge's question for `task`, as its family declares it."""
    text = task_family(task).rubric
    if text is None:
        raise ValueError(
            f"eval.judge.tasks: task family '{task}' declares no rubric (rubric = None): it is not judged "
            f"(judged families: {', '.join(judged_tasks())})"
        )
    return text


SYSTEM = "You are a strict evaluator of how well text simulates a specific real person. Reply only with JSON."


class PointScore(BaseModel):
    score: int = Field(ge=1, le=10)


class PairVerdict(BaseModel):
    better: Literal["A", "B", "tie"]


def _generations(eval_dir: Path, task: str, limit: int) -> list[dict[str, Any]]:
    path = eval_dir / "generations" / f"{task}.jsonl"
    return list(read_jsonl(path))[:limit] if path.is_file() else []


def _context(gen: dict[str, Any]) -> str:
    return next((m["content"] for m in gen["prompt"] if m["role"] == "user"), "")[:1500]


def _request(
    request_id: str, task: str, gen: dict[str, Any], shown: str, question: str, schema: type[BaseModel], max_tokens: int
):
    user = (
        f"{rubric(task)}\n\nTask given to the writer:\n{_context(gen)}\n\nWhat the real person wrote:\n"
        f"{gen['reference']}\n\n{shown}\n\n{question}"
    )
    return LLMRequest(
        request_id,
        [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
        schema=schema,
        max_tokens=max_tokens,
        temperature=0.0,
    )


def _point_request(task: str, gen: dict[str, Any], max_tokens: int):
    return _request(
        f"point:{task}:{gen['example_id']}",
        task,
        gen,
        f"Candidate:\n{gen['answer']}",
        'Rate the candidate from 1 (nothing like the person) to 10 (indistinguishable). JSON: {"score": <1-10>}',
        PointScore,
        max_tokens,
    )


def _pair_request(task: str, gen: dict[str, Any], first: str, second: str, order: str, max_tokens: int):
    return _request(
        f"pair:{order}:{task}:{gen['example_id']}",
        task,
        gen,
        f"Candidate A:\n{first}\n\nCandidate B:\n{second}",
        'Which candidate is closer to the real person? JSON: {"better": "A" | "B" | "tie"}',
        PairVerdict,
        max_tokens,
    )


def pair_outcome(verdict_model_first: str | None, verdict_base_first: str | None) -> tuple[float, bool]:
    """(model's score for the item: 1 win, 0 loss, 0.5 otherwise; whether the verdict followed position)."""
    model_wins = (verdict_model_first == "A", verdict_base_first == "B")
    base_wins = (verdict_model_first == "B", verdict_base_first == "A")
    flipped = (
        verdict_model_first is not None and verdict_model_first == verdict_base_first and verdict_model_first != "tie"
    )
    if all(model_wins):
        return 1.0, flipped
    if all(base_wins):
        return 0.0, flipped
    return 0.5, flipped


def judge_generations(
    backend: Any,
    eval_dir: Path,
    base_dir: Path | None,
    tasks: list[str],
    max_items: int,
    max_tokens: int,
    progress: bool,
) -> tuple[dict[str, float], list[dict[str, Any]], dict[str, int]]:
    """Scores and per-item rows (suite `judge`); rejected judge replies are counted, not scored."""
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    failed: dict[str, int] = {}
    for task in tasks:
        gens = _generations(eval_dir, task, max_items)
        if not gens:
            continue
        results = backend.run(
            [_point_request(task, g, max_tokens) for g in gens], progress=progress, stage=f"judge:{task}"
        )
        values = {r.request_id.split(":", 2)[2]: float(r.value.score) for r in results if r.ok}
        failed[f"{task}/point"] = len(gens) - len(values)
        if values:
            scores[f"judge/{task}/score"] = fmean(values.values())
            items += [
                {"suite": "judge", "task": task, "metric": "score", "item_id": k, "value": v} for k, v in values.items()
            ]
        if base_dir is None:
            continue
        base = {g["example_id"]: g for g in _generations(base_dir, task, max_items)}
        pairs = [g for g in gens if g["example_id"] in base]
        reqs = [_pair_request(task, g, g["answer"], base[g["example_id"]]["answer"], "mb", max_tokens) for g in pairs]
        reqs += [_pair_request(task, g, base[g["example_id"]]["answer"], g["answer"], "bm", max_tokens) for g in pairs]
        verdicts = {
            r.request_id: r.value.better
            for r in backend.run(reqs, progress=progress, stage=f"judge_pairs:{task}")
            if r.ok
        }
        flips, outcomes = 0, {}
        for g in pairs:
            eid = g["example_id"]
            a, b = verdicts.get(f"pair:mb:{task}:{eid}"), verdicts.get(f"pair:bm:{task}:{eid}")
            if a is None or b is None:
                continue
            outcomes[eid], flipped = pair_outcome(a, b)
            flips += flipped
        failed[f"{task}/pair"] = len(pairs) - len(outcomes)
        if outcomes:
            scores[f"judge/{task}/winrate_vs_base"] = fmean(outcomes.values())
            scores[f"judge/{task}/position_flip_rate"] = flips / len(outcomes)
            items += [
                {"suite": "judge", "task": task, "metric": "winrate_vs_base", "item_id": k, "value": v}
                for k, v in outcomes.items()
            ]
    for key, n in failed.items():  # shown beside the judge's scores in every table, not only in the manifest
        task, kind = key.rsplit("/", 1)
        scores[f"judge/{task}/unparsed_{kind}"] = float(n)
    return scores, items, failed


def judge_stage_config(cfg: Any) -> dict[str, Any]:
    """The judge key's config: judge settings and the identity of the LLM that answers. Whether the judge runs
    and whether base's generations are compared (`pairwise`) choose the inputs, not the config."""
    return {"judge": cfg.eval.judge.model_dump(exclude={"enabled", "pairwise"}), "llm": cfg.llm.output_identity()}


def run_judge(ctx: Any, label: str, evaluation: Artifact, base_evaluation: Artifact | None) -> Artifact:
    """Judge one evaluated model's stored generations (and compare with base's when given)."""
    cfg = ctx.cfg
    j = cfg.eval.judge
    stage_cfg = judge_stage_config(cfg)
    inputs = {"eval": evaluation.key, **({"base_eval": base_evaluation.key} if base_evaluation else {})}

    def produce(bctx: BuildContext) -> None:
        tasks = [t for t in (j.tasks or judged_tasks()) if (evaluation.path / "generations" / f"{t}.jsonl").is_file()]
        with make_backend(cfg.llm, ctx.store.root) as backend:
            scores, items, failed = judge_generations(
                backend,
                evaluation.path,
                base_evaluation.path if base_evaluation else None,
                tasks,
                j.max_items,
                j.max_tokens,
                cfg.progress,
            )
            bctx.counts.update(
                {"scores": len(scores), "items": len(items), "judge_rejects": failed, "llm": backend.accounting()}
            )
        write_json(bctx.path / "scores.json", {"model": label, "scores": scores, "headline": list(scores), "notes": []})
        write_jsonl(bctx.path / "items.jsonl", items)

    return ctx.stage("judge", stage_cfg, inputs, produce, label=label)
