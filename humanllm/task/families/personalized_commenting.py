"""Personalized commenting (Reddit): from who a user is and what they wrote before, write their comment on a post.

The post is the thread the comment replied to; its author's id goes into `quoted_users`, so the split
drops a training example whose thread a held-out user wrote.

Formats:
  paper    the official shape: the user's persona + 1-5 random other comments of theirs (each cut at
           300 words) + the post → the comment, "about N words"; targets of 20-1000 tokens; users
           with >= 3 usable comments; no system message
  compact  our short prompt for CPU demos: the user's previous comments + the post (clipped)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from humanllm.data.records import Post, Thread, UserRecord
from humanllm.schema import StrictModel
from humanllm.task.base import Skipped, TaskExample, TaskFamily, TaskInputs, clip
from humanllm.task.paper import block, cap_per_group, sample_history, token_count, truncate_words, words_target
from humanllm.task.registry import register

SYSTEM = "You write Reddit comments exactly as a specific user would, in their voice and with their views."

PAPER_PROMPT = """Below are a description of a Reddit user (a short persona or a longer profile), some comments they wrote on other posts, and a new post by someone else. Write the comment this user would leave on the new post.
Keep their voice, tone and point of view from the earlier comments, and make the comment relevant, personal and in character rather than generic.
{persona}
The user's earlier comments:
------
{past}
------

The new post by another user:
------
{post}
------

Write the comment in about {num} words. Reply with the comment only, without explanations."""


class Params(StrictModel):
    format: Literal["paper", "compact"] = "paper"
    min_comments: int = Field(3, ge=2)  # paper: users with at least this many usable comments
    max_other_comments: int = Field(5, ge=1)  # paper: 1..N random other comments of the user
    history_max_words: int = Field(300, ge=10)  # paper: each earlier comment cut here
    min_target_tokens: int = Field(20, ge=1)  # paper: target length window
    max_target_tokens: int = Field(1000, ge=1)
    max_examples: int | None = Field(100_000, gt=0)  # paper: official cap (before the split)
    history_comments: int = Field(3, ge=1)  # compact: previous comments shown
    max_history_chars: int = Field(300, ge=50)  # compact
    max_thread_chars: int = Field(700, ge=50)  # compact
    max_target_chars: int = Field(600, ge=20)  # compact
    per_user_max: int | None = Field(5, ge=1)  # compact: the user's last N comments (null: all)


def thread_author_id(thread: Thread) -> str:
    """The corpus user id of a thread's author (Reddit ids are `reddit:<author>`)."""
    return f"reddit:{thread.author}"


@register
class PersonalizedCommenting(TaskFamily):
    name = "personalized_commenting"
    description = "the user's persona + other comments + a Reddit post → the user's comment on it"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity")
    # what the LLM judge asks of each generated answer (humanllm.eval.judge)
    rubric = "Is the candidate a comment this specific user would plausibly leave on that post: stance, tone and focus?"

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        made: list[TaskExample] = []
        for user in inputs.corpus.users_of("reddit"):
            comments: list[tuple[Post, str]] = []
            for c in (x for x in user.posts if x.kind == "comment"):
                if c.meta.get("link_id") in inputs.corpus.threads:
                    comments.append((c, c.text))
                else:  # with curation: the clean pass dropped the thread's submission
                    yield self.skip(c.post_id, user.user_id, "thread_missing")
            make = self._paper if params.format == "paper" else self._compact
            for item in make(user, comments, inputs, params, rng):
                if isinstance(item, Skipped):
                    yield item
                else:
                    made.append(item)
        kept, capped = cap_per_group(made, lambda e: 0, params.max_examples, rng)
        yield from kept
        yield from (self.skip(e.example_id.split(":", 1)[1], e.user_id, "cap") for e in capped)

    def _paper(
        self, user: UserRecord, comments: list[tuple[Post, str]], inputs: TaskInputs, p: Params, rng: random.Random
    ) -> Iterator[TaskExample | Skipped]:
        personas = inputs.personas(user.user_id)
        reason = (
            "too_few_comments"
            if len(comments) < p.min_comments
            else "no_persona"
            if inputs.persona_required(user.user_id)
            else None
        )
        if reason:
            yield from (self.skip(c.post_id, user.user_id, reason) for c, _ in comments)
            return
        for i, (comment, text) in enumerate(comments):
            if not p.min_target_tokens <= token_count(text) <= p.max_target_tokens:
                yield self.skip(comment.post_id, user.user_id, "target_length")
                continue
            thread = inputs.corpus.threads[comment.meta["link_id"]]
            title, body = thread.title, thread.text
            others = sample_history([t for j, (_, t) in enumerate(comments) if j != i], rng, p.max_other_comments)
            persona = rng.choice(personas) if personas else None
            ask = PAPER_PROMPT.format(
                persona=f"\nThe user:\n------\n{persona}\n------\n" if persona else "",
                past=block([truncate_words(t, p.history_max_words) for t in others], "Comment"),
                post=f"{title}\n\n{body}".strip(),
                num=words_target(text),
            )
            yield self.chat(
                comment.post_id,
                user.user_id,
                None,
                ask,
                text,
                quoted_users=[thread_author_id(thread)],
                thread_id=thread.thread_id,
                with_persona=persona is not None,
                format="paper",
                platform="reddit",
                source_posts=[comment.post_id],
            )

    def _compact(
        self, user: UserRecord, comments: list[tuple[Post, str]], inputs: TaskInputs, p: Params, rng: random.Random
    ) -> Iterator[TaskExample]:
        usable = list(range(p.history_comments, len(comments)))
        for idx in usable[-p.per_user_max :] if p.per_user_max else usable:
            comment, text = comments[idx]
            thread = inputs.corpus.threads[comment.meta["link_id"]]
            title, body = thread.title, thread.text
            history = "\n".join(
                f"- {clip(t, p.max_history_chars)}" for _, t in comments[idx - p.history_comments : idx]
            )
            ask = (
                f"This user's earlier comments:\n{history}\n\n"
                f"Now they read this post.\nTitle: {title}\n{clip(body, p.max_thread_chars)}\n\n"
                "Write the comment this user left on the post."
            )
            yield self.chat(
                comment.post_id,
                user.user_id,
                SYSTEM,
                ask,
                clip(text, p.max_target_chars),
                quoted_users=[thread_author_id(thread)],
                thread_id=thread.thread_id,
                format="compact",
                platform="reddit",
                source_posts=[comment.post_id],
            )
