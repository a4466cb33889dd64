"""`synthesis/` config group: which curation stages run, on how many users, and the judge's keep rule.

mode=raw skips curation entirely (tasks are built from raw text only); mode=structured runs
clean/tag → synthesis (profile, style, scenario, social QA) → judge QC, each switchable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from humanllm.data.records import Platform, PostKind
from humanllm.schema import StrictModel, at

RecordKind = Literal["profile", "style", "scenario", "social_qa"]
RECORD_KINDS: tuple[RecordKind, ...] = ("profile", "style", "scenario", "social_qa")
QAVariant = Literal["plain", "reason", "action", "thought"]

# The judge's metrics per record kind (PAPER.md "Quality control"); every score is 1-10, higher = better.
JUDGE_METRICS: dict[str, tuple[str, ...]] = {
    "profile": ("hallucination", "coverage", "conciseness", "relevance", "fluency", "informativeness", "novelty", "overall"),
    "style": ("hallucination", "fidelity", "conciseness", "informativeness", "overall"),
    "scenario": ("hallucination", "coverage", "fidelity", "novelty", "overall"),
    "social_qa": ("hallucination", "coverage", "fidelity", "novelty", "leakage", "overall"),
}
ALL_KINDS_POSTS: list[PostKind] = ["submission", "comment", "tweet", "blog_post", "review"]


class PostSelection(StrictModel):
    """Which of a user's posts enter curation."""

    kinds: list[PostKind] = Field(default_factory=lambda: list(ALL_KINDS_POSTS), min_length=1)
    per_user: int = Field(6, ge=1)  # the user's most recent N posts of those kinds
    max_chars: int = Field(600, ge=50)  # posts are clipped to this in every prompt


class CleanConfig(StrictModel):
    """The LLM filter: tag each post (usable, unsafe, social event), optionally rewrite it, apply rules."""

    enabled: bool = True
    rewrite: bool = False  # also ask for a cleaned rewrite (costs output tokens ≈ the post's length)
    reject_unusable: bool = True  # drop posts the LLM marks as not usable (spam, no content)
    reject_unsafe: bool = True
    require_social_event: bool = False  # drop posts that describe no social event
    on_failure: Literal["keep", "reject"] = "reject"  # a post whose tagging request failed
    max_tokens: int | None = Field(None, ge=8)  # null: 64 for tags, llm.max_tokens with rewrite


class KindConfig(StrictModel):
    """One synthesized record kind."""

    enabled: bool = True
    posts_in_prompt: int = Field(4, ge=1)
    max_tokens: int = Field(200, ge=16)


class ScenarioConfig(KindConfig):
    per_user: int = Field(2, ge=1)  # one scenario per source post
    prefer_social_events: bool = True  # draw from posts tagged as describing a social event first


class SocialQAConfig(KindConfig):
    per_scenario: int = Field(1, ge=1)  # variants are taken in turn, so 4 gives one of each
    variants: list[QAVariant] = Field(default_factory=lambda: ["plain", "reason", "action", "thought"], min_length=1)


class JudgeConfig(StrictModel):
    """LLM judge QC: keep a record when overall >= overall_min and every other metric >= its minimum."""

    enabled: bool = True
    kinds: list[RecordKind] = Field(default_factory=lambda: list(RECORD_KINDS))  # kinds not listed are kept unjudged
    overall_min: int = Field(9, ge=1, le=10)
    metric_min: int = Field(8, ge=1, le=10)
    per_metric: dict[str, int] = Field(default_factory=dict)  # overrides, e.g. {leakage: 7}
    max_tokens: int = Field(96, ge=16)

    @model_validator(mode="after")
    def _known_metrics(self) -> "JudgeConfig":
        known = {m for ms in JUDGE_METRICS.values() for m in ms}
        for name, value in self.per_metric.items():
            if name not in known:
                raise at(f"per_metric.{name}", f"unknown metric; known: {', '.join(sorted(known))}")
            if not 1 <= value <= 10:
                raise at(f"per_metric.{name}", f"must be within 1..10 (got {value})")
        return self

    def minimum(self, metric: str) -> int:
        if metric in self.per_metric:
            return self.per_metric[metric]
        return self.overall_min if metric == "overall" else self.metric_min


class SynthesisConfig(StrictModel):
    name: str
    mode: Literal["raw", "structured"] = "raw"
    max_users: int | None = Field(20, ge=1)  # null: every user of the corpus
    platforms: list[Platform] = Field(default_factory=lambda: ["reddit", "twitter", "blogger", "amazon"], min_length=1)
    posts: PostSelection = Field(default_factory=PostSelection)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    profile: KindConfig = Field(default_factory=KindConfig)
    style: KindConfig = Field(default_factory=lambda: KindConfig(posts_in_prompt=3, max_tokens=120))
    scenario: ScenarioConfig = Field(default_factory=ScenarioConfig)
    social_qa: SocialQAConfig = Field(default_factory=lambda: SocialQAConfig(max_tokens=160))
    judge: JudgeConfig = Field(default_factory=JudgeConfig)

    @model_validator(mode="after")
    def _stages_fit(self) -> "SynthesisConfig":
        if self.social_qa.enabled and not self.scenario.enabled:
            raise at("social_qa.enabled", "social QA is asked about scenarios: set scenario.enabled=true too")
        return self

    def enabled_kinds(self) -> list[RecordKind]:
        return [k for k in RECORD_KINDS if getattr(self, k).enabled]

    def judged(self, kind: str) -> bool:
        return self.judge.enabled and kind in self.judge.kinds
