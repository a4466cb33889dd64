"""The common corpus records every loader produces and every task family reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from humanllm.io import read_jsonl

Platform = Literal["reddit", "twitter", "blogger", "amazon"]
PostKind = Literal["submission", "comment", "tweet", "blog_post", "review"]


class Post(BaseModel):
    """One authored text (submission, comment, tweet, blog post or review), already cleaned."""

    post_id: str
    platform: Platform
    kind: PostKind
    author: str
    text: str
    title: str | None = None
    created_at: int | None = None  # unix seconds
    meta: dict[str, Any] = Field(default_factory=dict)
    # reddit: subreddit_id, score, num_comments, link_id, parent_id, permalink
    # twitter: likes, retweets, replies, quotes
    # blogger: date (as written in the file)
    # amazon: asin, parent_asin, rating, helpful_vote, verified_purchase, category


class UserRecord(BaseModel):
    """A kept user with their kept posts in time order."""

    user_id: str  # "<platform>:<native id>", unique across platforms
    platform: Platform
    attributes: dict[str, Any] = Field(default_factory=dict)
    # blogger: gender, age, industry, sign; twitter: verified, followers, description, location
    posts: list[Post]


class Item(BaseModel):
    """An Amazon catalog item (keyed by parent_asin)."""

    item_id: str
    title: str
    category: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class Thread(BaseModel):
    """A Reddit submission that a kept comment replies to (context for personalized commenting).

    `author_user_id` is set when the submission's author is a kept corpus user: their text is then
    that user's, and a task that quotes the thread in a training example must check the user's split.
    None means the author is no corpus user (non-user text, safe to quote anywhere).
    """

    thread_id: str  # the submission's fullname, e.g. "t3_abc123" (what comments' link_id holds)
    title: str
    text: str
    author: str
    author_user_id: str | None = None
    subreddit_id: str | None = None


class Rejected(BaseModel):
    """A dropped raw record with where it came from and why."""

    record_id: str
    platform: Platform
    stage: str  # parse | rules | user_activity | dedup | pii | llm_clean | ...
    reason: str
    source_file: str | None = None
    line: int | None = None
    user_id: str | None = None
    detail: str | None = None


class Corpus:
    """Read access to a corpus folder (users.jsonl, items.jsonl, threads.jsonl)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.users = [UserRecord.model_validate(r) for r in read_jsonl(self.path / "users.jsonl")]
        self.items = {i.item_id: i for i in self._read(Item, "items.jsonl")}
        self.threads = {t.thread_id: t for t in self._read(Thread, "threads.jsonl")}

    def _read(self, model: type[BaseModel], name: str) -> Iterator[Any]:
        file = self.path / name
        if file.is_file():
            for r in read_jsonl(file):
                yield model.model_validate(r)

    def users_of(self, platform: str) -> list[UserRecord]:
        return [u for u in self.users if u.platform == platform]
