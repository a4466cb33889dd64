"""Writing imitation: write a post (or Amazon review) in a user's voice.

Formats:
  paper    the official four types, each post a target of every type it supports (30-1000 tokens):
             history_topic       1-5 random other posts of the user + the post's topic → the post
             history_completion  1-5 other posts + the post's first 30-70 % → the rest
             style_topic         the user's writing-style description + the topic → the post
             style_completion    the style description + the first part → the rest
           Amazon reviews use the same types with the item's name, and history entries name the
           item each review was about. The topic is the curated summary of the post when curation
           wrote one, else the post's own title (Reddit submissions, Amazon reviews); without either
           the topic types are skipped ("no_topic"). Caps per platform and type (Amazon: per category
           and type), as the official code has them. No system message.
  compact  our short prompt for CPU demos: the previous posts + the title (history_topic), + the first
           half (history_half), or an Amazon item + rating (review).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from humanllm.data.records import Item, Post, UserRecord
from humanllm.schema import StrictModel
from humanllm.task.base import Skipped, TaskExample, TaskFamily, TaskInputs, clip, first_half
from humanllm.task.paper import (
    block,
    cap_per_group,
    random_split,
    sample_history,
    token_count,
    truncate_words,
    words_target,
)
from humanllm.task.registry import register

SYSTEM = "You imitate the writing of a specific person. Match their voice, interests and habits exactly."
PaperType = Literal["history_topic", "history_completion", "style_topic", "style_completion"]
PAPER_TYPES: tuple[PaperType, ...] = ("history_topic", "history_completion", "style_topic", "style_completion")
KINDS = {"submission", "tweet", "blog_post", "review"}

_INTRO = {
    "history": "Imitate one person's {what} writing. From their earlier {whats}, {task}. Keep to their style, tone and point of view as their earlier {whats} show them.",
    "style": "Imitate one person's {what} writing. From a description of how they write, {task}. Keep as closely as you can to the described style, tone and point of view.",
}
_TASK = {
    "topic": "write a new {what} on the topic given",
    "completion": "finish an unfinished {what} by writing its second part",
}
_SOURCE = {
    "history": "Their earlier {whats}:\n------\n{past}\n------",
    "style": "How this person writes:\n------\n{style}\n------",
}
_GOAL = {
    "topic": "The topic of the new {what}:\n------\n{topic}\n------",
    "completion": "The beginning of the unfinished {what}:\n------\n{front}\n------",
}
_ASK = {
    "topic": "Write the new {what} as this person would, in about {num} words. Reply with the {what} only, without explanations.",
    "completion": "Write the rest of the {what} as this person would, in about {num} words. Reply with the {what}'s continuation only, without explanations.",
}


class Params(StrictModel):
    format: Literal["paper", "compact"] = "paper"
    platforms: list[Literal["reddit", "twitter", "blogger", "amazon"]] = Field(
        default_factory=lambda: ["reddit", "twitter", "blogger", "amazon"]
    )
    types: list[PaperType] = Field(default_factory=lambda: list(PAPER_TYPES), min_length=1)  # paper
    min_posts: int = Field(3, ge=2)  # paper: history types need users with at least this many usable posts
    max_history_posts: int = Field(5, ge=1)  # paper: 1..N random other posts
    history_max_words: int = Field(300, ge=10)  # paper: each earlier post cut here
    min_target_tokens: int = Field(30, ge=1)  # paper: target length window
    max_target_tokens: int = Field(1000, ge=1)
    cap_per_type: int | None = Field(20_000, gt=0)  # paper: per platform and type (official)
    amazon_cap_per_type: int | None = Field(1_700, gt=0)  # paper: per Amazon category and type (official)
    variants: list[Literal["history_topic", "history_half", "review"]] = Field(  # compact
        default_factory=lambda: ["history_topic", "history_half", "review"]
    )
    history_posts: int = Field(3, ge=1)  # compact
    max_history_chars: int = Field(600, ge=50)  # compact
    max_target_chars: int = Field(900, ge=50)  # compact
    per_user_max: int = Field(4, ge=1)  # compact


def _history_block(posts: list[Post], max_chars: int) -> str:
    return "\n\n".join(f"[{i + 1}] {clip(p.text, max_chars)}" for i, p in enumerate(posts))


def _topic(post: Post) -> str:
    return post.title or clip(post.text, 80)


def _item(post: Post, items: dict[str, Item]) -> Item | None:
    return items.get(str(post.meta.get("parent_asin")))


def paper_prompt(kind: str, goal: str, what: str, num: str, **slots: str) -> str:
    """One of the four official prompt shapes (history|style × topic|completion), in our words."""
    whats = f"{what}s"
    parts = [
        _INTRO[kind].format(what=what, whats=whats, task=_TASK[goal].format(what=what)),
        _SOURCE[kind].format(whats=whats, **slots),
    ]
    if "item" in slots:
        parts.append(f"The item the {what} is about:\n------\n{slots['item']}\n------")
    parts += [_GOAL[goal].format(what=what, **slots), _ASK[goal].format(what=what, num=num)]
    return "\n\n".join(parts)


@register
class WritingImitation(TaskFamily):
    name = "writing_imitation"
    description = "past posts or a style description (+ topic or the first part) → a post in the user's voice"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity")
    # what the LLM judge asks of each generated answer (humanllm.eval.judge)
    rubric = (
        "Does the candidate read like the same person wrote it: voice, "
        "habits, interests and the kind of things they say?"
    )

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        made: list[TaskExample] = []
        for user in inputs.corpus.users:
            if user.platform not in params.platforms:
                continue
            posts = [(x, x.text) for x in user.posts if x.kind in KINDS]
            if params.format == "compact":
                yield from self._compact(user, [x for x, _ in posts], inputs.corpus.items, params, rng)
                continue
            for item in self._paper(user, posts, inputs, params, rng):
                if isinstance(item, Skipped):
                    yield item
                else:
                    made.append(item)
        yield from self._capped(made, params, rng)

    def _capped(self, made: list[TaskExample], p: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        amazon = [e for e in made if e.meta["platform"] == "amazon"]
        others = [e for e in made if e.meta["platform"] != "amazon"]
        kept_a, capped_a = cap_per_group(
            amazon, lambda e: (e.meta["category"], e.meta["variant"]), p.amazon_cap_per_type, rng
        )
        kept_o, capped_o = cap_per_group(others, lambda e: (e.meta["platform"], e.meta["variant"]), p.cap_per_type, rng)
        yield from kept_a + kept_o
        yield from (self.skip(e.example_id.split(":", 1)[1], e.user_id, "cap_per_type") for e in capped_a + capped_o)

    def _paper(
        self, user: UserRecord, posts: list[tuple[Post, str]], inputs: TaskInputs, p: Params, rng: random.Random
    ) -> Iterator[TaskExample | Skipped]:
        items = inputs.corpus.items
        style = inputs.style(user.user_id)
        for i, (post, text) in enumerate(posts):
            for kind_goal in p.types:
                key = f"{post.platform}:{post.post_id}:{kind_goal}"
                if not p.min_target_tokens <= token_count(text) <= p.max_target_tokens:
                    yield self.skip(key, user.user_id, "target_length")
                    continue
                made = self._paper_one(
                    kind_goal, post, text, [t for j, t in enumerate(posts) if j != i], style, inputs, items, p, rng
                )
                if isinstance(made, str):
                    yield self.skip(key, user.user_id, made)
                    continue
                ask, target = made
                item = _item(post, items)
                yield self.chat(
                    key,
                    user.user_id,
                    None,
                    ask,
                    target,
                    variant=kind_goal,
                    platform=post.platform,
                    format="paper",
                    category=item.category if item else None,
                    source_posts=[post.post_id],
                )

    def _paper_one(
        self,
        kind_goal: PaperType,
        post: Post,
        text: str,
        others: list[tuple[Post, str]],
        style: str | None,
        inputs: TaskInputs,
        items: dict[str, Item],
        p: Params,
        rng: random.Random,
    ) -> tuple[str, str] | str:
        """(prompt, target), or the reason the post cannot make this type."""
        kind, goal = kind_goal.split("_")
        review = post.kind == "review"
        what = "review" if review else "post"
        slots: dict[str, str] = {}
        if kind == "history":
            if len(others) + 1 < p.min_posts:
                return "too_few_posts"
            chosen = sample_history(others, rng, p.max_history_posts)
            slots["past"] = block(
                [self._history_entry(o, t, items, p) for o, t in chosen], "Review" if review else "Post"
            )
        else:
            if style is None:
                return "no_style"
            slots["style"] = style
        if review:
            item = _item(post, items)
            if item is None:
                return "item_missing"
            slots["item"] = item.title
        if goal == "topic":
            topic = inputs.post_topic(post)
            if not topic:
                return "no_topic"
            slots["topic"], target = topic, text
        else:
            cut = random_split(text, rng)
            if cut is None:
                return "too_short_to_split"
            slots["front"], target = cut
        return paper_prompt(kind, goal, what, words_target(target), **slots), target

    @staticmethod
    def _history_entry(post: Post, text: str, items: dict[str, Item], p: Params) -> str:
        cut = truncate_words(text, p.history_max_words)
        item = _item(post, items) if post.kind == "review" else None
        return f"Bought: {item.title}\nReview: {cut}" if item else cut

    def _compact(
        self, user: UserRecord, posts: list[Post], items: dict[str, Item], p: Params, rng: random.Random
    ) -> Iterator[TaskExample]:
        targets = list(range(p.history_posts, len(posts)))[-p.per_user_max :]
        for idx in targets:
            post, history = posts[idx], posts[idx - p.history_posts : idx]
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
                item = _item(post, items)
                rating = post.meta.get("rating")
                stars = f" and rated it {rating} out of 5" if rating is not None else ""
                ask = f'Here are reviews this person wrote before:\n\n{past}\n\nThey bought "{item.title if item else "the item"}"{stars}. Write their review.'
            yield self.chat(
                f"{post.platform}:{post.post_id}:{variant}",
                user.user_id,
                SYSTEM,
                ask,
                target,
                variant=variant,
                platform=post.platform,
                format="compact",
                source_posts=[x.post_id for x in history] + [post.post_id],
            )
