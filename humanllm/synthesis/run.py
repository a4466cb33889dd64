"""Curate one corpus into a folder: select → clean/tag → synthesize (P, E) → judge → social QA (B) → judge → link.

Social QA is written for every scenario that came back valid, judged on its own, and kept only if its
scenario passed QC too (a task example needs both): otherwise it is rejected as `scenario_rejected`.
mode=paper writes the official records in one round (its QA carries its own scenario), then judges them.

Writes posts.jsonl and one file per record kind (kept records), corpus/ (the cleaned corpus every task
family reads), rejected.jsonl (every dropped user, post and record with its reason),
curation_funnel.csv/.md and judge_scores.png (histograms); returns the counts for the manifest.
A separate `judge_backend` (llm config `judge_llm`) scores the records when given.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from humanllm.data.records import Corpus
from humanllm.data.split import held_out_users
from humanllm.funnel import CurationFunnel, FunnelMismatch
from humanllm.io import write_json, write_jsonl
from humanllm.synthesis.clean import run_clean
from humanllm.synthesis.cleaned_corpus import write_cleaned_corpus
from humanllm.synthesis.config import SynthesisConfig
from humanllm.synthesis.judge import run_judge
from humanllm.synthesis.paper_synthesize import plan_paper_records
from humanllm.synthesis.plots import score_histograms
from humanllm.synthesis.records import FILES, FORMAT_FILE, CuratedRecord, RejectedRecord, Scenario
from humanllm.synthesis.select import select
from humanllm.synthesis.synthesize import Plan, plan_social_qa, plan_user_records, run_plan

if TYPE_CHECKING:
    from humanllm.llm.base import LLMBackend

log = logging.getLogger(__name__)
ROUND_1 = ("profile", "style", "scenario")


def _round(
    backends: tuple[LLMBackend, LLMBackend],
    plan: Plan,
    kinds: list[str],
    lookups: dict[str, Any],
    cfg: SynthesisConfig,
    funnel: CurationFunnel,
    progress: bool,
) -> tuple[list[CuratedRecord], list[CuratedRecord], list[RejectedRecord]]:
    """Synthesize a plan's records (backends[0]), then judge them (backends[1]; lookups: posts and scenarios by id).
    Returns (written: every valid record, kept: those that passed the judge, rejected)."""
    written, failed = run_plan(backends[0], plan, kinds, funnel, progress)
    kept, judged_out = run_judge(
        backends[1], written, kinds, lookups["posts"], lookups["scenarios"], cfg, funnel, progress
    )
    return written, kept, failed + judged_out


def _link_social_qa(
    qa: list[CuratedRecord], kept_scenarios: set[str], funnel: CurationFunnel
) -> tuple[list[CuratedRecord], list[RejectedRecord]]:
    """Keep social QA whose scenario was kept; reject the others as `scenario_rejected`."""
    linked = [q for q in qa if q.scenario_id in kept_scenarios]
    orphans = [
        RejectedRecord(
            record_id=q.record_id,
            kind=q.kind,
            user_id=q.user_id,
            stage="link",
            reason="scenario_rejected",
            judge_scores=q.judge_scores,
            content=q.model_dump(include={"question", "answer", "variant", "scenario_id"}),
        )
        for q in qa
        if q.scenario_id not in kept_scenarios
    ]
    funnel.add("link", "social_qa", len(qa), len(linked), [r.reason for r in orphans])
    return linked, orphans


def _check_accounted(planned: set[str], kept: list[CuratedRecord], rejected: list[RejectedRecord]) -> None:
    seen = Counter([r.record_id for r in kept] + [r.record_id for r in rejected if r.kind not in ("user", "post")])
    dupes = [k for k, n in seen.items() if n > 1]
    if dupes or set(seen) != planned:
        lost = sorted(planned - set(seen))[:5]
        raise FunnelMismatch(f"curation lost or duplicated records: lost {lost}, duplicated {dupes[:5]}")


def curate_corpus(
    corpus: Corpus,
    cfg: SynthesisConfig,
    backend: LLMBackend,
    out: Path,
    seed: int,
    progress: bool = True,
    judge_backend: LLMBackend | None = None,
    split: tuple[float, int] | None = None,
) -> dict[str, Any]:
    """Run every enabled curation step on `corpus`, write the records into `out`, return the counts.
    `split` = (test fraction, split seed): a `max_users` cap keeps that share of held-out users."""
    backends = (backend, judge_backend or backend)
    funnel = CurationFunnel()
    held = None if split is None else (held_out_users(corpus.users, *split), split[0])
    sel = select(corpus.users, cfg, seed, funnel, held)
    cleaned = run_clean(backend, sel.posts, cfg, funnel, progress)
    posts = {p.post_id: p for ps in cleaned.kept.values() for p in ps}
    rejected: list[RejectedRecord] = sel.rejected + cleaned.rejected
    lookups: dict[str, Any] = {"posts": posts, "scenarios": {}}

    paper = cfg.mode == "paper"
    kinds = list(cfg.paper.kinds) if paper else [k for k in ROUND_1 if getattr(cfg, k).enabled]
    plan = plan_paper_records(cleaned.kept, cfg) if paper else plan_user_records(cleaned.kept, cfg)
    planned = {d.record_id for d in plan.drafts} | {r.record_id for r in plan.rejected}
    written, kept, dropped = _round(backends, plan, kinds, lookups, cfg, funnel, progress)
    rejected += dropped
    if not paper and cfg.social_qa.enabled:
        scenarios = [r for r in written if isinstance(r, Scenario)]
        lookups["scenarios"] = {s.record_id: s for s in scenarios}
        qa_plan = plan_social_qa(scenarios, posts, cfg)
        planned |= {d.record_id for d in qa_plan.drafts} | {r.record_id for r in qa_plan.rejected}
        _, qa_kept, qa_dropped = _round(backends, qa_plan, ["social_qa"], lookups, cfg, funnel, progress)
        qa_linked, orphans = _link_social_qa(qa_kept, {r.record_id for r in kept if isinstance(r, Scenario)}, funnel)
        kept += qa_linked
        rejected += qa_dropped + orphans
    _check_accounted(planned, kept, rejected)

    write_json(out / FORMAT_FILE, {"mode": cfg.mode})
    write_jsonl(out / FILES["posts"], [p for ps in cleaned.kept.values() for p in ps])
    cleaned_ids = {p.post_id for ps in sel.posts.values() for p in ps}
    corpus_counts = write_cleaned_corpus(corpus, posts, cleaned_ids, out, unselected_raw=cfg.unselected_posts == "raw")
    for kind in cfg.enabled_kinds():
        write_jsonl(out / FILES[kind], [r for r in kept if r.kind == kind])
    write_jsonl(out / FILES["rejected"], rejected)
    funnel.write(out)
    scores: dict[str, list[tuple[dict[str, int], bool]]] = {}
    for r in kept:
        if r.judge_scores:
            scores.setdefault(r.kind, []).append((r.judge_scores, True))
    for rj in rejected:
        if rj.judge_scores:
            scores.setdefault(rj.kind, []).append((rj.judge_scores, False))
    plots = score_histograms(scores, out)
    counts = summary_counts(funnel, kept, rejected, backends, plots, cfg.enabled_kinds())
    counts["cleaned_corpus"] = corpus_counts
    log.info("curated %d users: kept %s, rejected %d", counts["users"], counts["kept"], counts["rejected"])
    return counts


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def summary_counts(
    funnel: CurationFunnel,
    kept: list[CuratedRecord],
    rejected: list[RejectedRecord],
    backends: tuple[LLMBackend, LLMBackend],
    plots: list[str],
    kinds: list[str],
) -> dict[str, Any]:
    """Manifest counts: kept per kind, validity and keep rates, the funnel and the LLM accounting."""
    rows = {(r["stage"], r["kind"]): r for r in funnel.as_dicts()}
    per_kind: dict[str, Any] = {}
    for kind in kinds:
        syn, jud = rows.get(("synthesize", kind)), rows.get(("judge", kind))
        if syn is None:
            continue
        per_kind[kind] = {
            "planned": syn["in"],
            "valid": syn["kept"],
            "validity_rate": _rate(syn["kept"], syn["in"]),
            "judged": jud["in"] if jud else 0,
            "judge_keep_rate": _rate(jud["kept"], jud["in"]) if jud else None,
            "kept": sum(r.kind == kind for r in kept),
        }
    clean = rows.get(("clean", "post"))
    return {
        "users": rows[("select", "user")]["kept"],
        "posts_selected": rows[("select", "post")]["kept"],
        "posts_kept": clean["kept"] if clean else rows[("select", "post")]["kept"],
        "kept": {k: v["kept"] for k, v in per_kind.items()},
        "per_kind": per_kind,
        "rejected": len(rejected),
        "rejected_by_reason": dict(sorted(Counter(r.reason for r in rejected).items())),
        "funnel": funnel.as_dicts(),
        "llm": {
            **backends[0].accounting(),
            **({"judge": backends[1].accounting("judge")} if backends[1] is not backends[0] else {}),
        },
        "plots": plots,
    }
