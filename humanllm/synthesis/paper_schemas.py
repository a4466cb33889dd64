"""What the LLM returns under synthesis mode=paper: the official code's record shapes as JSON objects.

The official scripts ask for free text, XML or a JSON list and parse it with regexes; we ask for the
same fields as a schema, so a malformed reply is re-asked once and then rejected with a reason.
"""

from __future__ import annotations

from pydantic import Field

from humanllm.synthesis.schemas import LLMOutput, StyleDraft, Text


class PaperClean(LLMOutput):
    """The official cleaning pass: the post rewritten (grammar, format, private data) and two tags."""

    text: Text
    unsafe: bool  # the post's main theme endorses unsafe content
    social_event: bool  # a concrete story of the author's social behaviour or inner thoughts


class PersonaDraft(LLMOutput):
    persona: Text  # one third-person paragraph, at most 100 words


class ProfileParagraphDraft(LLMOutput):
    profile: Text  # one third-person paragraph, 100-400 words


class StoryItem(LLMOutput):
    summary: Text  # one short sentence without commas
    content: Text  # the story, first person


class StoriesDraft(LLMOutput):
    stories: list[StoryItem] = Field(min_length=1)  # in time order, at most 20


class LongScenarioDraft(LLMOutput):
    characters: list[Text] = Field(min_length=1)  # "Name: persona", the author first
    summary: Text  # one short sentence
    scenario: Text  # third person, 150-300 words


class ScenarioQADraft(LLMOutput):
    scenario: Text
    question: Text
    answer: Text


class PostSummaryDraft(LLMOutput):
    summary: Text  # 1-2 objective sentences: the post's topic for writing imitation


PAPER_DRAFTS: dict[str, type[LLMOutput]] = {
    "persona": PersonaDraft,
    "profile_paragraph": ProfileParagraphDraft,
    "stories": StoriesDraft,
    "long_scenario": LongScenarioDraft,
    "scenario_qa": ScenarioQADraft,
    "style": StyleDraft,
    "post_summary": PostSummaryDraft,
}
