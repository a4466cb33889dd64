"""The curated records (Person / Environment / Behaviour) as stored, and `load_curated` for task families.

Every synthesized record points back to the posts it came from (`source_post_ids`) and carries the
judge's scores when it was judged. Kept records go to one file per kind; every rejected post or
record goes to rejected.jsonl with the stage, the reason and, where there was one, its content and scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from humanllm.curate.config import QAVariant
from humanllm.data.records import Platform, PostKind
from humanllm.io import read_jsonl

FILES = {"posts": "posts.jsonl", "profile": "profiles.jsonl", "style": "styles.jsonl",
         "scenario": "scenarios.jsonl", "social_qa": "social_qa.jsonl", "rejected": "rejected.jsonl"}


class CleanedPost(BaseModel):
    """A post that survived the clean/tag pass (text rewritten when clean.rewrite is on)."""

    post_id: str
    user_id: str
    platform: Platform
    kind: PostKind
    text: str
    title: str | None = None
    usable: bool | None = None  # None: not tagged (clean pass off, or kept after a failed request)
    unsafe: bool | None = None
    social_event: bool | None = None
    rewritten: bool = False


class CuratedRecord(BaseModel):
    record_id: str
    kind: str
    user_id: str
    platform: Platform
    source_post_ids: list[str]
    judge_scores: dict[str, int] | None = None  # None: not judged (judge off for this kind)


class Profile(CuratedRecord):
    """Person: a short persona of the user."""

    kind: Literal["profile"] = "profile"
    summary: str
    traits: str
    interests: str

    def text(self) -> str:
        return f"{self.summary}\nTraits: {self.traits}\nInterests: {self.interests}"


class Style(CuratedRecord):
    """How the user writes."""

    kind: Literal["style"] = "style"
    style: str


class Scenario(CuratedRecord):
    """Environment + behaviour drawn from one post: the situation, then what the user did or felt."""

    kind: Literal["scenario"] = "scenario"
    theme: str
    situation: str
    behavior: str

    @property
    def story(self) -> str:
        return f"{self.situation.strip()} {self.behavior.strip()}".strip()


class SocialQA(CuratedRecord):
    """A question about the user's behaviour in a scenario, answered from their post."""

    kind: Literal["social_qa"] = "social_qa"
    scenario_id: str
    variant: QAVariant
    question: str
    answer: str


RECORD_MODELS: dict[str, type[CuratedRecord]] = {
    "profile": Profile, "style": Style, "scenario": Scenario, "social_qa": SocialQA,
}


class RejectedRecord(BaseModel):
    """A post or synthesized record that was dropped, with where and why."""

    record_id: str
    kind: str  # user | post | profile | style | scenario | social_qa
    user_id: str
    stage: str  # select | clean | synthesize | judge
    reason: str  # e.g. clean_unsafe, synthesis_failed:truncated, judge_below_threshold:leakage
    detail: str | None = None
    judge_scores: dict[str, int] | None = None
    failed_metrics: list[str] = Field(default_factory=list)
    content: dict[str, Any] | None = None  # the synthesized fields, when there were any
    raw: str | None = None  # the start of the LLM's last reply, when a request failed


def raw_snippet(raw: str | None, max_chars: int = 400) -> str | None:
    """What a failed reply began with, for inspection (kept short)."""
    return None if raw is None else raw[:max_chars]


@dataclass
class CuratedSet:
    """The kept records of one curated artifact, as task families read them."""

    posts: dict[str, CleanedPost] = field(default_factory=dict)  # by post_id
    profiles: dict[str, Profile] = field(default_factory=dict)  # by user_id
    styles: dict[str, Style] = field(default_factory=dict)  # by user_id
    scenarios: list[Scenario] = field(default_factory=list)
    social_qa: list[SocialQA] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._scenario_index = {s.record_id: s for s in self.scenarios}

    def scenario(self, record_id: str) -> Scenario | None:
        return self._scenario_index.get(record_id)

    def posts_of(self, ids: list[str]) -> list[CleanedPost]:
        return [self.posts[i] for i in ids if i in self.posts]


def load_curated(path: str | Path) -> CuratedSet:
    """Read a curated artifact folder (written by humanllm.curate.stage)."""
    path = Path(path)
    if not (path / FILES["posts"]).is_file():
        raise FileNotFoundError(f"{path}: no {FILES['posts']} here (is it a curated artifact folder?)")

    def read(kind: str) -> list[Any]:
        file = path / FILES[kind]
        model = CleanedPost if kind == "posts" else RECORD_MODELS[kind]
        return [model.model_validate(r) for r in read_jsonl(file)] if file.is_file() else []

    return CuratedSet(
        posts={p.post_id: p for p in read("posts")},
        profiles={p.user_id: p for p in read("profile")},
        styles={s.user_id: s for s in read("style")},
        scenarios=read("scenario"),
        social_qa=read("social_qa"),
    )


def load_rejected(path: str | Path) -> list[RejectedRecord]:
    file = Path(path) / FILES["rejected"]
    return [RejectedRecord.model_validate(r) for r in read_jsonl(file)] if file.is_file() else []
