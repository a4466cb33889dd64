"""Social QA (needs curated records): a user description + scenario + question → the user's answer.

With synthesis mode=paper (the official format, generate_sft_data.py): the scenario, question and answer
were written together from one post; the user description (a kept persona or profile paragraph, one
drawn at random) is required, and the answer's length is asked for ("about N words"). One task per
variant (plain, action, thought, reason), each capped at 30k as the official tasks are.

With the structured records: profile (optional unless `require_profile`) + the linked scenario's situation
+ question → answer; variants plain, reason, action, thought.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.task.base import CuratedTaskFamily, Skipped, TaskExample, TaskInputs
from humanllm.task.paper import cap_per_group, words_target
from humanllm.task.registry import register

SYSTEM = "You predict how a specific person behaves, thinks and feels in a situation, and why."


class Params(StrictModel):
    variants: list[Literal["plain", "reason", "action", "thought"]] = Field(
        default_factory=lambda: ["plain", "reason", "action", "thought"], min_length=1
    )
    require_profile: bool = False  # structured: skip pairs whose user has no kept profile (else it is left out)
    per_user_max: int = Field(8, ge=1)  # structured only
    paper_cap_per_variant: int | None = Field(30000, ge=1)  # the official cap per social-QA task
    max_new_tokens: int = Field(768, ge=16)  # generation budget for this task's answers (in meta)


def paper_prompt(description: str, scenario: str, question: str, words: str) -> str:
    return (
        "You are given a user description (a brief persona or a detailed profile), a scenario involving the user "
        "and a question about it. From the description and the scenario, predict a grounded, coherent answer.\n\n"
        f"Here's the user description:\n{description}\n\nHere's the scenario:\n{scenario}\n\n"
        f"Here's the question:\n{question}\n\n"
        f"Now answer in the third person, in about {words} words. Output only the answer."
    )


@register
class SocialQA(CuratedTaskFamily):
    name = "social_qa"
    description = "user description + scenario + question → the user's action, thought or reason"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity", "judge")
    # what the LLM judge asks of each generated answer (humanllm.eval.judge)
    rubric = "Does the candidate give the answer this person actually gave: same action, thought or reason?"

    def paper_examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        cur, made = inputs.curated, []
        for qa in sorted(cur.scenario_qa, key=lambda x: x.record_id):
            key = qa.record_id.removeprefix("scenario_qa:")
            if qa.variant not in params.variants:
                continue
            descriptions = cur.user_descriptions(qa.user_id)
            if not descriptions:
                yield self.skip(key, qa.user_id, "no_kept_persona_or_profile")
                continue
            ask = paper_prompt(rng.choice(descriptions), qa.scenario, qa.question, words_target(qa.answer))
            made.append(
                self.chat(
                    key,
                    qa.user_id,
                    None,
                    ask,
                    qa.answer,
                    variant=qa.variant,
                    platform=qa.platform,
                    record_id=qa.record_id,
                    source_posts=qa.source_post_ids,
                    judge_scores=qa.judge_scores,
                    max_new_tokens=params.max_new_tokens,
                )
            )
        kept, over = cap_per_group(made, lambda e: e.meta["variant"], params.paper_cap_per_variant, rng)
        yield from kept
        yield from (self.skip(e.example_id.removeprefix(f"{self.name}:"), e.user_id, "over_task_cap") for e in over)

    def structured_examples(self, inputs: TaskInputs, params: Params) -> Iterator[TaskExample]:
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
                f"{qa.record_id.removeprefix('social_qa:')}",
                qa.user_id,
                SYSTEM,
                ask,
                qa.answer,
                variant=qa.variant,
                platform=qa.platform,
                record_id=qa.record_id,
                scenario_id=qa.scenario_id,
                with_profile=profile is not None,
                source_posts=qa.source_post_ids,
                judge_scores=qa.judge_scores,
            )
