"""`synthesis/` config group: which curation stages run, on how many users, and the judge's keep rule.

mode=raw skips curation entirely (tasks are built from raw text only); mode=structured runs
clean/tag → synthesis (profile, style, scenario, social QA) → judge QC, each switchable; mode=paper
writes the official code's records (persona, profile paragraph, story lists, long scenarios, scenario
QA) and judges them with its metric sets and per-kind keep thresholds (docs/fidelity.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from humanllm.data.records import Platform, PostKind
from humanllm.schema import StrictModel, at

RecordKind = Literal["profile", "style", "scenario", "social_qa"]
RECORD_KINDS: tuple[RecordKind, ...] = ("profile", "style", "scenario", "social_qa")
PaperKind = Literal["persona", "profile_paragraph", "stories", "long_scenario", "scenario_qa", "style", "post_summary"]
PAPER_KINDS: tuple[PaperKind, ...] = (
    "persona",
    "profile_paragraph",
    "stories",
    "long_scenario",
    "scenario_qa",
    "style",
    "post_summary",
)
PAPER_JUDGED: tuple[PaperKind, ...] = ("persona", "profile_paragraph", "stories", "long_scenario", "scenario_qa")
QAVariant = Literal["plain", "reason", "action", "thought"]

# The judge's metrics per record kind (PAPER.md "Quality control"); every score is 1-10, higher = better.
JUDGE_METRICS: dict[str, tuple[str, ...]] = {
    "profile": (
        "hallucination",
        "coverage",
        "conciseness",
        "relevance",
        "fluency",
        "informativeness",
        "novelty",
        "overall",
    ),
    "style": ("hallucination", "fidelity", "conciseness", "informativeness", "overall"),
    "scenario": ("hallucination", "coverage", "fidelity", "novelty", "overall"),
    "social_qa": ("hallucination", "coverage", "fidelity", "novelty", "leakage", "overall"),
    # mode=paper: the official judge's metric sets (judger_prompts.py), one per record kind
    "persona": ("hallucination", "coverage", "conciseness", "relevance", "overall"),
    "profile_paragraph": (
        "hallucination",
        "coverage",
        "relevance",
        "fluency",
        "conciseness",
        "informativeness",
        "novelty",
        "overall",
    ),
    "stories": ("hallucination", "coverage", "informativeness", "novelty", "overall"),
    "long_scenario": ("hallucination", "coverage", "fidelity", "novelty", "overall"),
    "scenario_qa": ("hallucination", "coverage", "fidelity", "novelty", "leakage", "overall"),
}
ALL_KINDS_POSTS: list[PostKind] = ["submission", "comment", "tweet", "blog_post", "review"]


class PostSelection(StrictModel):
    """Which of a user's posts enter curation."""

    kinds: list[PostKind] = Field(default_factory=lambda: list(ALL_KINDS_POSTS), min_length=1)
    per_user: int | None = Field(6, ge=1)  # the user's most recent N posts of those kinds; null: all
    max_chars: int = Field(600, ge=50)  # posts are clipped to this in every prompt


class CleanConfig(StrictModel):
    """The LLM filter: tag each post (usable, unsafe, social event), optionally rewrite it, apply rules."""

    enabled: bool = True
    prompt: Literal["short", "paper"] = "short"  # paper: the official pass (rewrite + unsafe / social-event tags)
    rewrite: bool = False  # also ask for a cleaned rewrite (costs output tokens ≈ the post's length)
    reject_unusable: bool = True  # drop posts the LLM marks as not usable (spam, no content)
    reject_unsafe: bool = True
    require_social_event: bool = False  # drop posts that describe no social event
    on_failure: Literal["keep", "reject"] = "reject"  # a post whose tagging request failed
    max_tokens: int | None = Field(None, ge=8)  # null: 64 for tags, llm.max_tokens with rewrite

    @model_validator(mode="after")
    def _paper_rewrites(self) -> CleanConfig:
        if self.prompt == "paper" and not self.rewrite:
            raise at("rewrite", "the paper's cleaning pass always rewrites the post: set rewrite=true")
        return self


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
    """LLM judge QC: keep a record when overall >= overall_min and every other metric >= its minimum.

    `per_kind` replaces that rule for one record kind (or one `<kind>.<variant>`, e.g. scenario_qa.reason)
    with a full {metric: minimum} map, as the official code's `check_quality(metrics=...)` does."""

    enabled: bool = True
    kinds: list[str] = Field(default_factory=lambda: list(RECORD_KINDS))  # kinds not listed are kept unjudged
    overall_min: int = Field(9, ge=1, le=10)
    metric_min: int = Field(8, ge=1, le=10)
    per_metric: dict[str, int] = Field(default_factory=dict)  # overrides, e.g. {leakage: 7}
    per_kind: dict[str, dict[str, int]] = Field(default_factory=dict)  # e.g. {persona: {coverage: 7, overall: 8, ...}}
    explain: bool = False  # ask for a short explanation before the scores (the official judge's order)
    max_tokens: int = Field(96, ge=16)

    @model_validator(mode="after")
    def _known_metrics(self) -> JudgeConfig:
        known = {m for ms in JUDGE_METRICS.values() for m in ms}
        for name in self.kinds:
            if name not in JUDGE_METRICS:
                raise at("kinds", f"unknown record kind {name!r}; known: {', '.join(JUDGE_METRICS)}")
        for name, value in self.per_metric.items():
            if name not in known:
                raise at(f"per_metric.{name}", f"unknown metric; known: {', '.join(sorted(known))}")
            if not 1 <= value <= 10:
                raise at(f"per_metric.{name}", f"must be within 1..10 (got {value})")
        for target, rule in self.per_kind.items():
            kind = target.split(".", 1)[0]
            if kind not in JUDGE_METRICS:
                raise at(f"per_kind.{target}", f"unknown record kind; known: {', '.join(JUDGE_METRICS)}")
            for metric, value in rule.items():
                if metric not in JUDGE_METRICS[kind]:
                    raise at(
                        f"per_kind.{target}.{metric}",
                        f"not a {kind} metric; its metrics: {', '.join(JUDGE_METRICS[kind])}",
                    )
                if not 1 <= value <= 10:
                    raise at(f"per_kind.{target}.{metric}", f"must be within 1..10 (got {value})")
        return self

    def minimum(self, metric: str) -> int:
        if metric in self.per_metric:
            return self.per_metric[metric]
        return self.overall_min if metric == "overall" else self.metric_min

    def rule(self, kind: str, variant: str | None = None) -> dict[str, int]:
        """{metric: minimum} for one record kind (and variant): per_kind when set, else the global rule."""
        if variant is not None and f"{kind}.{variant}" in self.per_kind:
            return dict(self.per_kind[f"{kind}.{variant}"])
        if kind in self.per_kind:
            return dict(self.per_kind[kind])
        return {m: self.minimum(m) for m in JUDGE_METRICS[kind]}


class PaperConfig(StrictModel):
    """mode=paper: which posts feed which official record kind, and how much of each is written.

    Per-user kinds (persona, profile paragraph, stories) read all of a user's kept source posts; per-post
    kinds (long scenario, scenario QA) are written from each of the first `*_posts` kept source posts."""

    kinds: list[PaperKind] = Field(default_factory=lambda: list(PAPER_KINDS), min_length=1)
    source_kinds: list[PostKind] = Field(
        default_factory=lambda: ["submission", "tweet", "blog_post", "review"], min_length=1
    )  # the official code writes records from posts, not comments
    min_posts: int = Field(3, ge=1)  # users with fewer kept source posts get no records (official min_post=3)
    user_posts_in_prompt: int | None = Field(None, ge=1)  # null: every kept source post, oldest first
    long_scenario_posts: int = Field(40, ge=1)  # official max_post for long scenarios
    post_summary_posts: int | None = Field(None, ge=1)  # null: every kept source post (the writing topic)
    qa_variants: list[QAVariant] = Field(default_factory=lambda: ["plain", "action", "thought", "reason"], min_length=1)
    qa_posts: dict[QAVariant, int] = Field(
        default_factory=lambda: {"plain": 20, "action": 20, "thought": 20, "reason": 60}
    )
    max_tokens: dict[PaperKind, int] = Field(
        default_factory=lambda: {
            "persona": 256,
            "profile_paragraph": 768,
            "stories": 2048,
            "long_scenario": 768,
            "scenario_qa": 768,
            "style": 512,
            "post_summary": 128,
        }
    )

    @model_validator(mode="after")
    def _all_kinds_sized(self) -> PaperConfig:
        for kind in self.kinds:
            if kind not in self.max_tokens:
                raise at(f"max_tokens.{kind}", "missing: give every enabled kind a max_tokens")
        for variant in self.qa_variants:
            if variant not in self.qa_posts:
                raise at(f"qa_posts.{variant}", "missing: give every QA variant a number of posts")
        return self


class SynthesisConfig(StrictModel):
    name: str
    mode: Literal["raw", "structured", "paper"] = "raw"
    max_users: int | None = Field(20, ge=1)  # null: every user of the corpus
    platforms: list[Platform] = Field(default_factory=lambda: ["reddit", "twitter", "blogger", "amazon"], min_length=1)
    posts: PostSelection = Field(default_factory=PostSelection)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    profile: KindConfig = Field(default_factory=KindConfig)
    style: KindConfig = Field(default_factory=lambda: KindConfig(posts_in_prompt=3, max_tokens=120))
    scenario: ScenarioConfig = Field(default_factory=ScenarioConfig)
    social_qa: SocialQAConfig = Field(default_factory=lambda: SocialQAConfig(max_tokens=160))
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    unselected_posts: Literal["drop", "raw"] = (
        "drop"  # posts curation never selected: left out of the cleaned corpus, or kept raw
    )
    paper: PaperConfig = Field(default_factory=PaperConfig)

    @model_validator(mode="after")
    def _stages_fit(self) -> SynthesisConfig:
        if self.mode == "structured" and self.social_qa.enabled and not self.scenario.enabled:
            raise at("social_qa.enabled", "social QA is asked about scenarios: set scenario.enabled=true too")
        return self

    def enabled_kinds(self) -> list[str]:
        if self.mode == "paper":
            return list(self.paper.kinds)
        return [k for k in RECORD_KINDS if getattr(self, k).enabled]

    def judged(self, kind: str) -> bool:
        return self.judge.enabled and kind in self.judge.kinds
