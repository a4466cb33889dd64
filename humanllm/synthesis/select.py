"""Which users and posts enter curation: platforms, a user cap spread across platforms, recent posts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from humanllm.data.records import Post, UserRecord
from humanllm.funnel import CurationFunnel
from humanllm.synthesis.config import SynthesisConfig
from humanllm.synthesis.records import RejectedRecord


@dataclass
class Selection:
    users: list[UserRecord] = field(default_factory=list)
    posts: dict[str, list[Post]] = field(default_factory=dict)  # user_id → selected posts, time order
    rejected: list[RejectedRecord] = field(default_factory=list)


def _rank(user_id: str, seed: int) -> str:
    return hashlib.sha256(f"curate:{seed}:{user_id}".encode()).hexdigest()


def _reject(record_id: str, kind: str, user_id: str, reason: str) -> RejectedRecord:
    return RejectedRecord(record_id=record_id, kind=kind, user_id=user_id, stage="select", reason=reason)


def _keep_split(order: list[UserRecord], limit: int, held_out: set[str], test_fraction: float) -> list[UserRecord]:
    """The first `limit` users of `order` with round(fraction·limit) of them held-out users (as many as there are)."""
    test = [u for u in order if u.user_id in held_out]
    train = [u for u in order if u.user_id not in held_out]
    n_test = min(len(test), max(round(test_fraction * limit), 1 if limit > 1 else 0))
    n_train = min(len(train), limit - n_test)
    n_test = min(len(test), limit - n_train)
    keep = {u.user_id for u in test[:n_test] + train[:n_train]}
    return [u for u in order if u.user_id in keep]


def select(
    users: list[UserRecord],
    cfg: SynthesisConfig,
    seed: int,
    funnel: CurationFunnel,
    split: tuple[set[str], float] | None = None,
) -> Selection:
    """Pick up to `max_users` users (round-robin over platforms, seeded order within each) and their posts.
    With `split` = (held-out users, test fraction), the capped selection keeps the split's proportion of
    held-out users, so every curated family has test users."""
    out = Selection()
    kinds = set(cfg.posts.kinds)
    by_platform: dict[str, list[UserRecord]] = {p: [] for p in cfg.platforms}
    for u in users:
        if u.platform not in by_platform:
            out.rejected.append(_reject(u.user_id, "user", u.user_id, "platform_not_selected"))
        elif not any(p.kind in kinds for p in u.posts):
            out.rejected.append(_reject(u.user_id, "user", u.user_id, "no_posts_of_selected_kinds"))
        else:
            by_platform[u.platform].append(u)
    queues = [sorted(us, key=lambda u: _rank(u.user_id, seed)) for us in by_platform.values()]
    order: list[UserRecord] = []
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    limit = len(order) if cfg.max_users is None else cfg.max_users
    out.users = order[:limit] if split is None or limit >= len(order) else _keep_split(order, limit, *split)
    chosen = {u.user_id for u in out.users}
    out.rejected += [_reject(u.user_id, "user", u.user_id, "over_max_users") for u in order if u.user_id not in chosen]
    funnel.add("select", "user", len(users), len(out.users), [r.reason for r in out.rejected])

    post_rejects: list[RejectedRecord] = []
    n_posts = 0
    for u in out.users:
        n_posts += len(u.posts)
        eligible = [p for p in u.posts if p.kind in kinds]
        chosen = eligible if cfg.posts.per_user is None else eligible[-cfg.posts.per_user :]
        chosen_ids = {p.post_id for p in chosen}
        out.posts[u.user_id] = chosen
        for p in u.posts:
            if p.post_id not in chosen_ids:
                reason = "kind_not_selected" if p.kind not in kinds else "over_posts_per_user"
                post_rejects.append(_reject(p.post_id, "post", u.user_id, reason))
    funnel.add("select", "post", n_posts, n_posts - len(post_rejects), [r.reason for r in post_rejects])
    out.rejected += post_rejects
    return out
