"""Writing imitation: from a user's past posts, write a new post in their voice.

Variants (paper: four types; style-description variants need curated styles):
  history_topic  past posts + the new post's title/topic → the post
  history_half   past posts + the first half of the post → the second half
  review         (Amazon) past reviews + the item and rating → the review
"""

from __future__ import annotations

import random
from typing import Iterator, Literal

from pydantic import Field

from humanllm.data.records import Item, Post, UserRecord
from humanllm.schema import StrictModel
from humanllm.tasks.base import TaskExample, TaskFamily, TaskInputs, clip, first_half
from humanllm.tasks.registry import register

SYSTEM = "You imitate the writing of a specific person. Match their voice, interests and habits exactly."


class Params(StrictModel):
    variants: list[Literal["history_topic", "history_half", "review"]] = Field(
        default_factory=lambda: ["history_topic", "history_half", "review"]
    )
    platforms: list[Literal["reddit", "twitter", "blogger", "amazon"]] = Field(
        default_factory=lambda: ["reddit", "twitter", "blogger", "amazon"]
    )
    history_posts: int = Field(3, ge=1)
    max_history_chars: int = Field(600, ge=50)
    max_target_chars: int = Field(900, ge=50)
    per_user_max: int = Field(4, ge=1)


def _history_block(posts: list[Post], max_chars: int) -> str:
    return "\n\n".join(f"[{i + 1}] {clip(p.text, max_chars)}" for i, p in enumerate(posts))


def _topic(post: Post) -> str:
    return post.title or clip(post.text, 80)


@register
class WritingImitation(TaskFamily):
    name = "writing_imitation"
    description = "past posts (+ topic or first half) → a new post in the user's voice"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity")

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample]:
        for user in inputs.corpus.users:
            if user.platform not in params.platforms:
                continue
            yield from self._user_examples(user, inputs.corpus.items, params, rng)

    def _user_examples(self, user: UserRecord, items: dict[str, Item], p: Params, rng: random.Random) -> Iterator[TaskExample]:
        kinds = {"submission", "tweet", "blog_post", "review"}
        posts = [x for x in user.posts if x.kind in kinds]
        targets = list(range(p.history_posts, len(posts)))[-p.per_user_max:]
        for idx in targets:
            post, history = posts[idx], posts[idx - p.history_posts: idx]
            if post.kind == "review":
                variant = "review" if "review" in p.variants else None
            else:
                options = [v for v in p.variants if v != "review"]
                variant = rng.choice(options) if options else None
            if variant is None:
                continue
            target = clip(post.text, p.max_target_chars)
            past = _history_block(history, p.max_history_chars)
            if variant == "history_topic":
                ask = f"Here are posts this person wrote before:\n\n{past}\n\nWrite their new {post.platform} post about: {_topic(post)}"
            elif variant == "history_half":
                head, target = first_half(target)
                ask = f"Here are posts this person wrote before:\n\n{past}\n\nContinue their new post, which begins:\n{head}"
            else:
                item = items[post.meta["parent_asin"]].title if post.meta.get("parent_asin") in items else "the item"
                rating = post.meta.get("rating")
                stars = f" and rated it {rating} out of 5" if rating is not None else ""
                ask = f"Here are reviews this person wrote before:\n\n{past}\n\nThey bought \"{item}\"{stars}. Write their review."
            yield self.chat(
                f"{post.platform}:{post.post_id}:{variant}", user.user_id, SYSTEM, ask, target,
                variant=variant, platform=post.platform, source_posts=[x.post_id for x in history] + [post.post_id],
            )
