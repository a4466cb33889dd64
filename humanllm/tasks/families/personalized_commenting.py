"""Personalized commenting (Reddit): from a user's past comments and a thread, write their comment."""

from __future__ import annotations

import random
from typing import Iterator

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.tasks.base import TaskExample, TaskFamily, TaskInputs, clip
from humanllm.tasks.registry import register

SYSTEM = "You write Reddit comments exactly as a specific user would, in their voice and with their views."


class Params(StrictModel):
    history_comments: int = Field(3, ge=1)
    max_history_chars: int = Field(300, ge=50)
    max_thread_chars: int = Field(700, ge=50)
    max_target_chars: int = Field(600, ge=20)
    per_user_max: int = Field(5, ge=1)


@register
class PersonalizedCommenting(TaskFamily):
    name = "personalized_commenting"
    description = "the user's past comments + a Reddit post → the user's comment on it"
    Params = Params
    metrics = ("rouge_l", "embedding_similarity")

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample]:
        threads = inputs.corpus.threads
        for user in inputs.corpus.users_of("reddit"):
            comments = [c for c in user.posts if c.kind == "comment"]
            usable = [i for i in range(params.history_comments, len(comments)) if comments[i].meta.get("link_id") in threads]
            for idx in usable[-params.per_user_max:]:
                comment = comments[idx]
                thread = threads[comment.meta["link_id"]]
                history = "\n".join(f"- {clip(c.text, params.max_history_chars)}" for c in comments[idx - params.history_comments: idx])
                ask = (
                    f"This user's earlier comments:\n{history}\n\n"
                    f"Now they read this post.\nTitle: {thread.title}\n{clip(thread.text, params.max_thread_chars)}\n\n"
                    "Write the comment this user left on the post."
                )
                yield self.chat(
                    f"{comment.post_id}", user.user_id, SYSTEM, ask, clip(comment.text, params.max_target_chars),
                    thread_id=thread.thread_id, source_posts=[comment.post_id],
                )
