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

from humanllm.data.records import Platform, PostKind
from humanllm.io import read_json, read_jsonl
from humanllm.synthesis.config import QAVariant

FILES = {
    "posts": "posts.jsonl",
    "profile": "profiles.jsonl",
    "style": "styles.jsonl",
    "scenario": "scenarios.jsonl",
    "social_qa": "social_qa.jsonl",
    "rejected": "rejected.jsonl",
    "persona": "personas.jsonl",
    "profile_paragraph": "profile_paragraphs.jsonl",
    "stories": "stories.jsonl",
    "long_scenario": "long_scenarios.jsonl",
    "scenario_qa": "scenario_qa.jsonl",
    "post_summary": "post_summaries.jsonl",
}
FORMAT_FILE = "records_format.json"  # {"mode": "structured" | "paper"}: which record design the artifact holds
CLEANED_CORPUS = "corpus"  # the corpus with cleaned text: what every task family reads when synthesis is not raw


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


class Persona(CuratedRecord):
    """mode=paper: a short persona paragraph (at most 100 words asked) from all the user's kept posts."""

    kind: Literal["persona"] = "persona"
    persona: str


class ProfileParagraph(CuratedRecord):
    """mode=paper: a profile paragraph (100-400 words asked) from all the user's kept posts."""

    kind: Literal["profile_paragraph"] = "profile_paragraph"
    profile: str


class Story(BaseModel):
    summary: str
    content: str


class Stories(CuratedRecord):
    """mode=paper: the user's life stories in time order, each {summary, content}."""

    kind: Literal["stories"] = "stories"
    stories: list[Story]


class LongScenario(CuratedRecord):
    """mode=paper: one post as characters + a one-line summary + a long third-person scenario."""

    kind: Literal["long_scenario"] = "long_scenario"
    characters: list[str]
    summary: str
    scenario: str


class ScenarioQA(CuratedRecord):
    """mode=paper: scenario, question and answer written together from one post (one variant's prompt)."""

    kind: Literal["scenario_qa"] = "scenario_qa"
    variant: QAVariant
    scenario: str
    question: str
    answer: str


class PostSummary(CuratedRecord):
    """mode=paper: a one-or-two-sentence objective summary of one post (the writing-imitation topic)."""

    kind: Literal["post_summary"] = "post_summary"
    summary: str


RECORD_MODELS: dict[str, type[CuratedRecord]] = {
    "profile": Profile,
    "style": Style,
    "scenario": Scenario,
    "social_qa": SocialQA,
    "persona": Persona,
    "profile_paragraph": ProfileParagraph,
    "stories": Stories,
    "long_scenario": LongScenario,
    "scenario_qa": ScenarioQA,
    "post_summary": PostSummary,
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
    # mode=paper records
    personas: dict[str, Persona] = field(default_factory=dict)  # by user_id
    profile_paragraphs: dict[str, ProfileParagraph] = field(default_factory=dict)  # by user_id
    stories: dict[str, Stories] = field(default_factory=dict)  # by user_id
    long_scenarios: list[LongScenario] = field(default_factory=list)
    scenario_qa: list[ScenarioQA] = field(default_factory=list)
    post_summaries: dict[str, PostSummary] = field(default_factory=dict)  # by the post's id
    mode: str = "structured"  # the synthesis mode that wrote the records

    @property
    def paper(self) -> bool:
        """True when the records are in the official code's format (synthesis mode=paper)."""
        return self.mode == "paper"

    def user_descriptions(self, user_id: str) -> list[str]:
        """The kept persona and profile paragraph of a user (the official 'user description' pool)."""
        found = [self.personas.get(user_id), self.profile_paragraphs.get(user_id)]
        return [r.persona if isinstance(r, Persona) else r.profile for r in found if r is not None]

    def __post_init__(self) -> None:
        self._scenario_index = {s.record_id: s for s in self.scenarios}

    def scenario(self, record_id: str) -> Scenario | None:
        return self._scenario_index.get(record_id)

    def posts_of(self, ids: list[str]) -> list[CleanedPost]:
        return [self.posts[i] for i in ids if i in self.posts]


def load_curated(path: str | Path) -> CuratedSet:
    """Read a curated artifact folder (written by humanllm.synthesis.stage)."""
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
        personas={p.user_id: p for p in read("persona")},
        profile_paragraphs={p.user_id: p for p in read("profile_paragraph")},
        stories={s.user_id: s for s in read("stories")},
        long_scenarios=read("long_scenario"),
        scenario_qa=read("scenario_qa"),
        post_summaries={s.source_post_ids[0]: s for s in read("post_summary")},
        mode=read_json(path / FORMAT_FILE)["mode"] if (path / FORMAT_FILE).is_file() else "structured",
    )


def cleaned_corpus_path(curated_path: str | Path) -> Path:
    """The cleaned corpus inside a curated artifact: open it with humanllm.data.records.Corpus."""
    path = Path(curated_path) / CLEANED_CORPUS
    if not (path / "users.jsonl").is_file():
        raise FileNotFoundError(f"{path}: no cleaned corpus here (is {curated_path} a curated artifact folder?)")
    return path


def load_rejected(path: str | Path) -> list[RejectedRecord]:
    file = Path(path) / FILES["rejected"]
    return [RejectedRecord.model_validate(r) for r in read_jsonl(file)] if file.is_file() else []
