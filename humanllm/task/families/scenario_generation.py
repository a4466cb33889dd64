"""Scenario generation (needs curated records): continue a user's life stories, or write a scenario.

With synthesis mode=paper (the official formats, generate_sft_data.py), per user with >= 3 kept stories
the first k stories (k drawn in 2..n-1) are the past:
  half2half_stories                the past → the remaining n-k stories (a JSON list of {summary, content})
  half_persona2half_stories        a user description (persona or profile) + the past → the remaining stories
  half_theme2target_story          the past + story k's summary → story k's content ("about N words")
  half_theme_persona2target_story  a user description + the past + story k's summary → its content
  long_scenario                    a long scenario's summary + characters → the scenario ("about N words")
Each variant is capped as the official tasks are (10k; 13k for long scenarios).

With the structured records (a situation followed by the user's behaviour):
  half2half      the first half of the story → the rest
  persona_half   the user's profile + the first half → the rest (needs a kept profile)
  theme2story    the story's theme (+ the profile when kept) → the whole story
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.task.base import CuratedTaskFamily, Skipped, TaskExample, TaskInputs
from humanllm.task.paper import cap_per_group, words_target
from humanllm.task.registry import register

SYSTEM = "You tell true-to-life stories about a specific person, as that person would live them."
Variant = Literal["half2half", "persona_half", "theme2story"]
PaperVariant = Literal[
    "half2half_stories",
    "half_persona2half_stories",
    "half_theme2target_story",
    "half_theme_persona2target_story",
    "long_scenario",
]
PAPER_VARIANTS: list[PaperVariant] = [
    "half2half_stories",
    "half_persona2half_stories",
    "half_theme2target_story",
    "half_theme_persona2target_story",
    "long_scenario",
]
PAPER_CAPS = {
    "half2half_stories": 10000,
    "half_persona2half_stories": 10000,
    "half_theme2target_story": 10000,
    "half_theme_persona2target_story": 10000,
    "long_scenario": 13000,
}


class Params(StrictModel):
    variants: list[Variant] = Field(default_factory=lambda: ["half2half", "persona_half", "theme2story"], min_length=1)
    min_story_chars: int = Field(20, ge=1)  # shorter stories are skipped
    per_user_max: int = Field(6, ge=1)
    # the official formats (synthesis mode=paper)
    paper_variants: list[PaperVariant] = Field(default_factory=lambda: list(PAPER_VARIANTS), min_length=1)
    paper_caps: dict[PaperVariant, int] = Field(default_factory=lambda: dict(PAPER_CAPS))
    min_stories: int = Field(3, ge=3)  # a story list needs >= 2 past stories and >= 1 to predict
    max_new_tokens: int = Field(1024, ge=16)  # generation budget for this task's answers (in meta)


def _stories_json(stories: list) -> str:
    return json.dumps([{"summary": s.summary, "content": s.content} for s in stories], ensure_ascii=False)


def _paper_prompt(variant: str, past: str, description: str | None, rest: int, summary: str, words: str) -> str:
    who = f"Here's the user description:\n{description}\n\n" if description else ""
    if variant in ("half2half_stories", "half_persona2half_stories"):
        return (
            f"Given {'a user description (a brief persona or a detailed profile) and ' if description else ''}"
            f"a user's past life stories (a JSON list of objects with summary and content), predict {rest} "
            "plausible future life stories of the same user, in first-person narrative, consistent with "
            "everything known about them. Answer in the same format: a JSON list of objects with summary and "
            f"content.\n\n{who}Here are the past life stories:\n{past}\n\n"
            "Now write the future life stories. Output only the answer."
        )
    return (
        f"Given {'a user description (a brief persona or a detailed profile), ' if description else ''}"
        "a user's past life stories (a JSON list of objects with summary and content) and the summary of a "
        "future story, write that future story in first-person narrative, consistent with the past. Output only "
        f"the story text.\n\n{who}Here are the past life stories:\n{past}\n\n"
        f"Here's the summary of the future story:\n{summary}\n\nNow write the story, about {words} words."
    )


@register
class ScenarioGeneration(CuratedTaskFamily):
    name = "scenario_generation"
    description = (
        "a user's first stories (+ description / target summary) → the rest; or summary + characters → scenario"
    )
    Params = Params
    metrics = ("rouge_l", "embedding_similarity", "judge")
    # what the LLM judge asks of each generated answer (humanllm.eval.judge)
    rubric = (
        "Does the candidate continue the story the way this person's real story goes: events, feelings and details?"
    )

    def paper_examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        cur, made = inputs.curated, []
        variants = params.paper_variants
        for uid in sorted(cur.stories):
            record = cur.stories[uid]
            stories = record.stories
            descriptions = cur.user_descriptions(uid)
            for variant in (v for v in variants if v != "long_scenario"):
                key = f"{uid}:{variant}"
                with_description = "persona" in variant
                if len(stories) < params.min_stories:
                    yield self.skip(key, uid, "too_few_stories")
                    continue
                if with_description and not descriptions:
                    yield self.skip(key, uid, "no_kept_persona_or_profile")
                    continue
                k = rng.randint(2, len(stories) - 1)
                past, rest = stories[:k], stories[k:]
                description = rng.choice(descriptions) if with_description else None
                target_story = "target" in variant
                answer = rest[0].content if target_story else _stories_json(rest)
                ask = _paper_prompt(
                    variant, _stories_json(past), description, len(rest), rest[0].summary, words_target(rest[0].content)
                )
                made.append(
                    self.chat(
                        key,
                        uid,
                        None,
                        ask,
                        answer,
                        variant=variant,
                        platform=record.platform,
                        record_id=record.record_id,
                        source_posts=record.source_post_ids,
                        judge_scores=record.judge_scores,
                        split_index=k,
                        max_new_tokens=params.max_new_tokens,
                    )
                )
        if "long_scenario" in variants:
            for s in sorted(cur.long_scenarios, key=lambda x: x.record_id):
                ask = (
                    "Given a summary and a list of characters, write a vivid, coherent third-person scenario of "
                    f"about {words_target(s.scenario)} words, grounded in the characters' descriptions, that "
                    "follows logically from the summary with realistic behaviour and emotions.\n\n"
                    f"Here's the summary:\n{s.summary}\n\nHere are the characters:\n"
                    + "; ".join(s.characters)
                    + "\n\nNow write the scenario. Output only the scenario."
                )
                made.append(
                    self.chat(
                        f"{s.record_id.removeprefix('long_scenario:')}:long_scenario",
                        s.user_id,
                        None,
                        ask,
                        s.scenario,
                        variant="long_scenario",
                        platform=s.platform,
                        record_id=s.record_id,
                        source_posts=s.source_post_ids,
                        judge_scores=s.judge_scores,
                        max_new_tokens=params.max_new_tokens,
                    )
                )
        for variant in variants:  # the official per-task caps
            group = [e for e in made if e.meta["variant"] == variant]
            kept, over = cap_per_group(group, lambda e: variant, params.paper_caps.get(variant), rng)  # noqa: B023
            yield from kept
            yield from (self.skip(e.example_id.removeprefix(f"{self.name}:"), e.user_id, "over_task_cap") for e in over)

    def structured_examples(self, inputs: TaskInputs, params: Params) -> Iterator[TaskExample]:
        cur = inputs.curated
        per_user: dict[str, int] = {}
        for s in sorted(cur.scenarios, key=lambda x: x.record_id):
            story = s.story
            if len(story) < params.min_story_chars:
                continue
            profile = cur.profiles.get(s.user_id)
            for variant in params.variants:
                if per_user.get(s.user_id, 0) >= params.per_user_max:
                    break
                head, rest = s.situation.strip(), s.behavior.strip()
                if variant == "half2half":
                    ask, target = f"The story begins:\n{head}\n\nContinue it.", rest
                elif variant == "persona_half":
                    if profile is None:
                        continue
                    ask = f"About the person:\n{profile.text()}\n\nTheir story begins:\n{head}\n\nContinue it."
                    target = rest
                else:
                    who = f"About the person:\n{profile.text()}\n\n" if profile else ""
                    ask, target = f"{who}Tell a short story from this person's life about: {s.theme}", story
                if not head or not target:
                    continue
                per_user[s.user_id] = per_user.get(s.user_id, 0) + 1
                yield self.chat(
                    f"{s.record_id.removeprefix('scenario:')}:{variant}",
                    s.user_id,
                    SYSTEM,
                    ask,
                    target,
                    variant=variant,
                    platform=s.platform,
                    record_id=s.record_id,
                    source_posts=s.source_post_ids,
                    judge_scores=s.judge_scores,
                )
