"""Amazon Reviews 2023 (McAuley lab): per-category review files and item meta → reviews and items."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from humanllm.data.candidate import Candidate, Loaded, as_bool, number, post_time, text
from humanllm.data.config import AmazonCategory
from humanllm.data.loaders.rows import load_rows
from humanllm.data.rawio import expand, read_table
from humanllm.data.records import Item, Post
from humanllm.data.text import clean_text

ITEM_FIELDS = ("main_category", "average_rating", "rating_number", "store", "categories", "details", "price")


def category_of(path: Path) -> str:
    """'Books.jsonl.gz' → 'Books', 'meta_Books.jsonl' → 'Books'."""
    name = re.sub(r"\.(jsonl|json|csv|parquet)(\.gz|\.zst)?$", "", path.name, flags=re.I)
    return name.removeprefix("meta_")


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [t for t in (clean_text(v) for v in items) if t]


def _item(category: str | None):
    def build(rec: dict[str, Any], path: Path, line: int) -> Candidate:
        asin = str(text(rec, "parent_asin"))
        meta = {k: rec.get(k) for k in ITEM_FIELDS if rec.get(k) not in (None, "", [], {})}
        meta["features"] = _texts(rec.get("features"))
        meta["description"] = _texts(rec.get("description"))
        item = Item(item_id=asin, title=clean_text(text(rec, "title")), category=category or category_of(path), meta=meta)
        return Candidate(f"amazon:item:{asin}", "amazon", "item", None, str(path), line, item=item)
    return build


def _review(category: str | None):
    def build(rec: dict[str, Any], path: Path, line: int) -> Candidate:
        user = str(text(rec, "user_id"))
        parent = str(text(rec, "parent_asin") or text(rec, "asin"))
        ts = post_time(rec, "timestamp")
        post = Post(
            post_id=f"amazon:{user}:{parent}:{rec.get('timestamp')}", platform="amazon", kind="review", author=user,
            title=clean_text(text(rec, "title")) or None, text=clean_text(text(rec, "text")), created_at=ts,
            meta={"asin": rec.get("asin"), "parent_asin": parent, "rating": number(rec, "rating"),
                  "helpful_vote": int(number(rec, "helpful_vote") or 0),
                  "verified_purchase": as_bool(rec.get("verified_purchase")),
                  "category": category or category_of(path)},
        )
        return Candidate(post.post_id, "amazon", "review", user, str(path), line, post=post)
    return build


def load_amazon(source: list[AmazonCategory], progress: bool = False) -> Loaded:
    """Every category's meta (catalog items) then reviews; item ids are unique across categories."""
    out = Loaded("amazon")
    items: set[str] = set()
    reviews: set[str] = set()
    for i, cat in enumerate(source):
        key = f"data.sources.amazon.{i}"
        meta, revs = expand(cat.meta, f"{key}.meta"), expand(cat.reviews, f"{key}.reviews")
        load_rows(out, "item", meta, read_table, ("parent_asin",), "", _item(cat.category), progress, items)
        load_rows(out, "review", revs, read_table, ("user_id", "asin", "timestamp"), "user_id",
                  _review(cat.category), progress, reviews)
    return out
