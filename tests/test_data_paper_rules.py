"""The `paper` rule preset (conf/data/rules/paper.yaml) on crafted records, next to `ours` where they differ."""

from __future__ import annotations

from humanllm.data.candidate import Candidate
from humanllm.data.config import FiltersConfig
from humanllm.data.core import amazon_activity, iterative_core, top_share
from humanllm.data.records import Item, Post
from humanllm.data.rules import amazon_rules, reddit_rules, twitter_rules
from tests.test_data_filters import sample_config

PAPER = sample_config("paper").filters
OURS = sample_config("ours").filters
LONG = "word " * 80  # 400 characters


def submission(sid: str, author: str = "alice", title: str = "A title", text: str = LONG, **meta) -> Candidate:
    m = {"score": 10, "num_comments": 3, "is_self": True, "distinguished": None} | meta
    post = Post(
        post_id=f"reddit:t3_{sid}", platform="reddit", kind="submission", author=author, title=title, text=text, meta=m
    )
    return Candidate(post.post_id, "reddit", "submission", author, "subs.jsonl", 1, post=post)


def comment(
    cid: str, text: str, link: str = "t3_s1", parent: str | None = None, author: str = "bob", **meta
) -> Candidate:
    m = {"link_id": link, "parent_id": parent or link, "distinguished": None} | meta
    post = Post(post_id=f"reddit:t1_{cid}", platform="reddit", kind="comment", author=author, text=text, meta=m)
    return Candidate(post.post_id, "reddit", "comment", author, "comments.jsonl", 1, post=post)


def reasons(decisions: dict) -> dict[str, str]:
    return {rid.split(":")[-1]: why for rid, (why, _) in decisions.items()}


def test_comment_must_be_top_level_and_at_least_200_characters():
    cands = [
        submission("s1"),
        comment("top", "x" * 250),
        comment("nested", "x" * 250, parent="t1_top"),
        comment("c199", "y" * 199),
        comment("c200", "y" * 200),
    ]
    got = reasons(reddit_rules(cands, PAPER, {"t3_s1"}))
    assert got == {"t1_nested": "not_top_level", "t1_c199": "too_short"}
    assert reasons(reddit_rules(cands, OURS, {"t3_s1"})) == {}  # ours keeps replies and 20+ characters


def test_question_only_post_is_dropped_and_its_comments_with_it():
    question = submission("q", title="t" * 290, text="Has anyone else had this happen with theirs?")
    nine_words = submission("q9", title="t" * 290, text="one two three four five six seven eight nine?")
    ten_words = submission("q10", title="t" * 290, text="one two three four five six seven eight nine ten?")
    cands = [
        question,
        nine_words,
        ten_words,
        comment("on_q", "z" * 300, link="t3_q"),
        comment("on_q10", "z" * 300, link="t3_q10"),
    ]
    got = reasons(reddit_rules(cands, PAPER, {"t3_q", "t3_q9", "t3_q10"}))
    assert got == {"t3_q": "question_only", "t3_q9": "question_only", "t1_on_q": "thread_not_kept"}
    assert reasons(reddit_rules(cands, OURS, {"t3_q", "t3_q9", "t3_q10"})) == {}


def test_only_moderator_and_admin_distinguished_and_bot_names_by_substring():
    cands = [
        submission("mod", distinguished="moderator"),
        submission("adm", distinguished="admin"),
        submission("spc", distinguished="special"),
        submission("b1", author="AutoModerator"),
        submission("b2", author="autotldr_fan"),
        submission("b3", author="[deleted]"),
        submission("b4", author="helpful_bot"),
    ]
    got = reasons(reddit_rules(cands, PAPER, set()))
    assert got == {
        "t3_mod": "distinguished",
        "t3_adm": "distinguished",
        "t3_b1": "bot_author",
        "t3_b2": "bot_author",
        "t3_b3": "bot_author",
    }  # "helpful_bot" is not on the official list
    ours = reasons(reddit_rules(cands, OURS, set()))
    assert ours["t3_spc"] == "distinguished" and ours["t3_b4"] == "bot_author" and "t3_b2" not in ours


def tweet(tid: str, text: str, user: str = "carol") -> Candidate:
    post = Post(post_id=f"twitter:{tid}", platform="twitter", kind="tweet", author=user, text=text)
    return Candidate(post.post_id, "twitter", "tweet", user, "tweets.csv", 1, post=post)


def profile(user: str, description: str) -> Candidate:
    return Candidate(
        f"twitter:@{user}",
        "twitter",
        "profile",
        user,
        "users.jsonl",
        1,
        attributes={"description": description, "verified": False, "followers": 10},
    )


def test_each_advertising_tweet_is_dropped_not_the_person():
    own = [tweet(f"t{i}", LONG + f" day {i}") for i in range(7)]
    ad = tweet("ad", LONG + " Our bakery has a SALE this week!")
    cands = [profile("carol", "Baker and runner."), *own, ad]
    assert reasons(twitter_rules(cands, PAPER)) == {"ad": "advertising_tweet"}
    assert reasons(twitter_rules(cands, OURS)) == {}  # ours: 1 promo tweet in 8 is no promotional account


def test_corporate_accounts_by_whole_description_words_and_exact_suffixes():
    cands = [
        profile("shopco", "The official home of ShopCo."),
        profile("acme", "Acme Widgets Inc. since 1950"),
        profile("fan", "Officially obsessed with trains."),
        profile("isp", "Your local service provider"),
    ]
    cands += [tweet(f"{u}1", LONG, user=u) for u in ("shopco", "acme", "fan", "isp")]
    dropped = {rid for rid, (why, _) in twitter_rules(cands, PAPER).items() if why == "corporate_account"}
    assert {c.author for c in cands if c.record_id in dropped} == {"shopco", "acme", "isp"}


def review(
    user: str,
    item: str,
    n: int = 0,
    text: str = "a fine product that works well for me",
    category: str = "Books",
    rating: float | None = 5.0,
) -> Candidate:
    post = Post(
        post_id=f"amazon:{user}:{item}:{n}",
        platform="amazon",
        kind="review",
        author=user,
        text=text,
        created_at=n,
        meta={"parent_asin": item, "rating": rating, "category": category},
    )
    return Candidate(post.post_id, "amazon", "review", user, f"{category}.jsonl", 1, post=post)


def item(asin: str, title: str, category: str = "Books") -> Candidate:
    return Candidate(
        f"amazon:item:{asin}",
        "amazon",
        "item",
        None,
        "meta.jsonl",
        1,
        item=Item(item_id=asin, title=title, category=category),
    )


def test_amazon_review_rules_title_dedup_words_and_user_item_repeats():
    cands = [
        item("I1", "The Hobbit"),
        item("I2", "  the hobbit "),
        item("I3", "Dune"),
        review("u", "I1", 1),
        review("u", "I2", 2),
        review("u", "I3", 3, text="one two three four five"),
        review("u", "I3", 4, text="one two three four five six"),
        review("u", "I3", 5),
        review("v", "I1", 6, rating=None),
    ]
    got = reasons(amazon_rules(cands, PAPER))
    assert got == {
        "I2": "duplicate_title",
        "2": "item_missing",
        "3": "too_few_words",
        "5": "duplicate_user_item",
        "6": "missing_rating",
    }


def test_user_who_falls_below_8_core_after_items_are_pruned():
    core = [f"I{k}" for k in range(1, 9)]
    cands = [review(u, i, n) for n, (u, i) in enumerate((u, i) for u in "ABC" for i in core)]
    cands += [review("D", i, 100 + n) for n, i in enumerate(core[:7] + ["J"])]  # J: reviewed by D alone
    got = iterative_core(cands, min_user=8, min_item=3)
    assert (
        {rid: why for rid, (why, _) in got.items()}
        == {
            "amazon:D:J:107": "item_below_min_reviews",  # round 1: J has 1 < 3 reviews
            **{f"amazon:D:{i}:{100 + n}": "user_below_min_reviews" for n, i in enumerate(core[:7])},  # round 2: D has 7
        }
    )
    assert all("round 2" in detail for rid, (why, detail) in got.items() if why == "user_below_min_reviews")


def test_top_half_of_items_by_review_count_ties_in_first_seen_order():
    cands = [review("A", "X", 1), review("B", "X", 2), review("A", "Y", 3), review("B", "Z", 4), review("C", "W", 5)]
    got = top_share(cands, 0.5)  # 4 items → keep 2: X (2 reviews), then Y (seen before Z and W)
    assert {rid.split(":")[2] for rid in got} == {"Z", "W"}


def test_core_is_per_category_and_the_catalog_keeps_only_core_items():
    books = [f"B{k}" for k in range(8)]
    cands = [item(i, f"title {i}") for i in books] + [item("M0", "a movie", "Movies")]
    cands += [review(u, i, n) for n, (u, i) in enumerate((u, i) for u in "PQR" for i in books)]
    cands += [review(u, "M0", 50 + n, category="Movies") for n, u in enumerate("PQR")]  # 1 movie each: < 8
    cands += [review(f"s{k}", f"Z{k}", 90 + k) for k in range(8)]  # singletons: the bottom half
    got = amazon_activity(cands, PAPER.amazon)
    kept = {c.record_id for c in cands if c.record_id not in got}
    assert {c.post.meta["parent_asin"] for c in cands if c.kind == "review" and c.record_id in kept} == set(books)
    assert {c.item.item_id for c in cands if c.kind == "item" and c.record_id in kept} == set(books)
    assert got["amazon:item:M0"][0] == "item_not_in_core"
    pooled = amazon_activity(cands, PAPER.amazon.model_copy(update={"per_category": False, "top_item_share": None}))
    assert not any(k.startswith("amazon:") and ":M0:" in k for k in pooled)  # 8 books + 1 movie = 9 >= 8 pooled


def test_paper_preset_is_the_official_values():
    assert PAPER.comments.min_chars == 200 and PAPER.comments.top_level_only and PAPER.comments.thread_must_pass_rules
    assert PAPER.reddit.drop_distinguished == ["moderator", "admin"] and PAPER.reddit.question_max_words == 10
    a = PAPER.amazon
    assert (a.min_user_reviews, a.min_item_reviews, a.top_item_share, a.min_text_words) == (8, 3, 0.5, 6)
    assert a.iterative_core and a.per_category and a.dedup_titles and a.dedup_user_item
    assert isinstance(PAPER, FiltersConfig) and sample_config("paper").rules == "paper"
    assert not sample_config("paper").dedup.enabled  # the official scripts have no text dedup


def test_sample_corpus_keeps_every_demo_user_under_the_paper_preset(tmp_path):
    from collections import Counter

    from humanllm.data.build import build_corpus
    from humanllm.data.records import Corpus
    from humanllm.data.sample import sample_sources, write_sample
    from humanllm.io import read_jsonl

    cfg = sample_config("paper")
    write_sample(tmp_path / "raw", cfg.sample, 2025)
    counts = build_corpus(cfg, sample_sources(tmp_path / "raw", cfg.sample.platforms), tmp_path, 2025)
    assert counts["raw_records"] == counts["kept_records"] + counts["rejected_records"]
    corpus = Corpus(tmp_path)
    assert Counter(u.platform for u in corpus.users) == {"reddit": 12, "twitter": 10, "blogger": 10, "amazon": 12}
    for reason in (
        "question_only",
        "not_top_level",
        "thread_not_kept",
        "advertising_tweet",
        "duplicate_title",
        "duplicate_user_item",
        "too_few_words",
        "item_not_top_share",
        "item_not_in_core",
    ):
        assert counts["rejected_by_reason"].get(reason, 0) >= 1, reason
    rejected = list(read_jsonl(tmp_path / "rejected.jsonl"))
    assert len(rejected) == counts["rejected_records"] and all(r["reason"] for r in rejected)
    for u in corpus.users_of("reddit"):
        comments = [p for p in u.posts if p.kind == "comment"]
        assert len(comments) >= 4  # personalized commenting: 3 history comments + a target
        assert all(len(p.text) >= 200 and p.meta["parent_id"] == p.meta["link_id"] for p in comments)
    for u in corpus.users_of("amazon"):
        per_category = Counter(p.meta["category"] for p in u.posts)
        assert min(per_category.values()) >= 8
        touched = {p.meta["parent_asin"] for p in u.posts}
        category = u.posts[-1].meta["category"]
        assert sum(i.category == category and i.item_id not in touched for i in corpus.items.values()) >= 19
    reddit_users = {u.user_id for u in corpus.users_of("reddit")}
    linked = {p.meta["link_id"] for u in corpus.users_of("reddit") for p in u.posts if p.kind == "comment"}
    assert set(corpus.threads) == linked  # only the threads that kept comments quote
    for t in corpus.threads.values():
        assert t.author_user_id == (f"reddit:{t.author}" if f"reddit:{t.author}" in reddit_users else None)
    assert any(t.author_user_id for t in corpus.threads.values()) and any(
        t.author_user_id is None for t in corpus.threads.values()
    )
