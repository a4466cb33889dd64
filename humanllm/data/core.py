"""Amazon activity thresholds: the most-reviewed share of items, then user/item k-core, per category or not.

`paper` (the official amazon_filter_s1.py): top half of items by review count, then users >= 8 and
items >= 3 reviews, repeated until nothing changes, each category on its own, and the catalog cut to
the items left. `ours`: one pass, items first, then users, across categories.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from humanllm.data.candidate import Candidate
from humanllm.data.config import AmazonFilter
from humanllm.data.rules import Decisions


def _item(c: Candidate) -> str:
    assert c.post is not None
    return c.post.meta["parent_asin"]


def frequency_order(reviews: list[Candidate]) -> list[str]:
    """Items by review count, most first; ties in the order the official script meets them
    (users by first appearance in the file, each user's reviews by time)."""
    by_user: dict[str | None, list[Candidate]] = defaultdict(list)
    for c in reviews:
        by_user[c.author].append(c)
    seen: dict[str, int] = {}
    for user_reviews in by_user.values():
        for c in sorted(user_reviews, key=lambda x: (x.post.created_at or 0) if x.post else 0):
            seen.setdefault(_item(c), len(seen))
    freq = Counter(_item(c) for c in reviews)
    return sorted(seen, key=lambda i: (-freq[i], seen[i]))


def top_share(reviews: list[Candidate], share: float) -> Decisions:
    """Reject reviews of items outside the `share` most-reviewed items (floor, as `len // 2` for a half)."""
    order = frequency_order(reviews)
    keep = set(order[: int(len(order) * share)])
    n = len(order)
    return {
        c.record_id: ("item_not_top_share", f"not among the top {len(keep)} of {n} items")
        for c in reviews
        if _item(c) not in keep
    }


def iterative_core(reviews: list[Candidate], min_user: int, min_item: int) -> Decisions:
    """Peel users with < min_user and items with < min_item reviews (both from the same counts) until stable."""
    out: Decisions = {}
    alive = list(reviews)
    rounds = 0
    while True:
        rounds += 1
        users = Counter(c.author for c in alive)
        items = Counter(_item(c) for c in alive)
        dropped: Decisions = {}
        for c in alive:
            if users[c.author] < min_user:
                dropped[c.record_id] = (
                    "user_below_min_reviews",
                    f"{users[c.author]} < {min_user} (k-core round {rounds})",
                )
            elif items[_item(c)] < min_item:
                dropped[c.record_id] = (
                    "item_below_min_reviews",
                    f"{items[_item(c)]} < {min_item} (k-core round {rounds})",
                )
        if not dropped:
            return out
        out.update(dropped)
        alive = [c for c in alive if c.record_id not in dropped]


def one_pass(reviews: list[Candidate], min_user: int, min_item: int) -> Decisions:
    """Items with < min_item reviews first, then users with < min_user of the reviews left."""
    per_item = Counter(_item(c) for c in reviews)
    out: Decisions = {
        c.record_id: ("item_below_min_reviews", f"{per_item[_item(c)]} < {min_item} reviews")
        for c in reviews
        if per_item[_item(c)] < min_item
    }
    left = [c for c in reviews if c.record_id not in out]
    per_user = Counter(c.author for c in left)
    out.update(
        {
            c.record_id: ("user_below_min_reviews", f"{per_user[c.author]} < {min_user}")
            for c in left
            if per_user[c.author] < min_user
        }
    )
    return out


def amazon_activity(cands: list[Candidate], a: AmazonFilter) -> Decisions:
    """Decisions for reviews (top share, core) and, with `catalog_core_only`, for catalog items left unreviewed."""
    reviews = [c for c in cands if c.kind == "review"]
    groups: dict[str | None, list[Candidate]] = defaultdict(list)
    for c in reviews:
        assert c.post is not None
        groups[c.post.meta.get("category") if a.per_category else None].append(c)
    out: Decisions = {}
    for group in groups.values():
        if a.top_item_share is not None:
            cut = top_share(group, a.top_item_share)
            out.update(cut)
            group = [c for c in group if c.record_id not in cut]
        core = iterative_core if a.iterative_core else one_pass
        out.update(core(group, a.min_user_reviews, a.min_item_reviews))
    if a.catalog_core_only:
        kept_items = {_item(c) for c in reviews if c.record_id not in out}
        out.update(
            {
                c.record_id: ("item_not_in_core", None)
                for c in cands
                if c.item is not None and c.item.item_id not in kept_items
            }
        )
    return out
