"""What a task family is: a named generator of chat examples from the corpus, with typed params."""

from __future__ import annotations

import functools
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from humanllm.data.records import Corpus, Post
from humanllm.schema import StrictModel


class TaskExample(BaseModel):
    """One chat example. The last message is the assistant target; `meta` feeds in-domain scoring."""

    example_id: str
    task: str
    user_id: str
    messages: list[dict[str, str]]
    meta: dict[str, Any] = Field(default_factory=dict)
    # other users whose text the example quotes (e.g. a thread's author): the split drops a training
    # example that quotes a held-out user, so no held-out text reaches training
    quoted_users: list[str] = Field(default_factory=list)

    @property
    def prompt(self) -> list[dict[str, str]]:
        return self.messages[:-1]

    @property
    def reference(self) -> str:
        return self.messages[-1]["content"]


class Skipped(BaseModel):
    """An example a family could not make, and why (written to skipped.jsonl; counts reconcile)."""

    key: str
    task: str
    user_id: str
    reason: str


@dataclass
class TaskInputs:
    """Everything a task family may read: the corpus and, if curation ran, its records.

    With curation (synthesis != raw) `corpus` is the cleaned corpus the curated artifact holds (cleaned
    text; posts and threads the clean pass dropped are absent), and `curated` the kept records, from
    which the raw-text families take personas, style descriptions and post summaries.
    """

    corpus: Corpus
    curated: Any | None = None  # humanllm.synthesis.records.CuratedSet

    def post_topic(self, post: Post) -> str | None:
        """What a post is about: curation's summary of it when there is one, else the post's own title."""
        summary = self._post_summaries.get(post.post_id)
        return summary or (post.title or "").strip() or None

    @functools.cached_property
    def _post_summaries(self) -> dict[str, str]:
        return post_summaries(self.curated) if self.curated is not None else {}

    def persona_required(self, user_id: str) -> bool:
        """Whether the official formats must skip this user for want of a persona: curation ran on the
        user (some post of theirs was cleaned) and kept no persona. Users curation never looked at
        (a capped `synthesis.max_users`) are treated as without curation."""
        return self.curated is not None and user_id in self._curated_users and not self.personas(user_id)

    @functools.cached_property
    def _curated_users(self) -> set[str]:
        return {p.user_id for p in self.curated.posts.values()} if self.curated is not None else set()

    def personas(self, user_id: str) -> list[str]:
        """The user's kept descriptions: persona and profile paragraph (paper records), else the
        structured profile; none without curation."""
        if self.curated is None:
            return []
        found = self.curated.user_descriptions(user_id)
        if not found and user_id in self.curated.profiles:
            found = [self.curated.profiles[user_id].text()]
        return [text.strip() for text in found if text.strip()]

    def style(self, user_id: str) -> str | None:
        """The user's kept writing-style description, if curation wrote one."""
        record = None if self.curated is None else self.curated.styles.get(user_id)
        if record is None or not record.style.strip():
            return None
        return record.style.strip()


def post_summaries(curated: Any) -> dict[str, str]:
    """{post id: curation's one-line summary of that post}: the paper post summaries, else the theme of
    a structured scenario drawn from that one post."""
    out = {pid: r.summary.strip() for pid, r in curated.post_summaries.items() if r.summary.strip()}
    for scenario in curated.scenarios:
        if len(scenario.source_post_ids) == 1 and scenario.theme.strip():
            out.setdefault(scenario.source_post_ids[0], scenario.theme.strip())
    return out


class TaskFamily(ABC):
    """Subclass, set the class attributes (`rubric` included, None when not judged), implement `examples`,
    and decorate with @register."""

    name: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[StrictModel]]
    metrics: ClassVar[tuple[str, ...]]  # in-domain scorers, see humanllm.eval.indomain
    # The question the LLM judge asks of each generated answer (humanllm.eval.judge), or None: the family
    # is not judged. Every family must say which (no default): @register refuses one that does not.
    rubric: ClassVar[str | None]
    needs_curated: ClassVar[bool] = False

    @abstractmethod
    def examples(self, inputs: TaskInputs, params: Any, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        """Yield every example the inputs support, and a Skipped for each one they do not (capping and
        splitting happen afterwards)."""

    def chat(
        self,
        key: str,
        user_id: str,
        system: str | None,
        ask: str,
        answer: str,
        quoted_users: list[str] | None = None,
        **meta: Any,
    ) -> TaskExample:
        """A [system] / user / assistant example with id `<family>:<key>` (no system message when None)."""
        head = [] if system is None else [{"role": "system", "content": system}]
        return TaskExample(
            example_id=f"{self.name}:{key}",
            task=self.name,
            user_id=user_id,
            messages=[*head, {"role": "user", "content": ask}, {"role": "assistant", "content": answer}],
            meta=meta,
            quoted_users=sorted(set(quoted_users or []) - {user_id}),
        )

    def skip(self, key: str, user_id: str, reason: str) -> Skipped:
        return Skipped(key=f"{self.name}:{key}", task=self.name, user_id=user_id, reason=reason)


class CuratedTaskFamily(TaskFamily):
    """A family made from the curated records: from the paper's records when synthesis wrote them
    (`synthesis=paper`), else from the structured ones."""

    needs_curated: ClassVar[bool] = True

    def examples(self, inputs: TaskInputs, params: Any, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        if inputs.curated.paper:
            yield from self.paper_examples(inputs, params, rng)
        else:
            yield from self.structured_examples(inputs, params)

    @abstractmethod
    def paper_examples(self, inputs: TaskInputs, params: Any, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        """Examples from the paper's records."""

    @abstractmethod
    def structured_examples(self, inputs: TaskInputs, params: Any) -> Iterator[TaskExample]:
        """Examples from the structured records."""


def clip(text: str, max_chars: int) -> str:
    """Cut at a word boundary and mark the cut."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0]
    return cut + " …"


def first_half(text: str) -> tuple[str, str]:
    """Split a text near its middle at a sentence or word boundary."""
    mid = len(text) // 2
    for sep in (". ", "! ", "? ", "\n", " "):
        pos = text.find(sep, mid)
        if 0 < pos < len(text) - 20:
            return text[: pos + len(sep)].strip(), text[pos + len(sep) :].strip()
    return text[:mid].strip(), text[mid:].strip()
