"""The eval stage: score one model on every enabled suite; results are keyed by the model's weights.

The artifact key is a hash of the weights' content (not their path), the eval config, the test sets
and the lm-eval version: an identical model under another path is a cache hit that never loads the
model; a changed weight is a miss. Per-item scores are kept for bootstrap intervals in the report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from humanllm.evaluate.backends import load_eval_model
from humanllm.evaluate.indomain import run_indomain
from humanllm.evaluate.lmeval_suites import run_general_suites
from humanllm.io import read_json, write_json, write_jsonl
from humanllm.models.fingerprint import weights_fingerprint
from humanllm.store import Artifact, BuildContext

log = logging.getLogger(__name__)
STAGE_VERSION = 2


@dataclass(frozen=True)
class EvalTarget:
    """A model to score: a display label (base, sft, merged α=0.5) and a local folder."""

    label: str
    kind: str  # base | sft | merged | path
    location: str
    alpha: float | None = None


def eval_stage_config(ctx: Any) -> dict[str, Any]:
    e, m = ctx.cfg.eval, ctx.cfg.model
    return {
        "suites": e.model_dump(include={"indomain", "perplexity", "lm_eval", "motivebench", "tombench", "backend", "batch_size"}),
        "benchmark_data": e.data.model_dump(),
        "model_load": {"dtype": m.dtype, "chat_template_kwargs": m.chat_template_kwargs},
        "lm_eval_version": metadata.version("lm_eval"),
    }


def evaluate_model(ctx: Any, target: EvalTarget, test_sets: dict[str, Artifact], bctx: BuildContext) -> None:
    """Load the model once and run every enabled suite, writing scores.json and items.jsonl."""
    cfg = ctx.cfg
    with bctx.timed("load_model"):
        model = load_eval_model(target.location, ctx)
    scores: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    if cfg.eval.indomain.enabled and test_sets:
        with bctx.timed("indomain"):
            s, i = run_indomain(ctx, model, test_sets, bctx.path / "generations")
        scores.update(s)
        items.extend(i)
    with bctx.timed("general"):
        s, i, n = run_general_suites(ctx, model, bctx.path)
    scores.update(s)
    items.extend(i)
    notes.extend(n)
    with ctx.tracker.run(f"eval-{target.label}", "eval", {"target": target.label, **cfg.model_dump(mode="json")}) as run:
        run.summary(scores)
        if items:
            import pandas as pd

            run.table("eval_items", pd.DataFrame(items))
    from humanllm.evaluate.social import headline_keys

    benchmark_keys = [k for k in scores if k.split("/", 1)[0] in ("motivebench", "tombench")]
    headline = [k for k in scores if k not in benchmark_keys] + headline_keys(scores)
    write_json(bctx.path / "scores.json", {"model": target.label, "scores": scores, "headline": headline, "notes": notes})
    write_jsonl(bctx.path / "items.jsonl", items)
    bctx.counts.update({"scores": len(scores), "items": len(items)})
    bctx.extra["notes"] = notes
    for note in notes:
        log.warning("%s: %s", target.label, note)


def check_benchmark_data(cfg: Any) -> None:
    """Fail before any model loads when an enabled benchmark has no data (the error says how to get it)."""
    e = cfg.eval
    if e.motivebench.enabled:
        from humanllm.evaluate.benchmarks.motivebench import checked_data_dir

        checked_data_dir(e.data.motivebench, e.motivebench.subsets)
    if e.tombench.enabled:
        from humanllm.evaluate.benchmarks.tombench import data_files

        data_files(e.data.tombench)


def run_eval(ctx: Any, target: EvalTarget, test_sets: dict[str, Artifact]) -> Artifact:
    """Score `target` (or reuse the scores of identical weights)."""
    fingerprint = weights_fingerprint(target.location, ctx.store.root / "fingerprints.json")
    inputs = {"model_weights": fingerprint, **{f"test:{n}": a.key for n, a in sorted(test_sets.items())}}
    return ctx.stage("eval", STAGE_VERSION, eval_stage_config(ctx), inputs,
                     lambda b: evaluate_model(ctx, target, test_sets, b), seed=ctx.cfg.seed, label=target.label)


def read_scores(art: Artifact | Path) -> dict[str, Any]:
    path = art.path if isinstance(art, Artifact) else Path(art)
    return read_json(path / "scores.json")
