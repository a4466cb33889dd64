"""Judge QC: an LLM scores each record 1-10 per metric of its kind; the keep rule applies thresholds.

Scores are stored with every judged record, kept or rejected. A record is rejected with
`judge_below_threshold:<metric>` (the first metric under its minimum, overall checked first) or
`judge_failed:<reason>` when the judge's reply was unusable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from humanllm.funnel import CurationFunnel
from humanllm.llm.types import LLMRequest
from humanllm.synthesis import paper_prompts
from humanllm.synthesis.config import JUDGE_METRICS, PAPER_JUDGED, JudgeConfig, SynthesisConfig
from humanllm.synthesis.prompts import judge_messages, posts_block
from humanllm.synthesis.records import (
    CleanedPost,
    CuratedRecord,
    LongScenario,
    Persona,
    Profile,
    ProfileParagraph,
    RejectedRecord,
    Scenario,
    ScenarioQA,
    SocialQA,
    Stories,
    Style,
    raw_snippet,
)
from humanllm.synthesis.schemas import judge_schema

if TYPE_CHECKING:
    from humanllm.llm.base import LLMBackend

COMMON_FIELDS = {"record_id", "kind", "user_id", "platform", "source_post_ids", "judge_scores"}


def failed_metrics(scores: Mapping[str, int], kind: str, cfg: JudgeConfig, variant: str | None = None) -> list[str]:
    """The metrics under their minimum (per `cfg.rule`), overall first then the kind's order; empty means keep."""
    rule = cfg.rule(kind, variant)
    order = ["overall"] + [m for m in JUDGE_METRICS[kind] if m != "overall"]
    return [m for m in order if m in rule and m in scores and scores[m] < rule[m]]


def record_text(rec: CuratedRecord, scenarios: Mapping[str, Scenario]) -> str:
    """How a record is shown to the judge."""
    if isinstance(rec, Persona):
        return rec.persona
    if isinstance(rec, ProfileParagraph):
        return rec.profile
    if isinstance(rec, Stories):
        return "\n\n".join(f"Story {i + 1} ({s.summary}):\n{s.content}" for i, s in enumerate(rec.stories))
    if isinstance(rec, LongScenario):
        return (
            "Characters:\n"
            + "\n".join(f"- {c}" for c in rec.characters)
            + (f"\nSummary: {rec.summary}\nScenario: {rec.scenario}")
        )
    if isinstance(rec, ScenarioQA):
        return f"Scenario: {rec.scenario}\nQuestion: {rec.question}\nAnswer: {rec.answer}"
    if isinstance(rec, Profile):
        return f"Summary: {rec.summary}\nTraits: {rec.traits}\nInterests: {rec.interests}"
    if isinstance(rec, Style):
        return f"Style: {rec.style}"
    if isinstance(rec, Scenario):
        return f"Theme: {rec.theme}\nSituation: {rec.situation}\nBehavior: {rec.behavior}"
    assert isinstance(rec, SocialQA)
    scenario = scenarios.get(rec.scenario_id)
    situation = scenario.situation if scenario else ""
    return f"Situation: {situation}\nQuestion: {rec.question}\nAnswer: {rec.answer}"


def judge_request(
    rec: CuratedRecord,
    posts: Mapping[str, CleanedPost],
    scenarios: Mapping[str, Scenario],
    max_chars: int,
    max_tokens: int,
    explain: bool = False,
) -> LLMRequest:
    source = posts_block([posts[i].text for i in rec.source_post_ids if i in posts], max_chars)
    make = paper_prompts.judge_messages if rec.kind in PAPER_JUDGED else judge_messages
    messages = make(rec.kind, source, record_text(rec, scenarios))
    schema = judge_schema(rec.kind, explain)
    return LLMRequest(f"judge:{rec.record_id}", messages, schema=schema, max_tokens=max_tokens)


def content(rec: CuratedRecord) -> dict:
    return rec.model_dump(exclude=COMMON_FIELDS)


def run_judge(
    backend: LLMBackend,
    records: list[CuratedRecord],
    kinds: list[str],
    posts: Mapping[str, CleanedPost],
    scenarios: Mapping[str, Scenario],
    cfg: SynthesisConfig,
    funnel: CurationFunnel,
    progress: bool,
) -> tuple[list[CuratedRecord], list[RejectedRecord]]:
    """Judge the records of judged kinds (the others pass through unjudged); returns (kept, rejected).

    `kinds` are the kinds this round synthesized: each judged one gets a funnel row, even when empty."""
    to_judge = [r for r in records if cfg.judged(r.kind)]
    kept = [r for r in records if not cfg.judged(r.kind)]
    rejected: list[RejectedRecord] = []
    jc = cfg.judge
    requests = [judge_request(r, posts, scenarios, cfg.posts.max_chars, jc.max_tokens, jc.explain) for r in to_judge]
    results = backend.run(requests, progress=progress, stage="judge") if requests else []
    for rec, res in zip(to_judge, results):
        base = {
            "record_id": rec.record_id,
            "kind": rec.kind,
            "user_id": rec.user_id,
            "stage": "judge",
            "content": content(rec),
        }
        if not res.ok:
            rejected.append(
                RejectedRecord(**base, reason=f"judge_failed:{res.reason}", detail=res.error, raw=raw_snippet(res.raw))
            )
            continue
        reply = res.value.model_dump()  # type: ignore[union-attr]
        scores = {m: int(reply[m]) for m in JUDGE_METRICS[rec.kind]}
        failed = failed_metrics(scores, rec.kind, cfg.judge, getattr(rec, "variant", None))
        if failed:
            rejected.append(
                RejectedRecord(
                    **base,
                    reason=f"judge_below_threshold:{failed[0]}",
                    judge_scores=scores,
                    failed_metrics=failed,
                    detail=reply.get("explanation"),
                )
            )
        else:
            kept.append(rec.model_copy(update={"judge_scores": scores}))
    for kind in (k for k in kinds if cfg.judged(k)):
        funnel.add(
            "judge",
            kind,
            sum(r.kind == kind for r in to_judge),
            sum(r.kind == kind for r in kept),
            [r.reason for r in rejected if r.kind == kind],
        )
    return kept, rejected
