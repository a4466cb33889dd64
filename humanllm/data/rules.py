"""Record-level rule filters (the authors' rules, thresholds from `data.filters`).

Each function returns {record_id: (reason, detail)} for the candidates it rejects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from humanllm.data.candidate import Candidate
from humanllm.data.config import AuthorRules, CorporateRules, FiltersConfig

Decisions = dict[str, tuple[str, str | None]]
REMOVED_TEXT = {"[deleted]", "[removed]"}


def author_reason(author: str, rules: AuthorRules) -> str | None:
    """'deleted_author' / 'bot_author' for accounts whose text is not a person's own."""
    if author in rules.deleted_authors:
        return "deleted_author"
    if author in rules.bot_authors or (rules.bot_pattern and re.search(rules.bot_pattern, author)):
        return "bot_author"
    return None


def _short(c: Candidate, min_chars: int) -> tuple[str, str] | None:
    n = len(c.text)
    return ("too_short", f"{n} < {min_chars} chars") if n < min_chars else None


def reddit_rules(cands: Iterable[Candidate], f: FiltersConfig, threads: set[str]) -> Decisions:
    out: Decisions = {}
    for c in cands:
        p = c.post
        assert p is not None and c.author is not None
        reason = author_reason(c.author, f.reddit.authors)
        if reason:
            out[c.record_id] = (reason, c.author)
        elif c.kind == "submission":
            r = f.reddit
            if r.drop_distinguished and p.meta.get("distinguished"):
                out[c.record_id] = ("distinguished", str(p.meta["distinguished"]))
            elif r.self_posts_only and not p.meta.get("is_self"):
                out[c.record_id] = ("not_self_post", p.meta.get("domain"))
            elif p.text in REMOVED_TEXT:
                out[c.record_id] = ("removed_text", p.text)
            elif short := _short(c, r.min_chars):
                out[c.record_id] = short
            elif p.meta["score"] < r.min_score and p.meta["num_comments"] < r.min_comments:
                out[c.record_id] = ("low_engagement", f"score {p.meta['score']}, {p.meta['num_comments']} comments")
        else:
            r2 = f.comments
            if not r2.enabled:
                out[c.record_id] = ("comments_disabled", None)
            elif r2.drop_distinguished and p.meta.get("distinguished"):
                out[c.record_id] = ("distinguished", str(p.meta["distinguished"]))
            elif p.text in REMOVED_TEXT:
                out[c.record_id] = ("removed_text", p.text)
            elif short := _short(c, r2.min_chars):
                out[c.record_id] = short
            elif r2.require_thread and p.meta["link_id"] not in threads:
                out[c.record_id] = ("thread_missing", p.meta["link_id"])
    return out


def corporate_accounts(cands: list[Candidate], rules: CorporateRules) -> dict[str, str]:
    """{author: why} for accounts that look corporate or promotional (description, brand, promo share)."""
    if not rules.enabled:
        return {}
    profiles = {c.author: c.attributes or {} for c in cands if c.kind == "profile"}
    tweets: dict[str, list[str]] = defaultdict(list)
    for c in cands:
        if c.kind == "tweet":
            tweets[c.author or ""].append(c.text.lower())
    keywords = [k.lower() for k in rules.description_keywords]
    promo_patterns = [p.lower() for p in rules.promo_patterns]
    brand = re.compile(r"\b(?:" + "|".join(re.escape(w.lower()) for w in rules.brand_words) + r")\b") \
        if rules.brand_words else None
    found: dict[str, str] = {}
    for author in sorted(set(profiles) | set(tweets), key=str):
        prof = profiles.get(author, {})
        desc = (prof.get("description") or "").lower()
        hit = next((k for k in keywords if k in desc), None)
        if hit:
            found[author] = f"description has {hit!r}"
            continue
        if prof.get("verified") and prof.get("followers", 0) >= rules.brand_min_followers and brand:
            m = brand.search(f"{desc} {author.lower()}")
            if m:
                found[author] = f"verified, {prof['followers']} followers, brand word {m.group()!r}"
                continue
        texts = tweets.get(author, [])
        promo = sum(any(p in t for p in promo_patterns) for t in texts)
        if texts and promo / len(texts) > rules.max_promo_share:
            found[author] = f"{promo}/{len(texts)} promotional tweets"
    return found


def twitter_rules(cands: list[Candidate], f: FiltersConfig) -> Decisions:
    out: Decisions = {}
    corporate = corporate_accounts(cands, f.twitter.corporate)
    for c in cands:
        if c.author in corporate:
            out[c.record_id] = ("corporate_account", corporate[c.author or ""])
        elif c.kind != "tweet":
            continue
        elif f.twitter.drop_retweets and c.text.startswith("RT @"):
            out[c.record_id] = ("retweet", None)
        elif short := _short(c, f.twitter.min_chars):
            out[c.record_id] = short
    return out


def blogger_rules(cands: Iterable[Candidate], f: FiltersConfig) -> Decisions:
    return {c.record_id: s for c in cands if (s := _short(c, f.blogger.min_chars))}


def amazon_rules(cands: list[Candidate], f: FiltersConfig) -> Decisions:
    out: Decisions = {}
    catalog = {c.item.item_id for c in cands if c.item is not None and c.item.title}
    for c in cands:
        if c.item is not None:
            if not c.item.title:
                out[c.record_id] = ("missing_title", None)
            continue
        assert c.post is not None
        if short := _short(c, f.amazon.min_chars):
            out[c.record_id] = short
        elif f.amazon.require_item_in_catalog and c.post.meta["parent_asin"] not in catalog:
            out[c.record_id] = ("item_missing", c.post.meta["parent_asin"])
    return out
