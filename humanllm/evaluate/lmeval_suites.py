"""Suites run through lm-eval on the already-loaded model: the offline English perplexity proxy,
standard lm-eval tasks (when their data is available), MotiveBench and ToMBench."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from humanllm.paths import evals_dir

log = logging.getLogger(__name__)


def _evaluate(lm: Any, tasks: list[str], task_manager: Any, seed: int, **kwargs: Any) -> dict[str, Any]:
    import lm_eval

    return lm_eval.simple_evaluate(
        model=lm, tasks=tasks, task_manager=task_manager, log_samples=True, bootstrap_iters=0,
        random_seed=seed, numpy_random_seed=seed, torch_random_seed=seed, fewshot_random_seed=seed, **kwargs,
    )


def english_perplexity(ctx: Any, lm: Any) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Bits per byte (mean over documents, so it matches its bootstrap CI) and lm-eval's corpus-level
    byte and word perplexity on stdlib docstrings; per-document bits per byte as items."""
    from lm_eval.tasks import TaskManager

    p = ctx.cfg.eval.perplexity
    tm = TaskManager(include_path=str(evals_dir() / "general_english"), include_defaults=False,
                     metadata={"max_docs": p.max_docs, "max_chars": p.max_chars})
    res = _evaluate(lm, ["general_english_ppl"], tm, ctx.cfg.seed)
    r = res["results"]["general_english_ppl"]
    items = []
    for s in res["samples"]["general_english_ppl"]:
        loglik, n_bytes = s["bits_per_byte"]
        items.append({"suite": "general", "task": "english", "metric": "bits_per_byte", "item_id": str(s["doc_id"]),
                      "value": -loglik / (n_bytes * math.log(2))})
    scores = {f"general/english/{m}": float(r[f"{m},none"]) for m in ("byte_perplexity", "word_perplexity")}
    scores["general/english/bits_per_byte"] = sum(i["value"] for i in items) / len(items)
    return scores, items


def standard_tasks(ctx: Any, lm: Any) -> tuple[dict[str, float], list[dict[str, Any]], list[str]]:
    """lm-eval's own tasks (mmlu, arc_challenge, …). Missing data is reported, never silently skipped."""
    from lm_eval.tasks import TaskManager

    c = ctx.cfg.eval.lm_eval
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    tm = TaskManager()
    for task in c.tasks:
        try:
            res = _evaluate(lm, [task], tm, ctx.cfg.seed, limit=c.limit, num_fewshot=c.num_fewshot,
                            apply_chat_template=c.apply_chat_template)
        except Exception as e:  # noqa: BLE001 - any failure to get the data is reported as such
            reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            notes.append(f"lm-eval task '{task}' NOT SCORED: its data is not available here ({reason}). "
                         f"Run once online or set HF_DATASETS_CACHE to a cache holding it.")
            continue
        for sub, metrics in res["results"].items():
            for name, value in metrics.items():
                if isinstance(value, (int, float)) and not name.endswith("_stderr,none") and name != "alias":
                    scores[f"general/{sub}/{name.split(',')[0]}"] = float(value)
        for sub, samples in res.get("samples", {}).items():
            for s in samples:
                for metric in ("acc", "exact_match", "acc_norm"):
                    if isinstance(s.get(metric), (int, float)):
                        items.append({"suite": "general", "task": sub, "metric": metric,
                                      "item_id": str(s["doc_id"]), "value": float(s[metric])})
    return scores, items, notes


def run_general_suites(ctx: Any, model: Any, out_dir: Path) -> tuple[dict[str, float], list[dict[str, Any]], list[str]]:
    """Every lm-eval based suite the eval config enables, sharing the evaluation backend's lm-eval LM."""
    e = ctx.cfg.eval
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    wanted = e.perplexity.enabled or e.lm_eval.tasks or e.motivebench.enabled or e.tombench.enabled
    if not wanted:
        return scores, items, notes
    lm = model.lm
    if e.perplexity.enabled:
        s, i = english_perplexity(ctx, lm)
        scores.update(s)
        items.extend(i)
    if e.lm_eval.tasks:
        s, i, n = standard_tasks(ctx, lm)
        scores.update(s)
        items.extend(i)
        notes.extend(n)
    if e.motivebench.enabled or e.tombench.enabled:
        from humanllm.evaluate.social import run_social_benchmarks

        s, i = run_social_benchmarks(ctx, lm, out_dir)
        scores.update(s)
        items.extend(i)
    return scores, items, notes
