"""Profile generation (needs curated records): a user's posts or persona notes → their profile.

Variants:
  posts2profile    the posts the profile was written from → the profile
  persona2profile  persona notes (the user's kept scenarios: situation + behaviour) → the profile
"""

from __future__ import annotations

import random
from typing import Iterator, Literal

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.tasks.base import TaskExample, TaskFamily, TaskInputs, clip
from humanllm.tasks.registry import register

SYSTEM = "You understand people. From what someone wrote or did, describe who they are."


class Params(StrictModel):
    variants: list[Literal["posts2profile", "persona2profile"]] = Field(
        default_factory=lambda: ["posts2profile", "persona2profile"], min_length=1
    )
    max_post_chars: int = Field(500, ge=50)
    max_notes: int = Field(4, ge=1)


@register
class ProfileGeneration(TaskFamily):
    name = "profile_generation"
    description = "a user's posts (or persona notes) → the user's profile"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity", "judge")
    needs_curated = True

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample]:
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
                    ask = "Notes on things one person did:\n" + "\n".join(notes) + (
                        "\n\nDescribe this person: who they are, their traits and interests.")
                    sources = profile.source_post_ids
                yield self.chat(
                    f"{uid}:{variant}", uid, SYSTEM, ask, profile.text(),
                    variant=variant, platform=profile.platform, record_id=profile.record_id,
                    source_posts=sources, judge_scores=profile.judge_scores,
                )
