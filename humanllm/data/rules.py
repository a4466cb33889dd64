"""Record-level rule filters; which rules run and their thresholds come from `data.filters` (a preset).

Each function returns {record_id: (reason, detail)} for the candidates it rejects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from humanllm.data.candidate import Candidate
from humanllm.data.config import (
    AdTweetRules,
    AmazonFilter,
    AuthorRules,
    CommentFilter,
    CorporateRules,
    FiltersConfig,
    RedditFilter,
)

Decisions = dict[str, tuple[str, str | None]]
REMOVED_TEXT = {"[deleted]", "[removed]"}
REMOVED_PHRASES = ("this comment has been removed", "this submission has been removed")


def author_reason(author: str, rules: AuthorRules) -> str | None:
    """'deleted_author' / 'bot_author' for accounts whose text is not a person's own."""
    if author in rules.deleted_authors:
        return "deleted_author"
    lowered = author.lower()
    if (
        author in rules.bot_authors
        or (rules.bot_pattern and re.search(rules.bot_pattern, author))
        or any(s.lower() in lowered for s in rules.bot_substrings)
    ):
        return "bot_author"
    return None


def is_removed(text: str) -> bool:
    """A body that a moderator or the author took down ("[removed]", "this comment has been removed")."""
    low = text.strip().lower()
    return low in REMOVED_TEXT or any(p in low for p in REMOVED_PHRASES)


def distinguished_reason(value: object, drop: bool | list[str]) -> tuple[str, str] | None:
    """('distinguished', value) when `drop` is true and value is set, or value is one of the listed ones."""
    if not value or drop is False:
        return None
    return ("distinguished", str(value)) if drop is True or str(value) in drop else None


def question_only(text: str, max_words: int | None) -> bool:
    """A selftext of fewer than `max_words` words that ends in '?' (the official question-only rule)."""
    body = text.strip()
    return max_words is not None and len(body.split()) < max_words and body.endswith("?")


def _short(c: Candidate, min_chars: int) -> tuple[str, str] | None:
    n = len(c.text)
    return ("too_short", f"{n} < {min_chars} chars") if n < min_chars else None


def _submission_reason(c: Candidate, r: RedditFilter) -> tuple[str, str | None] | None:
    p = c.post
    assert p is not None
    if d := distinguished_reason(p.meta.get("distinguished"), r.drop_distinguished):
        return d
    if r.self_posts_only and not p.meta.get("is_self"):
        return ("not_self_post", p.meta.get("domain"))
    if is_removed(p.text):
        return ("removed_text", p.text)
    if short := _short(c, r.min_chars):
        return short
    if question_only(p.text, r.question_max_words):
        return ("question_only", f"{len(p.text.split())} words ending in '?'")
    if p.meta["score"] < r.min_score and p.meta["num_comments"] < r.min_comments:
        return ("low_engagement", f"score {p.meta['score']}, {p.meta['num_comments']} comments")
    return None


def _comment_reason(
    c: Candidate, r: CommentFilter, threads: set[str], passed: set[str]
) -> tuple[str, str | None] | None:
    p = c.post
    assert p is not None
    link, parent = p.meta["link_id"], p.meta.get("parent_id")
    if not r.enabled:
        return ("comments_disabled", None)
    if d := distinguished_reason(p.meta.get("distinguished"), r.drop_distinguished):
        return d
    if is_removed(p.text):
        return ("removed_text", p.text)
    if short := _short(c, r.min_chars):
        return short
    if r.top_level_only and parent != link:
        return ("not_top_level", f"parent {parent}")
    if r.require_thread and link not in threads:
        return ("thread_missing", link)
    if r.thread_must_pass_rules and link not in passed:
        return ("thread_not_kept", link)
    return None


def reddit_rules(cands: Iterable[Candidate], f: FiltersConfig, threads: set[str]) -> Decisions:
    """Submissions first (comments may need their submission to pass), then comments."""
    out: Decisions = {}
    comments = []
    for c in cands:
        assert c.post is not None and c.author is not None
        if reason := author_reason(c.author, f.reddit.authors):
            out[c.record_id] = (reason, c.author)
        elif c.kind == "submission":
            if decided := _submission_reason(c, f.reddit):
                out[c.record_id] = decided
        else:
            comments.append(c)
    passed = {tid for tid in threads if f"reddit:{tid}" not in out}
    for c in comments:
        if decided := _comment_reason(c, f.comments, threads, passed):
            out[c.record_id] = decided
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
    brand = (
        re.compile(r"\b(?:" + "|".join(re.escape(w.lower()) for w in rules.brand_words) + r")\b")
        if rules.brand_words
        else None
    )
    found: dict[str, str] = {}
    for author in sorted(set(profiles) | set(tweets), key=str):
        prof = profiles.get(author, {})
        raw_desc = prof.get("description") or ""
        desc = raw_desc.lower()
        hit = (
            next((k for k in keywords if k in desc), None)
            or next((w for w in rules.description_words if w.lower() in desc.split()), None)
            or next((k for k in rules.description_exact if k in raw_desc), None)
        )
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


def ad_keyword(text: str, rules: AdTweetRules) -> str | None:
    """The first advertising keyword inside the lower-cased tweet (the official per-tweet rule), if enabled."""
    low = text.lower()
    return next((k for k in rules.keywords if k.lower() in low), None) if rules.enabled else None


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
        elif ad := ad_keyword(c.text, f.twitter.ad_tweets):
            out[c.record_id] = ("advertising_tweet", f"has {ad!r}")
        elif short := _short(c, f.twitter.min_chars):
            out[c.record_id] = short
    return out


def blogger_rules(cands: Iterable[Candidate], f: FiltersConfig) -> Decisions:
    return {c.record_id: s for c in cands if (s := _short(c, f.blogger.min_chars))}


def duplicate_titles(items: list[Candidate], per_category: bool) -> Decisions:
    """Items whose stripped, lower-cased title an earlier item (of the same category) already has."""
    out: Decisions = {}
    first: dict[tuple[str | None, str], str] = {}
    for c in items:
        assert c.item is not None
        key = (c.item.category if per_category else None, c.item.title.strip().lower())
        if key in first:
            out[c.record_id] = ("duplicate_title", f"same title as {first[key]}")
        else:
            first[key] = c.item.item_id
    return out


def _review_reason(c: Candidate, a: AmazonFilter, catalog: set[str]) -> tuple[str, str | None] | None:
    assert c.post is not None
    n_words = len(c.post.text.split())
    if a.require_rating and not c.post.meta.get("rating"):
        return ("missing_rating", None)
    if a.require_item_in_catalog and c.post.meta["parent_asin"] not in catalog:
        return ("item_missing", c.post.meta["parent_asin"])
    if short := _short(c, a.min_chars):
        return short
    if n_words < a.min_text_words:
        return ("too_few_words", f"{n_words} < {a.min_text_words} words")
    return None


def amazon_rules(cands: list[Candidate], f: FiltersConfig) -> Decisions:
    """Catalog items without (or with a repeated) title; reviews by the review rules, in file order."""
    a = f.amazon
    items = [c for c in cands if c.item is not None]
    out: Decisions = {c.record_id: ("missing_title", None) for c in items if not c.item or not c.item.title}
    if a.dedup_titles:
        out.update(duplicate_titles([c for c in items if c.record_id not in out], a.per_category))
    catalog = {c.item.item_id for c in items if c.item is not None and c.record_id not in out}
    reviewed: dict[tuple[str | None, str], str] = {}
    for c in cands:
        if c.item is not None:
            continue
        if decided := _review_reason(c, a, catalog):
            out[c.record_id] = decided
            continue
        assert c.post is not None
        pair = (c.author, c.post.meta["parent_asin"])
        if a.dedup_user_item and pair in reviewed:
            out[c.record_id] = ("duplicate_user_item", f"already reviewed in {reviewed[pair]}")
        else:
            reviewed.setdefault(pair, c.record_id)
    return out
