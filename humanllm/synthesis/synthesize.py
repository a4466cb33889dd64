"""Synthesis: plan one LLM request per record to write, run them, turn replies into typed records.

Round 1 writes profiles, styles and scenarios per user; round 2 writes social QA about the scenarios
that survived round 1. A planned record without source posts, or whose request failed, is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from humanllm.funnel import CurationFunnel
from humanllm.llm.types import LLMRequest
from humanllm.synthesis.config import SynthesisConfig
from humanllm.synthesis.paper_schemas import PAPER_DRAFTS
from humanllm.synthesis.prompts import profile_messages, qa_messages, scenario_messages, style_messages
from humanllm.synthesis.records import RECORD_MODELS, CleanedPost, CuratedRecord, RejectedRecord, Scenario, raw_snippet
from humanllm.synthesis.schemas import DRAFTS

if TYPE_CHECKING:
    from humanllm.llm.base import LLMBackend


@dataclass
class Draft:
    """A record to write: who it is about, the posts it comes from, and the request that writes it."""

    record_id: str
    kind: str
    user_id: str
    platform: str
    source_post_ids: list[str]
    request: LLMRequest
    extra: dict[str, Any] = field(default_factory=dict)  # fields not written by the LLM (scenario_id, variant)


@dataclass
class Plan:
    drafts: list[Draft] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)  # planned but impossible (no source posts)

    def draft(
        self,
        record_id: str,
        kind: str,
        posts: list[CleanedPost],
        messages: list[dict[str, str]],
        max_tokens: int,
        **extra: Any,
    ) -> None:
        req = LLMRequest(record_id, messages, schema={**DRAFTS, **PAPER_DRAFTS}[kind], max_tokens=max_tokens)
        p = posts[0]
        self.drafts.append(Draft(record_id, kind, p.user_id, p.platform, [x.post_id for x in posts], req, extra))

    def impossible(self, record_id: str, kind: str, user_id: str, reason: str = "no_source_posts") -> None:
        self.rejected.append(
            RejectedRecord(record_id=record_id, kind=kind, user_id=user_id, stage="synthesize", reason=reason)
        )


def scenario_sources(posts: list[CleanedPost], n: int, prefer_social: bool) -> list[CleanedPost]:
    """The n posts scenarios are drawn from: social-event posts first (if preferred), most recent first."""
    recent = list(reversed(posts))
    if prefer_social:
        recent.sort(key=lambda p: not p.social_event)  # stable: recency kept within each group
    return recent[:n]


def plan_user_records(posts: dict[str, list[CleanedPost]], cfg: SynthesisConfig) -> Plan:
    """Round 1: a profile, a style and `scenario.per_user` scenarios per user (the enabled ones)."""
    plan, chars = Plan(), cfg.posts.max_chars
    for uid, user_posts in posts.items():
        for kind, make in (("profile", profile_messages), ("style", style_messages)):
            kc = getattr(cfg, kind)
            if not kc.enabled:
                continue
            chosen = user_posts[-kc.posts_in_prompt :]
            if chosen:
                plan.draft(f"{kind}:{uid}", kind, chosen, make([p.text for p in chosen], chars), kc.max_tokens)
            else:
                plan.impossible(f"{kind}:{uid}", kind, uid)
        sc = cfg.scenario
        if sc.enabled:
            sources = scenario_sources(user_posts, sc.per_user, sc.prefer_social_events)
            for i in range(sc.per_user):
                rid = f"scenario:{uid}:{i}"
                if i < len(sources):
                    plan.draft(rid, "scenario", [sources[i]], scenario_messages(sources[i].text, chars), sc.max_tokens)
                else:
                    plan.impossible(rid, "scenario", uid)
    return plan


def plan_social_qa(scenarios: list[Scenario], posts: dict[str, CleanedPost], cfg: SynthesisConfig) -> Plan:
    """Round 2: `social_qa.per_scenario` questions per kept scenario, variants taken in turn."""
    plan, qc = Plan(), cfg.social_qa
    for s in scenarios:
        source = [posts[i] for i in s.source_post_ids if i in posts]
        for j in range(qc.per_scenario):
            rid = f"social_qa:{s.record_id.removeprefix('scenario:')}:{j}"
            variant = qc.variants[j % len(qc.variants)]
            if not source:
                plan.impossible(rid, "social_qa", s.user_id)
                continue
            msgs = qa_messages(s.situation, source[0].text, variant, cfg.posts.max_chars)
            plan.draft(rid, "social_qa", source, msgs, qc.max_tokens, scenario_id=s.record_id, variant=variant)
    return plan


def run_plan(
    backend: LLMBackend, plan: Plan, kinds: list[str], funnel: CurationFunnel, progress: bool
) -> tuple[list[CuratedRecord], list[RejectedRecord]]:
    """Send the plan's requests; returns the records written and every rejection (planned ones included)."""
    results = backend.run([d.request for d in plan.drafts], progress=progress, stage="synthesize")
    records: list[CuratedRecord] = []
    rejected = list(plan.rejected)
    for d, res in zip(plan.drafts, results):
        if res.ok:
            fields = res.value.model_dump()  # type: ignore[union-attr]
            records.append(
                RECORD_MODELS[d.kind](
                    record_id=d.record_id,
                    user_id=d.user_id,
                    platform=d.platform,
                    source_post_ids=d.source_post_ids,
                    **d.extra,
                    **fields,
                )
            )
        else:
            rejected.append(
                RejectedRecord(
                    record_id=d.record_id,
                    kind=d.kind,
                    user_id=d.user_id,
                    stage="synthesize",
                    reason=f"synthesis_failed:{res.reason}",
                    detail=res.error,
                    raw=raw_snippet(res.raw),
                )
            )
    for kind in kinds:
        n_in = sum(d.kind == kind for d in plan.drafts) + sum(r.kind == kind for r in plan.rejected)
        funnel.add(
            "synthesize",
            kind,
            n_in,
            sum(r.kind == kind for r in records),
            [r.reason for r in rejected if r.kind == kind],
        )
    return records, rejected
