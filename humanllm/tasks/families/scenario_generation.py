"""Scenario generation (needs curated records): continue or write a user's story.

A curated story is a situation (environment) followed by the user's behaviour; its first half is
the situation and the rest is the behaviour, so a split never cuts a sentence.

Variants:
  half2half      the first half of the story → the rest
  persona_half   the user's profile + the first half → the rest (needs a kept profile)
  theme2story    the story's theme (+ the profile when kept) → the whole story
"""

from __future__ import annotations

import random
from typing import Iterator, Literal

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.tasks.base import TaskExample, TaskFamily, TaskInputs
from humanllm.tasks.registry import register

SYSTEM = "You tell true-to-life stories about a specific person, as that person would live them."
Variant = Literal["half2half", "persona_half", "theme2story"]


class Params(StrictModel):
    variants: list[Variant] = Field(default_factory=lambda: ["half2half", "persona_half", "theme2story"], min_length=1)
    min_story_chars: int = Field(20, ge=1)  # shorter stories are skipped
    per_user_max: int = Field(6, ge=1)


@register
class ScenarioGeneration(TaskFamily):
    name = "scenario_generation"
    description = "half a story / profile + half / theme → the rest of the user's story"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity", "judge")
    needs_curated = True

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample]:
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
                    f"{s.record_id.removeprefix('scenario:')}:{variant}", s.user_id, SYSTEM, ask, target,
                    variant=variant, platform=s.platform, record_id=s.record_id,
                    source_posts=s.source_post_ids, judge_scores=s.judge_scores,
                )
