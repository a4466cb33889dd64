"""The eval stage: score one model on every enabled suite; results are keyed by the model's weights.

The artifact key is a hash of the weights' content (not their path), the eval config, the test sets
and the lm-eval version: an identical model under another path is a cache hit that never loads the
model; a changed weight is a miss. Per-item scores are kept for bootstrap intervals in the report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from humanllm.eval.backends import LoadedModel, load_eval_model
from humanllm.eval.benchmarks import benchmarks, enabled_benchmarks, not_run, preflight, runnable_benchmarks
from humanllm.eval.benchmarks.errors import BenchmarkDataMissing
from humanllm.eval.indomain import run_indomain
from humanllm.eval.lmeval_suites import run_general_suites
from humanllm.eval.social import headline_keys
from humanllm.io import read_json, write_json, write_jsonl
from humanllm.model.fingerprint import paths_fingerprint, weights_fingerprint
from humanllm.store import Artifact, BuildContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalTarget:
    """A model to score: a display label (base, sft, merged α=0.5) and a local folder."""

    label: str
    kind: str  # base | sft | merged | path
    location: str
    alpha: float | None = None


# Not read while scoring: they pick the models, belong to other stages (judge, contamination) or the report.
NOT_SCORING = {"name", "targets", "model_path", "judge", "contamination", "data", "bootstrap"}


def _suites(e: Any) -> dict[str, Any]:
    """Suite settings, a switched-off suite reduced to its switch (its other settings are never read).
    Registered benchmarks also read `lm_eval.apply_chat_template` and write bootstrap summaries."""
    out = e.model_dump(mode="json", exclude=NOT_SCORING)
    for name, value in out.items():
        if isinstance(value, dict) and value.get("enabled") is False:
            out[name] = {"enabled": False}
    for b in enabled_benchmarks(e):
        for setting in b.unread_settings(e):
            out[b.name].pop(setting, None)
    benchmarks_run = bool(enabled_benchmarks(e))
    if not out["lm_eval"]["tasks"]:
        out["lm_eval"] = {
            "tasks": [],
            **({"apply_chat_template": e.lm_eval.apply_chat_template} if benchmarks_run else {}),
        }
    if benchmarks_run:
        out["bootstrap"] = e.bootstrap.model_dump(mode="json", include={"samples", "confidence", "seed"})
    return out


def benchmark_files(e: Any) -> dict[str, Any]:
    """Size and mtime of every benchmark file the enabled benchmarks read (BIG-bench: its requested tasks only)."""
    out: dict[str, Any] = {}
    for b in enabled_benchmarks(e):
        try:
            out[b.name] = paths_fingerprint(b.data_files(e), b.data_dir(e))
        except BenchmarkDataMissing:  # the suite itself fails with the clear error; the key only records it
            out[b.name] = {"missing": b.data_dir(e)}
    return out


def eval_stage_config(cfg: Any) -> dict[str, Any]:
    """The eval key's config: the settings of every suite that runs, the identity of the benchmark files
    they read, how the model is loaded (dtype, context window, chat template) and the lm-eval version.
    The seed is in the key too, and the answer parser's identity where a benchmark asks one."""
    e, m = cfg.eval, cfg.model
    suites = _suites(e)
    return {
        "eval": suites,
        "benchmark_data": benchmark_files(e),
        "model_load": {
            "dtype": m.dtype,
            "chat_template_kwargs": m.chat_template_kwargs,
            "max_length": m.max_length,
            "attn_implementation": m.attn_implementation,
            "trust_remote_code": m.trust_remote_code,
            "revision": m.revision,
        },
        "lm_eval_version": metadata.version("lm_eval"),
        **({"answer_parser": cfg.llm.output_identity()} if any(b.needs_llm(e) for b in enabled_benchmarks(e)) else {}),
    }


def evaluate_model(
    ctx: Any,
    target: EvalTarget,
    test_sets: dict[str, Artifact],
    bctx: BuildContext,
    in_memory: Callable[[], LoadedModel] | None = None,
) -> None:
    """Load the model once (or take `in_memory()`: the same weights, already loaded) and run every enabled
    suite, writing scores.json and items.jsonl."""
    cfg = ctx.cfg
    with bctx.timed("load_model"):
        model = load_eval_model(in_memory() if in_memory else target.location, ctx)
    scores: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    if cfg.eval.indomain.enabled and test_sets:
        with bctx.timed("indomain"):
            s, i = run_indomain(ctx, model, test_sets, bctx.path / "generations")
        scores.update(s)
        items.extend(i)

    skipped = not_run(cfg.eval)  # data that cannot be had, and the config allows reporting it as not run
    notes += [note for b in runnable_benchmarks(cfg.eval) if (note := b.source_note(cfg.eval))]
    notes += [f"{name}: not run: {why}" for name, why in skipped.items()]
    with bctx.timed("general"):
        s, i, failures = run_general_suites(ctx, model, bctx.path)
    scores.update(s)
    items.extend(i)
    if failures:  # a partial result is never published as finished: the next run tries again
        raise SuitesFailed(target.label, failures, scored=sorted({k.split("/", 1)[0] for k in s}))
    notes += model.truncation_notes()
    with ctx.tracker.run(
        f"eval-{target.label}", "eval", {"target": target.label, **cfg.model_dump(mode="json")}
    ) as run:
        run.summary(scores)
        if items:
            import pandas as pd

            run.table("eval_items", pd.DataFrame(items))

    benchmark_keys = [k for k in scores if k.split("/", 1)[0] in benchmarks()]
    headline = [k for k in scores if k not in benchmark_keys] + headline_keys(scores)
    write_json(
        bctx.path / "scores.json",
        {"model": target.label, "scores": scores, "headline": headline, "notes": notes, "not_run": skipped},
    )
    write_jsonl(bctx.path / "items.jsonl", items)
    bctx.counts.update({"scores": len(scores), "items": len(items)})
    bctx.extra["notes"] = notes
    for note in notes:
        log.warning("%s: %s", target.label, note)
    bctx.extra["not_run"] = skipped


class SuitesFailed(RuntimeError):
    """Requested eval suites did not score; the message gives each one's real cause (CLI exit code 3)."""

    exit_code = 3

    def __init__(self, label: str, failures: dict[str, str], scored: list[str]):
        lines = [f"  {suite}: {cause}" for suite, cause in failures.items()]
        done = f"scored: {', '.join(scored)}" if scored else "no requested suite scored"
        super().__init__(
            f"{label}: {len(failures)} requested eval suite(s) failed ({done}); "
            "the evaluation is not cached:\n" + "\n".join(lines)
        )
        self.failures = failures


def check_benchmark_data(cfg: Any) -> None:
    """Read all requested benchmark data before any model loads: missing data raises (naming
    eval.data.<benchmark>); each malformed item is logged as `file:line: what, action` and never aborts."""
    report = preflight(cfg.eval)
    (log.warning if any(report.issues.values()) or report.not_run else log.info)("%s", report.text())


def run_eval(
    ctx: Any,
    target: EvalTarget,
    test_sets: dict[str, Artifact],
    in_memory: Callable[[], LoadedModel] | None = None,
    fingerprint: str | None = None,
) -> Artifact:
    """Score `target` (or reuse the scores of identical weights). `in_memory`, if given, returns a loaded
    model holding exactly `target.location`'s weights, scored instead of loading them again. `fingerprint`
    identifies weights that exist only in memory (a sweep's merged model, held by `target.location`)."""
    fingerprint = fingerprint or weights_fingerprint(target.location, ctx.store.root / "fingerprints.json")
    inputs = {"model_weights": fingerprint, **{f"test:{n}": a.key for n, a in sorted(test_sets.items())}}
    return ctx.stage(
        "eval",
        eval_stage_config(ctx.cfg),
        inputs,
        lambda b: evaluate_model(ctx, target, test_sets, b, in_memory),
        seed=ctx.cfg.seed,
        label=target.label,
    )


def read_scores(art: Artifact | Path) -> dict[str, Any]:
    path = art.path if isinstance(art, Artifact) else Path(art)
    return read_json(path / "scores.json")
