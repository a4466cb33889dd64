"""Profile generation (needs curated records): describe who a user is.

With synthesis mode=paper (the official format, generate_sft_data.py persona2profile): the user's kept
persona → their kept profile paragraph, "about N words" (N = the profile's length rounded to tens);
capped at 30k as the official task is. Answers run to 400 words: `max_new_tokens` (768) goes in each
example's meta for in-domain generation.

With the structured records:
  posts2profile    the posts the profile was written from → the profile
  persona2profile  persona notes (the user's kept scenarios: situation + behaviour) → the profile
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.task.base import CuratedTaskFamily, Skipped, TaskExample, TaskInputs, clip
from humanllm.task.paper import cap_per_group, words_target
from humanllm.task.registry import register

SYSTEM = "You understand people. From what someone wrote or did, describe who they are."


class Params(StrictModel):
    variants: list[Literal["posts2profile", "persona2profile"]] = Field(
        default_factory=lambda: ["posts2profile", "persona2profile"], min_length=1
    )
    max_post_chars: int = Field(500, ge=50)
    max_notes: int = Field(4, ge=1)
    paper_cap: int | None = Field(30000, ge=1)  # the official persona2profile cap
    max_new_tokens: int = Field(768, ge=16)  # a 400-word profile is ~550 tokens


def paper_prompt(persona: str, words: str) -> str:
    return (
        "Given a brief persona of a user, write a more detailed profile of the user in the third person: coherent, "
        f"realistic, and going meaningfully beyond the persona.\n\nHere's the persona:\n{persona}\n\n"
        f"Now write the profile, about {words} words. Output only the profile."
    )


@register
class ProfileGeneration(CuratedTaskFamily):
    name = "profile_generation"
    description = "a user's persona (or posts / persona notes) → the user's profile"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity", "judge")
    # what the LLM judge asks of each generated answer (humanllm.eval.judge)
    rubric = (
        "Does the candidate profile describe the same person: facts, traits and interests, without invented details?"
    )

    def paper_examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        cur, made = inputs.curated, []
        for uid in sorted(set(cur.personas) | set(cur.profile_paragraphs)):
            persona, profile = cur.personas.get(uid), cur.profile_paragraphs.get(uid)
            key = f"{uid}:persona2profile"
            if persona is None or profile is None:
                yield self.skip(key, uid, "no_kept_persona" if persona is None else "no_kept_profile")
                continue
            made.append(
                self.chat(
                    key,
                    uid,
                    None,
                    paper_prompt(persona.persona, words_target(profile.profile)),
                    profile.profile,
                    variant="persona2profile",
                    platform=profile.platform,
                    record_id=profile.record_id,
                    persona_id=persona.record_id,
                    source_posts=profile.source_post_ids,
                    judge_scores=profile.judge_scores,
                    max_new_tokens=params.max_new_tokens,
                )
            )
        kept, over = cap_per_group(made, lambda e: 0, params.paper_cap, rng)
        yield from kept
        yield from (self.skip(e.example_id.removeprefix(f"{self.name}:"), e.user_id, "over_task_cap") for e in over)

    def structured_examples(self, inputs: TaskInputs, params: Params) -> Iterator[TaskExample]:
        cur = inputs.curated
        notes_by_user: dict[str, list[str]] = {}
        for s in cur.scenarios:
            notes_by_user.setdefault(s.user_id, []).append(f"- {s.situation.strip()} {s.behavior.strip()}")
        for uid in sorted(cur.profiles):
            profile = cur.profiles[uid]
            for variant in params.variants:
                if variant == "posts2profile":
                    posts = cur.posts_of(profile.source_post_ids)
                    if not posts:
                        continue
                    body = "\n\n".join(f"[{i + 1}] {clip(p.text, params.max_post_chars)}" for i, p in enumerate(posts))
                    ask = f"Posts written by one person:\n\n{body}\n\nDescribe this person: who they are, their traits and interests."
                    sources = [p.post_id for p in posts]
                else:
                    notes = notes_by_user.get(uid, [])[: params.max_notes]
                    if not notes:
                        continue
                    ask = (
                        "Notes on things one person did:\n"
                        + "\n".join(notes)
                        + ("\n\nDescribe this person: who they are, their traits and interests.")
                    )
                    sources = profile.source_post_ids
                yield self.chat(
                    f"{uid}:{variant}",
                    uid,
                    SYSTEM,
                    ask,
                    profile.text(),
                    variant=variant,
                    platform=profile.platform,
                    record_id=profile.record_id,
                    source_posts=sources,
                    judge_scores=profile.judge_scores,
                )
