"""One platform's kept candidates → user records (posts in time order, PII scrubbed) and items."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from humanllm.data.candidate import Candidate
from humanllm.data.pii import Scrubber
from humanllm.data.records import Item, Post, UserRecord


def _scrub_post(post: Post, scrub: Scrubber) -> Post:
    return post.model_copy(update={"text": scrub(post.text), "title": scrub(post.title)})


def assemble(kept: list[Candidate], scrub: Scrubber) -> tuple[list[UserRecord], list[Item]]:
    """Group one platform's kept posts by user (time order) with their attributes; collect kept items."""
    posts: dict[str, list[Post]] = defaultdict(list)
    attributes: dict[str, dict[str, Any]] = defaultdict(dict)
    items: list[Item] = []
    for c in kept:
        if c.item is not None:
            items.append(c.item)
            continue
        uid = c.user_id
        assert uid is not None
        if c.attributes:
            attrs = dict(c.attributes)
            if attrs.get("description"):
                attrs["description"] = scrub(attrs["description"])
            attributes[uid].update(attrs)
        if c.post is not None:
            posts[uid].append(_scrub_post(c.post, scrub))
    users = []
    for uid in sorted(posts):
        ps = sorted(posts[uid], key=lambda x: (x.created_at is None, x.created_at or 0, x.post_id))
        users.append(UserRecord(user_id=uid, platform=ps[0].platform, attributes=attributes.get(uid, {}), posts=ps))
    return users, sorted(items, key=lambda i: i.item_id)
