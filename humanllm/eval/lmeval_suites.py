"""Suites run through lm-eval on the already-loaded model: the offline English perplexity proxy,
standard lm-eval tasks (when their data is reachable) and every enabled registered benchmark.

A suite that fails is recorded with its real cause (exception type and message) and the others still
run; the caller decides what a failure means (the eval stage refuses to publish a partial result)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from humanllm.eval.social import benchmark_suites, run_registered_benchmark
from humanllm.paths import evals_dir

log = logging.getLogger(__name__)


def _evaluate(lm: Any, tasks: list[str], task_manager: Any, seed: int, **kwargs: Any) -> dict[str, Any]:
    import lm_eval

    return lm_eval.simple_evaluate(
        model=lm,
        tasks=tasks,
        task_manager=task_manager,
        log_samples=True,
        bootstrap_iters=0,
        random_seed=seed,
        numpy_random_seed=seed,
        torch_random_seed=seed,
        fewshot_random_seed=seed,
        **kwargs,
    )


def english_perplexity(ctx: Any, lm: Any) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """lm-eval's corpus-level bits_per_byte, byte_perplexity and word_perplexity on stdlib docstrings, and the
    mean over documents of per-document bits per byte under its own name (`doc_mean_bits_per_byte`).

    Items: per-document bits per byte twice, as `bits_per_byte` weighted by the document's bytes (their
    weighted mean is lm-eval's sum(-log-likelihood) / sum(bytes) / ln 2, so the report's bootstrap resamples
    documents for a ratio estimator) and as `doc_mean_bits_per_byte` (unweighted)."""
    from lm_eval.tasks import TaskManager

    p = ctx.cfg.eval.perplexity
    tm = TaskManager(
        include_path=str(evals_dir() / "general_english"),
        include_defaults=False,
        metadata={"max_docs": p.max_docs, "max_chars": p.max_chars},
    )
    res = _evaluate(lm, ["general_english_ppl"], tm, ctx.cfg.seed)
    r = res["results"]["general_english_ppl"]
    items = []
    for s in res["samples"]["general_english_ppl"]:
        loglik, n_bytes = s["bits_per_byte"]
        doc = {
            "suite": "general",
            "task": "english",
            "item_id": str(s["doc_id"]),
            "value": -loglik / (n_bytes * math.log(2)),
        }
        items += [
            {**doc, "metric": "bits_per_byte", "weight": float(n_bytes)},
            {**doc, "metric": "doc_mean_bits_per_byte"},
        ]
    corpus = ("bits_per_byte", "byte_perplexity", "word_perplexity")  # lm-eval's names, lm-eval's values
    scores = {f"general/english/{m}": float(r[f"{m},none"]) for m in corpus}
    per_doc = [i["value"] for i in items if i["metric"] == "doc_mean_bits_per_byte"]
    scores["general/english/doc_mean_bits_per_byte"] = sum(per_doc) / len(per_doc)
    return scores, items


def standard_tasks(ctx: Any, lm: Any, task: str) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """One of lm-eval's own tasks (mmlu, arc_challenge, ...); raises whatever keeps it from scoring."""
    from lm_eval.tasks import TaskManager

    c = ctx.cfg.eval.lm_eval
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    res = _evaluate(
        lm,
        [task],
        TaskManager(),
        ctx.cfg.seed,
        limit=c.limit,
        num_fewshot=c.num_fewshot,
        apply_chat_template=c.apply_chat_template,
    )
    for sub, metrics in res["results"].items():
        for name, value in metrics.items():
            if isinstance(value, (int, float)) and not name.endswith("_stderr,none") and name != "alias":
                scores[f"general/{sub}/{name.split(',')[0]}"] = float(value)
    for sub, samples in res.get("samples", {}).items():
        for s in samples:
            for metric in ("acc", "exact_match", "acc_norm"):
                if isinstance(s.get(metric), (int, float)):
                    options = len(s.get("arguments") or []) if metric != "exact_match" else 0
                    items.append(
                        {
                            "suite": "general",
                            "task": sub,
                            "metric": metric,
                            "item_id": str(s["doc_id"]),
                            "value": float(s[metric]),
                            **({"n_choices": options} if options > 1 else {}),
                        }
                    )
    return scores, items


def failure_cause(err: BaseException) -> str:
    """`Type: first line of the message` (e.g. "ModuleNotFoundError: No module named 'langdetect'")."""
    first = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def run_general_suites(
    ctx: Any, model: Any, out_dir: Path
) -> tuple[dict[str, float], list[dict[str, Any]], dict[str, str]]:
    """(scores, items, failures) of every lm-eval based suite the eval config enables; failures maps each
    requested suite that did not score to its cause."""
    e = ctx.cfg.eval
    suites: dict[str, Any] = {}
    if e.perplexity.enabled:
        suites["perplexity"] = lambda lm: english_perplexity(ctx, lm)
    for task in e.lm_eval.tasks:
        suites[f"lm_eval:{task}"] = lambda lm, task=task: standard_tasks(ctx, lm, task)
    for name in benchmark_suites(ctx):
        suites[name] = lambda lm, name=name: run_registered_benchmark(ctx, name, lm, out_dir)
    scores: dict[str, float] = {}
    items: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    if not suites:
        return scores, items, failures
    lm = model.lm
    for name, run in suites.items():
        try:
            s, i = run(lm)
        except Exception as err:
            log.error("suite %s failed: %s", name, failure_cause(err), exc_info=log.isEnabledFor(logging.DEBUG))
            failures[name] = failure_cause(err)
            continue
        scores.update(s)
        items.extend(i)
    return scores, items, failures
