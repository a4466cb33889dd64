"""Twitter (enryu43/twitter100m_tweets + twitter100m_users) → tweets and user profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.data.candidate import Candidate, Loaded, as_bool, number, post_time, text
from humanllm.data.config import TwitterSource
from humanllm.data.loaders.rows import load_rows
from humanllm.data.rawio import expand, read_table
from humanllm.data.records import Post
from humanllm.data.text import clean_text


def _tweet(rec: dict[str, Any], path: Path, line: int) -> Candidate:
    post = Post(
        post_id=f"twitter:{text(rec, 'id')}", platform="twitter", kind="tweet", author=str(text(rec, "user")),
        text=clean_text(text(rec, "tweet")), created_at=post_time(rec, "date"),
        meta={k: int(number(rec, k) or 0) for k in ("likes", "retweets", "replies", "quotes")},
    )
    return Candidate(post.post_id, "twitter", "tweet", post.author, str(path), line, post=post)


def _profile(rec: dict[str, Any], path: Path, line: int) -> Candidate:
    profile = {
        "native_id": None if rec.get("id") is None else str(rec.get("id")),
        "verified": as_bool(rec.get("verified")),
        "followers": int(number(rec, "followers") or 0),
        "description": clean_text(text(rec, "description")),
        "location": clean_text(text(rec, "location")),
    }
    user = str(text(rec, "user"))
    return Candidate(f"twitter:@{user}", "twitter", "profile", user, str(path), line, attributes=profile)


def load_twitter(source: TwitterSource, progress: bool = False) -> Loaded:
    out = Loaded("twitter")
    users = expand(source.users, "data.sources.twitter.users")
    tweets = expand(source.tweets, "data.sources.twitter.tweets")
    load_rows(out, "profile", users, read_table, ("user",), "user", _profile, progress)
    load_rows(out, "tweet", tweets, read_table, ("user", "id", "tweet"), "user", _tweet, progress)
    return out
