"""Sample Amazon Reviews 2023 files: <Category>.jsonl(.gz) reviews and meta_<Category>.jsonl items.

Each category has 100 items (5 topics x 20). The first 10 of each topic are "core" items: the kept users
of a category review them in a cyclic design, each core item by 3 kept users (a user reviews about half
of them), so the paper's 8-core users / 3-core items hold after the top-half item cut and still leave each
user >= 19 unseen core items for item selection. Background shoppers (too few reviews to be kept) add
4 reviews to every core item (the `ours` 5-core item threshold) and one to each other item, so that the
other half of the reviewed items is the least reviewed half.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from humanllm.data.sample.banks import AMAZON_CATEGORIES, TOPICS
from humanllm.data.sample.common import Clock, base36, jline, pii_sentence, write_lines
from humanllm.data.sample.personas import Persona, make_personas
from humanllm.data.sample.writing import review

START_MS = 1_577_836_800_000  # 2020-01-01
BRANDS = [
    "Northpeak",
    "Kettleworth",
    "Trailhound",
    "Copperleaf",
    "Bramblewood",
    "Ironfern",
    "Lumen & Co",
    "Saltmarsh",
    "Fieldcraft",
    "Brightwater",
]
CORE = 10  # core items per topic
PER_TOPIC = 20  # catalog items per topic
REVIEWERS = 3  # kept users per core item
BACKGROUND = (
    "Bought for a gift &quot;{title}&quot;. Fine.",
    "The {title} arrived quickly and works as expected for the price.",
    "Ordered the {title} for my brother; he says it has held up well so far.",
    "Second {title} in our house now, and no complaints at all from anyone.",
)


def _asin(r: random.Random) -> str:
    return "B0" + base36(r, 8).upper()


def _catalog(r: random.Random, category: str) -> dict[str, list[dict[str, Any]]]:
    """topic → 10 item meta records (the first CORE are the core items)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for topic in AMAZON_CATEGORIES[category]:
        items = []
        for k in range(PER_TOPIC):
            noun = TOPICS[topic].products[k % len(TOPICS[topic].products)]
            brand = BRANDS[(k * 3 + len(topic)) % len(BRANDS)]
            variant = r.choice(["Pack of 2", "Large", "Blue", "Compact", "Pro Edition"]) if k % 10 >= 6 else None
            title = f"{brand} {noun}, {variant}" if variant else f"{brand} {noun}"
            items.append(
                {
                    "main_category": category.replace("_", " "),
                    "title": title,
                    "average_rating": round(r.uniform(3, 5), 1),
                    "rating_number": r.randint(5, 4000),
                    "features": [f"Built for {topic} &amp; everyday use", "Lightweight"],
                    "description": [f"The {title} is made for people who love {topic}."],
                    "price": round(r.uniform(8, 120), 2),
                    "images": [],
                    "videos": [],
                    "store": brand,
                    "categories": [category.replace("_", " "), topic.title()],
                    "details": {"Brand": brand},
                    "parent_asin": _asin(r),
                    "bought_together": None,
                }
            )
        out[topic] = items
    return out


def _review(
    r: random.Random,
    p: Persona | None,
    user: str,
    item: dict[str, Any],
    t: int,
    text: str | None = None,
    topic: str | None = None,
) -> dict:
    rating = r.choice([5, 5, 4, 4, 3, 2]) if p else 5
    body = text if text is not None else (review(p, r, item["title"], rating, topic) if p else "Works as described.")
    return {
        "rating": float(rating),
        "title": r.choice(["Does the job", "Love it", "Solid", "Not bad", "Great value"]),
        "text": body,
        "images": [],
        "asin": item["parent_asin"],
        "parent_asin": item["parent_asin"],
        "user_id": user,
        "timestamp": t,
        "helpful_vote": r.randint(0, 12),
        "verified_purchase": r.random() < 0.85,
    }


def _user_items(catalog: dict[str, list[dict[str, Any]]], i: int, n_users: int) -> list[tuple[str, dict[str, Any]]]:
    """User i's core items: item j when (j - i) mod n_users < REVIEWERS (each item gets REVIEWERS users)."""
    core = [(tp, it) for tp, items in catalog.items() for it in items[:CORE]]
    return [(tp, it) for j, (tp, it) in enumerate(core) if (j - i) % n_users < min(REVIEWERS, n_users)]


def _write_category(
    folder: Path, r: random.Random, category: str, users: list[Persona], defects: bool, gz: bool
) -> dict:
    catalog = _catalog(r, category)
    topics = list(catalog)
    clock = Clock(r, START_MS, 3600_000, 4 * 86400_000)
    reviews: list[dict[str, Any]] = []
    for i, p in enumerate(users):
        uid = "A" + base36(r, 27).upper()
        items = _user_items(catalog, i, len(users))
        r.shuffle(items)
        first = len(reviews)
        reviews += [_review(r, p, uid, it, clock.next(), topic=tp) for tp, it in items]
        if defects and i == 0:
            picked = p.topics[:2]
            tail = catalog[picked[0]][CORE + 2]
            reviews.append(_review(r, p, uid, tail, clock.next(), topic=picked[0]))  # an item few others review
            reviews.append(dict(reviews[-1], timestamp=clock.next(), asin="B0NOTINMETA", parent_asin="B0NOTINMETA"))
            twin = catalog[picked[1]][CORE + 3]  # the same text again, for another item: an exact duplicate
            reviews.append(
                dict(reviews[first], timestamp=clock.next(), asin=twin["parent_asin"], parent_asin=twin["parent_asin"])
            )
            tp, item = items[1]
            text = review(p, r, item["title"], 4, tp) + "<br /><br />" + pii_sentence(p, r, "my sister")
            reviews.append(_review(r, p, uid, item, clock.next(), text=text))  # the same item again (user-item dup)
            reviews.append(_review(r, p, uid, catalog[picked[0]][CORE + 4], clock.next(), text="Works fine, thanks."))
    core = [it for tp in topics for it in catalog[tp][:CORE]]
    rest = [it for tp in topics for it in catalog[tp][CORE:]]
    for template in BACKGROUND:  # background shoppers: 4 reviews each, below every user threshold
        for k in range(0, len(core), 4):
            uid = "A" + base36(r, 27).upper()
            reviews += [
                _review(r, None, uid, it, clock.next(), text=template.format(title=it["title"]))
                for it in core[k : k + 4]
            ]
    for k in range(0, len(rest), 4):
        uid = "A" + base36(r, 27).upper()
        reviews += [
            _review(r, None, uid, it, clock.next(), text=f"Bought this {it['title']} on a whim. It is fine.")
            for it in rest[k : k + 4]
        ]
    reviews.sort(key=lambda x: x["timestamp"])
    lines = [jline(x) for x in reviews]
    meta = [jline(it) for tp in topics for it in catalog[tp]]
    if defects:
        lines.insert(4, lines[3])  # the same review line twice
        lines.insert(7, b'{"rating": 5.0, "title": "Great", "text": "Cut off mid\n')
        lines.insert(10, jline({k: v for k, v in reviews[9].items() if k != "user_id"}))
        meta.insert(3, jline({"main_category": category, "title": "", "parent_asin": _asin(r), "store": "Nameless"}))
        meta.insert(6, b'{"parent_asin": "B0BROKEN", "title": \n')
        first_item = catalog[topics[0]][0]
        meta.append(jline(dict(first_item, parent_asin=_asin(r), title=f"  {first_item['title'].upper()} ")))
    name = f"{category}.jsonl" + (".gz" if gz else "")
    return {
        "reviews": write_lines(folder / name, lines, gz=gz),
        "items": write_lines(folder / f"meta_{category}.jsonl", meta),
    }


def write_amazon(folder: Path, r: random.Random, n_users: int, defects: bool) -> dict[str, int]:
    out = {"reviews": 0, "items": 0}
    categories = sorted(AMAZON_CATEGORIES)
    for c, category in enumerate(categories):
        count = n_users // len(categories) + (1 if c < n_users % len(categories) else 0)
        users = make_personas(r, count, topic_pool=AMAZON_CATEGORIES[category])
        stats = _write_category(folder, r, category, users, defects, gz=c == 1)
        out = {k: out[k] + stats[k] for k in out}
    return out
