"""Social QA (needs curated records): profile + scenario + question → the user's action, thought or reason.

Variants follow the curated QA pairs: plain, reason, action, thought (which to use is a param).
"""

from __future__ import annotations

import random
from typing import Iterator, Literal

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.tasks.base import TaskExample, TaskFamily, TaskInputs
from humanllm.tasks.registry import register

SYSTEM = "You predict how a specific person behaves, thinks and feels in a situation, and why."


class Params(StrictModel):
    variants: list[Literal["plain", "reason", "action", "thought"]] = Field(
        default_factory=lambda: ["plain", "reason", "action", "thought"], min_length=1
    )
    require_profile: bool = False  # skip pairs whose user has no kept profile (else the profile is left out)
    per_user_max: int = Field(8, ge=1)


@register
class SocialQA(TaskFamily):
    name = "social_qa"
    description = "profile + scenario + question → the user's action, thought or reason"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity", "judge")
    needs_curated = True

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample]:
        cur = inputs.curated
        per_user: dict[str, int] = {}
        for qa in sorted(cur.social_qa, key=lambda x: x.record_id):
            scenario = cur.scenario(qa.scenario_id)
            profile = cur.profiles.get(qa.user_id)
            if qa.variant not in params.variants or scenario is None or (params.require_profile and profile is None):
                continue
            if per_user.get(qa.user_id, 0) >= params.per_user_max:
                continue
            per_user[qa.user_id] = per_user.get(qa.user_id, 0) + 1
            who = f"About the person:\n{profile.text()}\n\n" if profile else ""
            ask = f"{who}Situation:\n{scenario.situation}\n\nQuestion: {qa.question}"
            yield self.chat(
                f"{qa.record_id.removeprefix('social_qa:')}", qa.user_id, SYSTEM, ask, qa.answer,
                variant=qa.variant, platform=qa.platform, record_id=qa.record_id,
                scenario_id=qa.scenario_id, with_profile=profile is not None,
                source_posts=qa.source_post_ids, judge_scores=qa.judge_scores,
            )
