"""What a task family is: a named generator of chat examples from the corpus, with typed params."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

from pydantic import BaseModel, Field

from humanllm.data.records import Corpus
from humanllm.schema import StrictModel


class TaskExample(BaseModel):
    """One chat example. The last message is the assistant target; `meta` feeds in-domain scoring."""

    example_id: str
    task: str
    user_id: str
    messages: list[dict[str, str]]
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def prompt(self) -> list[dict[str, str]]:
        return self.messages[:-1]

    @property
    def reference(self) -> str:
        return self.messages[-1]["content"]


@dataclass
class TaskInputs:
    """Everything a task family may read: the rule-filtered corpus and, if built, curated records."""

    corpus: Corpus
    curated: Any | None = None  # humanllm.curate records (profiles, scenarios, social QA, styles)


class TaskFamily(ABC):
    """Subclass, set the class attributes, implement `examples`, and decorate with @register."""

    name: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[StrictModel]]
    metrics: ClassVar[tuple[str, ...]]  # in-domain scorers, see humanllm.evaluate.indomain
    needs_curated: ClassVar[bool] = False
    version: ClassVar[int] = 1  # bump when the examples a family generates change (part of the stage key)

    @abstractmethod
    def examples(self, inputs: TaskInputs, params: Any, rng: random.Random) -> Iterator[TaskExample]:
        """Yield every example the inputs support (capping and splitting happen afterwards)."""

    def chat(self, key: str, user_id: str, system: str, ask: str, answer: str, **meta: Any) -> TaskExample:
        """A system / user / assistant example with id `<family>:<key>`."""
        return TaskExample(
            example_id=f"{self.name}:{key}", task=self.name, user_id=user_id,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": ask},
                      {"role": "assistant", "content": answer}],
            meta=meta,
        )


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
            return text[: pos + len(sep)].strip(), text[pos + len(sep):].strip()
    return text[:mid].strip(), text[mid:].strip()
