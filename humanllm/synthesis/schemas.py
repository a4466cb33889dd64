"""What the LLM is asked to return: small flat JSON objects, sent as the request schema and validated.

Titles are stripped from the JSON schemas: small models otherwise copy a field's title ("Situation")
as its value when the schema is shown in the prompt.
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, create_model

from humanllm.synthesis.config import JUDGE_METRICS


def _without_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _without_titles(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_without_titles(v) for v in schema]
    return schema


class LLMOutput(BaseModel):
    """Base of every LLM output schema."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return _without_titles(super().model_json_schema(*args, **kwargs))


_WORD = re.compile(r"[^\W\d_]{2}")


def _has_words(text: str) -> str:
    """Reject filler such as "{{" or "..." (not in the JSON schema; a failure is a schema_mismatch)."""
    if not _WORD.search(text):
        raise ValueError("must contain words")
    return text.strip()


Text = Annotated[str, Field(min_length=2), AfterValidator(_has_words)]


class PostTags(LLMOutput):
    usable: bool  # a real personal post (not spam, not empty)
    unsafe: bool  # hateful, sexual, violent or otherwise unsafe content
    social_event: bool  # describes an event involving other people


class PostRewrite(LLMOutput):
    text: Text  # the post, cleaned: typos fixed, noise and personal data removed
    usable: bool
    unsafe: bool
    social_event: bool


class ProfileDraft(LLMOutput):
    summary: Text  # who they are
    traits: Text  # personality and values
    interests: Text


class StyleDraft(LLMOutput):
    style: Text  # tone, length, vocabulary, habits


class ScenarioDraft(LLMOutput):
    theme: Text
    situation: Text  # what happened around the person (the environment)
    behavior: Text  # what they did, thought or felt (the behaviour)


class QADraft(LLMOutput):
    question: Text
    answer: Text


DRAFTS: dict[str, type[LLMOutput]] = {
    "profile": ProfileDraft,
    "style": StyleDraft,
    "scenario": ScenarioDraft,
    "social_qa": QADraft,
}


# A judge score 1-10. An enum rather than minimum/maximum: grammar-constrained servers (llama.cpp)
# enforce enums but not ranges; one shared $defs entry keeps the schema in the prompt short.
class Score(IntEnum):
    S1, S2, S3, S4, S5, S6, S7, S8, S9, S10 = range(1, 11)


@cache
def judge_schema(kind: str, explain: bool = False) -> type[LLMOutput]:
    """The judge's reply for one record kind: an integer 1-10 per metric (built once per kind), after a
    short `explanation` when `explain` (the official judge reasons first, then scores)."""
    fields: dict[str, Any] = {"explanation": (Text, ...)} if explain else {}
    fields.update({m: (Score, ...) for m in JUDGE_METRICS[kind]})
    name = "".join(p.title() for p in kind.split("_")) + ("ExplainedScores" if explain else "Scores")
    return create_model(name, __base__=LLMOutput, **fields)
