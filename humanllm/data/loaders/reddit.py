"""Reddit Pushshift dumps (REDDIT_submissions / REDDIT_comments) → submissions, comments, threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.data.candidate import Candidate, Loaded, as_bool, number, post_time, text
from humanllm.data.config import RedditSource
from humanllm.data.loaders.rows import load_rows
from humanllm.data.rawio import expand, read_table
from humanllm.data.records import Post, Thread
from humanllm.data.text import clean_text

SUBMISSION_REQUIRED = ("id", "author", "title")
COMMENT_REQUIRED = ("id", "author", "body", "link_id")
EXPECTED = (
    "Pushshift submissions (id, author, title, selftext, created_utc, ...) and comments "
    "(id, author, body, link_id, parent_id, created_utc, ...)"
)


def _submission(rec: dict[str, Any], path: Path, line: int) -> Candidate:
    sid = str(text(rec, "id")).removeprefix("t3_")
    post = Post(
        post_id=f"reddit:t3_{sid}",
        platform="reddit",
        kind="submission",
        author=str(text(rec, "author")),
        title=clean_text(text(rec, "title")),
        text=clean_text(text(rec, "selftext")),
        created_at=post_time(rec, "created_utc"),
        meta={
            "subreddit_id": rec.get("subreddit_id"),
            "subreddit": rec.get("subreddit"),
            "score": int(number(rec, "score") or 0),
            "num_comments": int(number(rec, "num_comments") or 0),
            "is_self": as_bool(rec.get("is_self")),
            "domain": rec.get("domain"),
            "distinguished": rec.get("distinguished"),
        },
    )
    return Candidate(post.post_id, "reddit", "submission", post.author, str(path), line, post=post)


def fullname(value: str | None, default_prefix: str | None) -> str | None:
    """Pushshift writes link_id/parent_id as fullnames ("t3_abc"); some exports drop the prefix.
    A bare id gets `default_prefix` (parent_id has none: it may be a submission or a comment)."""
    if value is None or value.startswith(("t1_", "t3_")) or default_prefix is None:
        return value
    return default_prefix + value


def _comment(rec: dict[str, Any], path: Path, line: int) -> Candidate:
    cid = str(text(rec, "id")).removeprefix("t1_")
    post = Post(
        post_id=f"reddit:t1_{cid}",
        platform="reddit",
        kind="comment",
        author=str(text(rec, "author")),
        text=clean_text(text(rec, "body")),
        created_at=post_time(rec, "created_utc"),
        meta={
            "link_id": fullname(text(rec, "link_id"), "t3_"),
            "parent_id": fullname(text(rec, "parent_id"), None),
            "subreddit_id": rec.get("subreddit_id"),
            "score": int(number(rec, "score") or 0),
            "permalink": rec.get("permalink"),
            "controversiality": int(number(rec, "controversiality") or 0),
            "distinguished": rec.get("distinguished"),
        },
    )
    return Candidate(post.post_id, "reddit", "comment", post.author, str(path), line, post=post)


def load_reddit(source: RedditSource, progress: bool = False) -> Loaded:
    """Submissions and comments; every parsed submission also becomes a Thread (comment context)."""
    out = Loaded("reddit")
    subs = expand(source.submissions, "data.sources.reddit.submissions")
    comments = expand(source.comments, "data.sources.reddit.comments")
    load_rows(out, "submission", subs, read_table, SUBMISSION_REQUIRED, "author", _submission, progress)
    for c in out.candidates:
        p = c.post
        assert p is not None
        tid = p.post_id.removeprefix("reddit:")
        out.threads[tid] = Thread(
            thread_id=tid, title=p.title or "", text=p.text, author=p.author, subreddit_id=p.meta.get("subreddit_id")
        )
    load_rows(out, "comment", comments, read_table, COMMENT_REQUIRED, "author", _comment, progress)
    return out
