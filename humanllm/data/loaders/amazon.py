"""Amazon reviews (McAuley lab): per-category review files and item meta → reviews and items.

Each file's schema is detected from its records: Amazon Reviews 2023 (`user_id`, `parent_asin`, millisecond
`timestamp`) or the 2018 release (`reviewerID`, `asin`, `unixReviewTime`, `overall`; the 2014 files use the
same names, with `helpful` instead of `vote`). 2018 meta (`asin`, `title`, `category`, `brand`, ...) joins its
reviews on `asin`; 2023 meta joins on `parent_asin`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from humanllm.data.candidate import BadRecord, Candidate, Loaded, as_bool, number, post_time, text
from humanllm.data.config import AmazonCategory
from humanllm.data.loaders.rows import Build, detect_schema, load_rows
from humanllm.data.rawio import expand, read_table
from humanllm.data.records import Item, Post
from humanllm.data.text import clean_text

ITEM_FIELDS = (
    "main_category",
    "average_rating",
    "rating_number",
    "store",
    "categories",
    "details",
    "price",
    "rank",
)
EXPECTED = (
    "Amazon Reviews 2023 (reviews: user_id, asin, parent_asin, timestamp, rating, title, text; meta: "
    "parent_asin, title, ...) or 2018/2014 (reviews: reviewerID, asin, unixReviewTime, overall, summary, "
    "reviewText; meta: asin, title, category, brand, description, ...)"
)
REVIEW_SCHEMAS: dict[str, Callable[[dict], bool]] = {
    "2023": lambda r: "user_id" in r,
    "2018": lambda r: "reviewerID" in r,
}
META_SCHEMAS: dict[str, Callable[[dict], bool]] = {
    "2023": lambda r: "parent_asin" in r and "user_id" not in r,
    "2018": lambda r: "asin" in r and not {"parent_asin", "reviewerID"} & set(r),
}
REVIEW_REQUIRED = {"2023": ("user_id", "asin", "timestamp"), "2018": ("reviewerID", "asin")}
META_REQUIRED = {"2023": ("parent_asin",), "2018": ("asin",)}


def category_of(path: Path) -> str:
    """'Books.jsonl.gz' → 'Books', 'meta_Books.jsonl' → 'Books', 'All_Beauty_5.json' → 'All_Beauty'."""
    name = re.sub(r"\.(jsonl|json|csv|parquet)(\.gz|\.zst)?$", "", path.name, flags=re.I)
    return re.sub(r"_5$", "", name.removeprefix("meta_"))  # the 2018 "5-core" files end in _5


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [t for t in (clean_text(v) for v in items) if t]


def _item(category: str | None) -> Build:
    def build(rec: dict[str, Any], path: Path, line: int) -> Candidate:
        asin = str(text(rec, "parent_asin"))
        meta = {k: rec.get(k) for k in ITEM_FIELDS if rec.get(k) not in (None, "", [], {})}
        meta["features"] = _texts(rec.get("features"))
        meta["description"] = _texts(rec.get("description"))
        item = Item(
            item_id=asin,
            title=clean_text(text(rec, "title")),
            category=category or category_of(path),
            meta=meta,
        )
        return Candidate(f"amazon:item:{asin}", "amazon", "item", None, str(path), line, item=item)

    return build


def _review(category: str | None) -> Build:
    def build(rec: dict[str, Any], path: Path, line: int) -> Candidate:
        user = str(text(rec, "user_id"))
        parent = str(text(rec, "parent_asin") or text(rec, "asin"))
        ts = post_time(rec, "timestamp")
        meta = {
            "asin": rec.get("asin"),
            "parent_asin": parent,
            "rating": number(rec, "rating"),
            "helpful_vote": int(number(rec, "helpful_vote") or 0),
            "verified_purchase": as_bool(rec.get("verified_purchase")),
            "category": category or category_of(path),
        }
        if isinstance(rec.get("style"), dict):
            meta["style"] = {k.strip().rstrip(":"): str(v).strip() for k, v in rec["style"].items() if v is not None}
        post = Post(
            post_id=f"amazon:{user}:{parent}:{rec.get('timestamp')}",
            platform="amazon",
            kind="review",
            author=user,
            title=clean_text(text(rec, "title")) or None,
            text=clean_text(text(rec, "text")),
            created_at=ts,
            meta=meta,
        )
        return Candidate(post.post_id, "amazon", "review", user, str(path), line, post=post)

    return build


def _review_day(value: Any) -> int | None:
    """2018 `reviewTime` ('09 4, 2015', month first) → unix seconds; anything else → BadRecord."""
    if value is None:
        return None
    try:
        return int(datetime.strptime(str(value).strip(), "%m %d, %Y").replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise BadRecord("bad_timestamp", f"reviewTime={value!r:.40}") from None


def review_2018_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """A 2018 (or 2014) review in the 2023 field names; `vote` is '1,234' in 2018, `helpful` [up, total]
    in 2014."""
    votes = rec.get("vote")
    if isinstance(votes, str):
        votes = votes.replace(",", "")
    helpful = rec.get("helpful")
    if votes is None and isinstance(helpful, list) and helpful:
        votes = helpful[0]
    stamp = rec.get("unixReviewTime")
    if stamp is None:
        stamp = _review_day(rec.get("reviewTime"))
    if stamp is None:
        raise BadRecord("missing_field", "unixReviewTime, reviewTime")
    return {
        "user_id": rec["reviewerID"],
        "asin": rec["asin"],
        "parent_asin": rec["asin"],
        "timestamp": stamp,
        "text": rec.get("reviewText"),
        "title": rec.get("summary"),
        "rating": rec.get("overall"),
        "helpful_vote": votes,
        "verified_purchase": rec.get("verified"),
        "style": rec.get("style"),
    }


def item_2018_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """A 2018 meta row in the 2023 field names (`category` list → categories, `brand` → store, ...)."""
    return {
        "parent_asin": rec["asin"],
        "title": rec.get("title"),
        "main_category": rec.get("main_cat"),
        "store": rec.get("brand"),
        "categories": rec.get("category"),
        "details": rec.get("details"),
        "price": rec.get("price"),
        "rank": rec.get("rank"),
        "features": rec.get("feature"),
        "description": rec.get("description"),
    }


def _renamed(build: Build, rename: Callable[[dict[str, Any]], dict[str, Any]]) -> Build:
    return lambda rec, path, line: build(rename(rec), path, line)


def _load_files(out: Loaded, kind: str, files: list[Path], category: str | None, seen: set[str], show: bool) -> None:
    """Each file with the builder of the schema its records show (said in `out.formats`)."""
    schemas = REVIEW_SCHEMAS if kind == "review" else META_SCHEMAS
    for path in files:
        schema = detect_schema(path, read_table, schemas, f"Amazon {kind}", EXPECTED) or "2023"
        out.formats.append(f"{kind} schema {schema} ({path.name})")
        if kind == "review":
            required, build = REVIEW_REQUIRED[schema], _review(category)
            build = _renamed(build, review_2018_fields) if schema == "2018" else build
            author = "reviewerID" if schema == "2018" else "user_id"
        else:
            required, build = META_REQUIRED[schema], _item(category)
            build = _renamed(build, item_2018_fields) if schema == "2018" else build
            author = ""
        load_rows(out, kind, [path], read_table, required, author, build, show, seen)


def load_amazon(source: list[AmazonCategory], progress: bool = False) -> Loaded:
    """Every category's meta (catalog items) then reviews; item ids are unique across categories."""
    out = Loaded("amazon")
    items: set[str] = set()
    reviews: set[str] = set()
    for i, cat in enumerate(source):
        key = f"data.sources.amazon.{i}"
        meta, revs = expand(cat.meta, f"{key}.meta"), expand(cat.reviews, f"{key}.reviews")
        _load_files(out, "item", meta, cat.category, items, progress)
        _load_files(out, "review", revs, cat.category, reviews, progress)
    return out
