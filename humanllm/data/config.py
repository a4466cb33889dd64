"""`data/` config group: where raw logs come from (sample generator or real dumps) and every filter.

The filter and dedup values come from a rule preset, `conf/data/rules/{ours,paper}.yaml` (`data/rules=paper`):
`paper` follows the authors' released filter scripts, `ours` is this project's earlier rule set. The
Python defaults below are the `ours` values; docs/fidelity.md says where the two differ and why.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from humanllm.data.records import Platform
from humanllm.schema import StrictModel, at

PLATFORMS: tuple[Platform, ...] = ("reddit", "twitter", "blogger", "amazon")


def _as_list(value: object) -> object:
    """Let a single path be written where a list of paths (or globs) is expected."""
    return [value] if isinstance(value, str) else value


class SampleConfig(StrictModel):
    """The seeded generator of small raw files in each platform's real schema."""

    seed: int | None = None  # null: the root `seed`
    platforms: list[Platform] = Field(default_factory=lambda: list(PLATFORMS), min_length=1)
    reddit_users: int = Field(12, ge=0, le=200)  # users built to survive the filters
    twitter_users: int = Field(10, ge=0, le=200)
    blogger_users: int = Field(10, ge=0, le=200)
    amazon_users: int = Field(12, ge=0, le=200)
    defects: bool = True  # bots, [deleted], duplicates, bad bytes, broken lines, ...


class RedditSource(StrictModel):
    submissions: list[str] = Field(min_length=1)  # Pushshift: .jsonl(.gz/.zst) or .parquet; globs ok
    comments: list[str] = Field(default_factory=list)

    _lists = field_validator("submissions", "comments", mode="before")(_as_list)


class TwitterSource(StrictModel):
    tweets: list[str] = Field(min_length=1)  # twitter100m_tweets (.parquet/.csv/.jsonl) or API v1.1/v2 JSON
    users: list[str] = Field(default_factory=list)  # twitter100m_users (API files carry their users)

    _lists = field_validator("tweets", "users", mode="before")(_as_list)


class BloggerSource(StrictModel):
    files: list[str] = Field(min_length=1)  # blogs/*.xml (id.gender.age.industry.sign.xml)

    _lists = field_validator("files", mode="before")(_as_list)


class AmazonCategory(StrictModel):
    """One category's files; the 2023 and 2018/2014 schemas are both read (detected per file)."""

    category: str | None = None  # null: from the reviews file name (Books.jsonl, Books_5.json → Books)
    reviews: list[str] = Field(min_length=1)  # <Category>.jsonl(.gz/.zst), 2018 <Category>_5.json, .parquet
    meta: list[str] = Field(default_factory=list)  # meta_<Category>.jsonl / .json

    _lists = field_validator("reviews", "meta", mode="before")(_as_list)


class SourcesConfig(StrictModel):
    """Per-platform raw dump paths; null turns a platform off."""

    reddit: RedditSource | None = None
    twitter: TwitterSource | None = None
    blogger: BloggerSource | None = None
    amazon: list[AmazonCategory] | None = None

    @field_validator("amazon", mode="before")
    @classmethod
    def _categories(cls, value: object) -> object:
        """One category may be written as a mapping; anything else but a list is refused with the shape."""
        if isinstance(value, dict):
            return [value]
        if value is not None and not isinstance(value, list):
            raise ValueError(
                "must be a list of categories; expected shape: "
                "data.sources.amazon=[{category: Books, reviews: [/dumps/Books.jsonl.gz], "
                "meta: [/dumps/meta_Books.jsonl.gz]}, ...]"
            )
        return value

    def enabled(self) -> list[Platform]:
        return [p for p in PLATFORMS if getattr(self, p)]


class AuthorRules(StrictModel):
    """Who counts as a deleted account or a bot (Reddit)."""

    deleted_authors: list[str] = Field(default_factory=lambda: ["[deleted]", "[removed]"])
    bot_authors: list[str] = Field(default_factory=lambda: ["AutoModerator"])
    bot_pattern: str | None = r"(?i)bot$"  # regex on the author name; null: list only
    bot_substrings: list[str] = Field(default_factory=list)  # case-insensitive parts of a name (the official list)

    @field_validator("bot_pattern")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as e:
                raise ValueError(f"not a valid regular expression: {e}") from None
        return v


class RedditFilter(StrictModel):
    self_posts_only: bool = True
    min_chars: int = Field(300, ge=0)  # title + text
    min_score: int = 2  # kept when score >= min_score OR num_comments >= min_comments
    min_comments: int = Field(2, ge=0)
    drop_distinguished: bool | list[str] = True  # true: any value; a list: only these (e.g. [moderator, admin])
    question_max_words: int | None = Field(None, ge=1)  # drop a selftext under this many words ending in "?"
    min_posts: int = Field(6, ge=1)  # qualifying submissions per user
    authors: AuthorRules = Field(default_factory=AuthorRules)


class CommentFilter(StrictModel):
    """Reddit comments kept as a kept user's comment history (personalized commenting)."""

    enabled: bool = True
    min_chars: int = Field(20, ge=0)
    require_thread: bool = True  # the link_id submission must be in the loaded submissions
    thread_must_pass_rules: bool = False  # ... and must itself pass the submission rules
    top_level_only: bool = False  # parent_id == link_id: a reply to the submission, not to a comment
    drop_distinguished: bool | list[str] = True


class CorporateRules(StrictModel):
    """A simple heuristic for corporate / advertising Twitter accounts."""

    enabled: bool = True
    description_keywords: list[str] = Field(
        default_factory=lambda: [
            "official account",
            "official twitter",
            "customer service",
            "customer support",
            "shop now",
            "promo code",
            "deals and offers",
            "follow us",
            "our products",
            "dm us",
        ]
    )
    brand_words: list[str] = Field(
        default_factory=lambda: [
            "official",
            "inc",
            "ltd",
            "llc",
            "company",
            "store",
            "shop",
            "brand",
        ]
    )
    brand_min_followers: int = Field(100_000, ge=0)  # verified + this many followers + a brand word
    promo_patterns: list[str] = Field(
        default_factory=lambda: [
            "use code",
            "% off",
            "shop now",
            "limited time",
            "link in bio",
            "click the link",
            "giveaway",
            "free shipping",
        ]
    )
    max_promo_share: float = Field(0.3, ge=0, le=1)  # more promo tweets than this share: corporate
    description_words: list[str] = Field(default_factory=list)  # whole lower-cased words of the description
    description_exact: list[str] = Field(default_factory=list)  # case-sensitive parts ("Inc.", "LLC")


class AdTweetRules(StrictModel):
    """Advertising tweets, dropped one by one (the official rule): any keyword inside the lower-cased tweet."""

    enabled: bool = False
    keywords: list[str] = Field(default_factory=list)


class TwitterFilter(StrictModel):
    min_chars: int = Field(300, ge=0)
    min_posts: int = Field(6, ge=1)  # the paper: users with > 5 tweets
    drop_retweets: bool = True  # "RT @..."
    corporate: CorporateRules = Field(default_factory=CorporateRules)
    ad_tweets: AdTweetRules = Field(default_factory=AdTweetRules)


class BloggerFilter(StrictModel):
    min_chars: int = Field(301, ge=0)  # the paper: posts > 300 chars
    min_posts: int = Field(1, ge=1)


class AmazonFilter(StrictModel):
    min_chars: int = Field(1, ge=0)  # review title + text
    min_text_words: int = Field(0, ge=0)  # words in the review text (the official rule: > 5, i.e. 6)
    require_rating: bool = False  # a review without a rating is dropped
    require_item_in_catalog: bool = True  # item selection needs the item's title
    dedup_titles: bool = False  # an item whose lower-cased title an earlier item has is dropped
    dedup_user_item: bool = False  # a user's later reviews of an item they already reviewed are dropped
    top_item_share: float | None = Field(None, gt=0, le=1)  # keep only this most-reviewed share of items
    min_item_reviews: int = Field(5, ge=1)  # applied first, on reviews that passed the rules
    min_user_reviews: int = Field(6, ge=1)  # then per user: 1 target + >= 5 history items
    iterative_core: bool = False  # repeat the item and user thresholds until nothing changes
    per_category: bool = False  # count users and items within each category, as separate datasets
    catalog_core_only: bool = False  # drop catalog items left without a kept review


class FiltersConfig(StrictModel):
    reddit: RedditFilter = Field(default_factory=RedditFilter)
    comments: CommentFilter = Field(default_factory=CommentFilter)
    twitter: TwitterFilter = Field(default_factory=TwitterFilter)
    blogger: BloggerFilter = Field(default_factory=BloggerFilter)
    amazon: AmazonFilter = Field(default_factory=AmazonFilter)


class DedupConfig(StrictModel):
    """Exact (normalised-text hash) and near (word-shingle MinHash + LSH, Jaccard-verified) duplicates."""

    enabled: bool = True
    exact: bool = True
    near: bool = True
    scope: Literal["platform", "user"] = "platform"  # compare posts of one kind across all users, or per user
    shingle_size: int = Field(3, ge=1)  # words per shingle
    jaccard_threshold: float = Field(0.8, gt=0, le=1)
    num_perm: int = Field(64, ge=4)
    bands: int = Field(16, ge=1)

    @model_validator(mode="after")
    def _bands_divide(self) -> DedupConfig:
        if self.num_perm % self.bands:
            raise at("bands", f"must divide num_perm ({self.num_perm}); got {self.bands}")
        return self


class PiiConfig(StrictModel):
    """Placeholders for personal data in kept text: [EMAIL], [PHONE], [URL], [USER], [ADDRESS], [NAME]."""

    enabled: bool = True
    emails: bool = True  # also obfuscated: "jane [at] mail [dot] com"
    phones: bool = True
    urls: bool = True
    handles: bool = True  # @name and u/name
    usernames: bool = True  # after a cue: "username: x", "IG: x", "my gamertag is x"
    addresses: bool = True  # street addresses (+ unit, city, state, ZIP / UK postcode) and PO boxes
    names: bool = True  # the name after "my name is", "call me", ...
    known_authors: bool = True  # handle-like names of authors seen in the same platform's dump
    known_author_min_len: int = Field(4, ge=1)


class DataConfig(StrictModel):
    name: str
    rules: Literal["ours", "paper"] = "ours"  # the preset the filters and dedup came from (data/rules=...)
    sample: SampleConfig | None = None  # set: generate the raw sample; null: read `sources`
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    filters: FiltersConfig = Field(default_factory=FiltersConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    pii: PiiConfig = Field(default_factory=PiiConfig)
    max_users_per_platform: int | None = Field(None, ge=1)  # seeded random cap after all filters
    # processes for the sharded stage (Blog Authorship; datatrove, humanllm/data/shards.py); not in the key:
    # any number of workers writes the same corpus
    workers: int = Field(1, ge=1)
    # Blog Authorship files per shard (at least 4 shards a worker): a task holds one shard's fingerprints,
    # so memory stays flat as the corpus grows; not in the key either
    shard_files: int = Field(1000, ge=1)

    @model_validator(mode="after")
    def _one_origin(self) -> DataConfig:
        real = self.sources.enabled()
        if self.sample is not None and real:
            raise at(
                "sources",
                f"must be empty when data.sample is set (got paths for {', '.join(real)}); "
                "set data.sample=null to read real dumps",
            )
        if self.sample is None and not real:
            raise at("sources", "no platform has a path: set data.sources.<platform> or use data=sample")
        return self

    def platforms(self) -> list[Platform]:
        return list(self.sample.platforms) if self.sample is not None else self.sources.enabled()
