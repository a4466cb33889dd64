"""User- and item-level activity thresholds, and the seeded per-platform user cap.

A user-level rule rejects every remaining record of the user (posts, comments, profile row).
"""

from __future__ import annotations

from collections import Counter

from humanllm.data.candidate import Candidate
from humanllm.data.config import FiltersConfig
from humanllm.data.core import amazon_activity
from humanllm.data.rules import Decisions
from humanllm.io import stable_hash

# The post kind whose count decides whether a user is kept, and its threshold.
COUNTED = {"reddit": "submission", "twitter": "tweet", "blogger": "blog_post", "amazon": "review"}


def _min_posts(platform: str, f: FiltersConfig) -> int:
    return {"reddit": f.reddit.min_posts, "twitter": f.twitter.min_posts, "blogger": f.blogger.min_posts}[platform]


def _drop_users(
    cands: list[Candidate], kept_users: set[str], reason: str, other_reason: str, detail: dict[str, str]
) -> Decisions:
    """Reject the records of users not in `kept_users`: `reason` for the counted posts, `other_reason` else."""
    out: Decisions = {}
    for c in cands:
        if c.author is None or c.author in kept_users:
            continue
        counted = c.kind == COUNTED[c.platform]
        out[c.record_id] = (reason if counted else other_reason, detail.get(c.author))
    return out


def activity_filter(cands: list[Candidate], platform: str, f: FiltersConfig) -> Decisions:
    """Amazon: item and user review thresholds (data/core.py); other platforms: users with too few posts."""
    if platform == "amazon":
        return amazon_activity(cands, f.amazon)
    kind, need = COUNTED[platform], _min_posts(platform, f)
    counts = Counter(c.author for c in cands if c.kind == kind)
    authors = {c.author for c in cands if c.author is not None}
    kept = {a for a in authors if counts[a] >= need}
    return _drop_users(
        cands, kept, "user_below_min_posts", "user_not_kept", {a: f"{counts[a]} < {need}" for a in authors - kept}
    )


def cap_users(cands: list[Candidate], max_users: int | None, seed: int) -> Decisions:
    """Keep at most `max_users` users of the platform, chosen by a seeded hash of the user id."""
    authors = sorted({c.author for c in cands if c.author is not None and c.post is not None})
    if max_users is None or len(authors) <= max_users:
        return {}
    kept = set(sorted(authors, key=lambda a: stable_hash([seed, a]))[:max_users])
    return _drop_users(cands, kept, "max_users_cap", "max_users_cap", {})
