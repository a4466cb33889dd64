"""Rule filters, dedup, PII scrubbing, the funnel and the corpus stage, on the seeded sample."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from humanllm.data.build import build_corpus
from humanllm.data.candidate import Candidate, Loaded
from humanllm.data.config import DataConfig, DedupConfig, PiiConfig
from humanllm.data.dedup import find_duplicates
from humanllm.data.pii import Scrubber
from humanllm.data.records import Corpus, Post
from humanllm.data.sample import sample_sources
from humanllm.data.stage import funnel_text, run_data
from humanllm.funnel import Funnel, FunnelMismatch
from humanllm.io import read_jsonl
from humanllm.pipeline.context import RunContext
from humanllm.schema import ConfigError, validate
from humanllm.store import ArtifactStore

SAMPLE_YAML = Path(__file__).resolve().parent.parent / "conf" / "data" / "sample.yaml"
PLATFORMS = ["reddit", "twitter", "blogger", "amazon"]


def sample_config(rules: str = "ours", **changes) -> DataConfig:
    """conf/data/sample.yaml with the conf/data/rules/<rules>.yaml preset, as Hydra composes them."""
    raw = yaml.safe_load(SAMPLE_YAML.read_text())
    raw.pop("defaults")
    raw.update(yaml.safe_load((SAMPLE_YAML.parent / "rules" / f"{rules}.yaml").read_text()))
    for dotted, value in changes.items():
        node = raw
        *parents, leaf = dotted.split("__")
        for p in parents:
            node = node[p]
        node[leaf] = value
    return validate(DataConfig, raw, "data")


def make_ctx(root: Path, cfg: DataConfig, seed: int = 2025) -> RunContext:
    return RunContext(cfg=SimpleNamespace(data=cfg, seed=seed, progress=False), store=ArtifactStore(root), tracker=None)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ctx = make_ctx(tmp_path_factory.mktemp("artifacts"), sample_config())
    art = run_data(ctx)
    raw_dir = ctx.store.list("raw_sample")[0].path / "raw"
    rejected = list(read_jsonl(art.path / "rejected.jsonl"))
    return SimpleNamespace(art=art, corpus=Corpus(art.path), rejected=rejected, raw=raw_dir, ctx=ctx)


def reasons_of(rejected: list[dict], **match) -> Counter:
    return Counter(r["reason"] for r in rejected if all(r.get(k) == v for k, v in match.items()))


def raw_record_count(raw: Path) -> dict[str, int]:
    """Raw records per platform, counted from the files without the loaders."""

    def lines(p: Path) -> int:
        data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        return sum(1 for line in data.split(b"\n") if line.strip())

    tweets = len(list(csv.reader((raw / "twitter/tweets.csv").read_bytes().decode("latin-1").splitlines(True)))) - 1
    posts = 0
    for f in (raw / "blogger/blogs").iterdir():
        posts += max(1, f.read_text("latin-1").count("<post>"))
    return {
        "reddit": lines(raw / "reddit/submissions.jsonl") + lines(raw / "reddit/comments.jsonl"),
        "twitter": tweets + lines(raw / "twitter/users.jsonl"),
        "blogger": posts,
        "amazon": sum(lines(p) for p in (raw / "amazon").iterdir()),
    }


def test_funnel_reconciles_per_platform_and_overall(built):
    counts = built.art.counts
    assert counts["raw_records"] == counts["kept_records"] + counts["rejected_records"]
    assert counts["rejected_records"] == len(built.rejected)
    expected = raw_record_count(built.raw)
    for p in PLATFORMS:
        c = counts["per_platform"][p]
        assert c["raw_records"] == expected[p] == c["kept_records"] + c["rejected_records"]
        assert c["rejected_records"] == sum(1 for r in built.rejected if r["platform"] == p)
    with open(built.art.path / "funnel.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert all(int(r["in"]) == int(r["kept"]) + int(r["rejected"]) for r in rows)
    assert sum(int(r["in"]) for r in rows if r["stage"] == "parse") == counts["raw_records"]
    assert sum(int(r["rejected"]) for r in rows) == counts["rejected_records"]
    text = funnel_text(built.art.path)
    assert f"| all | {counts['raw_records']} | {counts['kept_records']} | {counts['rejected_records']} |" in text


def test_every_raw_record_appears_exactly_once(built):
    kept = [p.post_id for u in built.corpus.users for p in u.posts]
    kept += [f"amazon:item:{i}" for i in built.corpus.items]
    kept += [f"twitter:@{u.user_id.split(':', 1)[1]}" for u in built.corpus.users_of("twitter") if u.attributes]
    ids = kept + [r["record_id"] for r in built.rejected]
    assert len(ids) == len(set(ids)) == sum(raw_record_count(built.raw).values())


def test_at_least_40_users_survive(built):
    per = Counter(u.platform for u in built.corpus.users)
    assert sum(per.values()) >= 40
    assert per == {"reddit": 12, "twitter": 10, "blogger": 10, "amazon": 12}
    assert len({u.user_id for u in built.corpus.users}) == len(built.corpus.users)
    for u in built.corpus.users:
        times = [(p.created_at or 0) for p in u.posts]
        assert times == sorted(times) and u.user_id.startswith(f"{u.platform}:")
    for u in built.corpus.users_of("blogger"):
        assert set(u.attributes) == {"gender", "age", "industry", "sign"}
    for u in built.corpus.users_of("twitter"):
        assert set(u.attributes) >= {"verified", "followers", "description", "location"}


def test_reddit_rules_reject_the_known_defects(built):
    rej = built.rejected
    assert reasons_of(rej, user_id="reddit:[deleted]")["deleted_author"] == 2
    assert reasons_of(rej, user_id="reddit:AutoModerator") == {"bot_author": 2}
    assert reasons_of(rej, user_id="reddit:tldr_summary_bot") == {"bot_author": 1}
    reddit = reasons_of(rej, platform="reddit")
    for reason in (
        "distinguished",
        "too_short",
        "not_self_post",
        "removed_text",
        "low_engagement",
        "exact_duplicate",
        "near_duplicate",
        "duplicate_id",
        "malformed_json",
        "missing_field",
        "thread_missing",
        "user_below_min_posts",
        "user_not_kept",
    ):
        assert reddit[reason] >= 1, reason
    below = {r["user_id"] for r in rej if r["reason"] == "user_below_min_posts" and r["platform"] == "reddit"}
    assert any(u.startswith("reddit:nm_") for u in below) and any(u.startswith("reddit:bg_") for u in below)
    [bad] = [r for r in rej if r["reason"] == "malformed_json" and r["source_file"].endswith("submissions.jsonl")]
    line = (built.raw / "reddit/submissions.jsonl").read_bytes().split(b"\n")[bad["line"] - 1]
    with pytest.raises(ValueError):
        json.loads(line)
    for u in built.corpus.users_of("reddit"):
        subs = [p for p in u.posts if p.kind == "submission"]
        assert len(subs) >= 6
        assert all(p.meta["is_self"] and len(f"{p.title}\n{p.text}") >= 300 for p in subs)
        assert all(p.meta["score"] >= 2 or p.meta["num_comments"] >= 2 for p in subs)
        assert sum(p.kind == "comment" for p in u.posts) >= 3


def test_twitter_blogger_amazon_rules(built):
    rej = built.rejected
    assert reasons_of(rej, user_id="twitter:FreshBrewCo") == {"corporate_account": 8}  # 7 tweets + profile
    assert reasons_of(rej, user_id="twitter:GadgetHubDeals") == {"corporate_account": 8}
    assert reasons_of(rej, platform="twitter")["retweet"] == 10
    assert reasons_of(rej, user_id="twitter:quiet_lurker_77") == {"user_not_kept": 1}
    for u in built.corpus.users_of("twitter"):
        assert len(u.posts) >= 6 and all(len(p.text) >= 300 and not p.text.startswith("RT @") for p in u.posts)
    assert reasons_of(rej, platform="blogger")["too_short"] >= 10
    assert all(len(p.text) > 300 for u in built.corpus.users_of("blogger") for p in u.posts)
    amazon = reasons_of(rej, platform="amazon")
    for reason in (
        "item_below_min_reviews",
        "user_below_min_reviews",
        "missing_title",
        "item_missing",
        "exact_duplicate",
    ):
        assert amazon[reason] >= 1, reason


def test_pii_is_scrubbed_from_kept_text(built):
    texts = [f"{p.title or ''} {p.text}" for u in built.corpus.users for p in u.posts]
    texts += [f"{t.title} {t.text}" for t in built.corpus.threads.values()]
    texts += [u.attributes.get("description", "") for u in built.corpus.users]
    blob = "\n".join(texts)
    assert not re.search(r"[\w.]+@example\.com|https?://|\(\d{3}\) \d{3}-\d{4}|(?<!\w)@\w|\bu/\w", blob)
    for marker in ("[EMAIL]", "[PHONE]", "[URL]", "[USER]"):
        assert marker in blob
    handles = {u.user_id.split(":", 1)[1] for u in built.corpus.users_of("reddit") + built.corpus.users_of("twitter")}
    assert not [h for h in handles if re.search(rf"\b{re.escape(h)}\b", blob)]


def test_reddit_comments_link_to_existing_threads(built):
    threads = built.corpus.threads
    comments = [p for u in built.corpus.users_of("reddit") for p in u.posts if p.kind == "comment"]
    assert len(comments) >= 40
    assert all(p.meta["link_id"] in threads for p in comments)
    kept_authors = {u.user_id.split(":", 1)[1] for u in built.corpus.users_of("reddit")}
    others = [threads[p.meta["link_id"]] for p in comments if threads[p.meta["link_id"]].author not in kept_authors]
    assert others  # users comment on threads written by people who are not in the corpus


def test_amazon_users_have_history_and_unseen_catalog_items(built):
    items = built.corpus.items
    assert len(items) >= 80 and all(i.title for i in items.values())
    for u in built.corpus.users_of("amazon"):
        assert len(u.posts) >= 6
        touched = {p.meta["parent_asin"] for p in u.posts}
        assert touched <= set(items)
        category = u.posts[-1].meta["category"]
        unseen = [i for i in items.values() if i.category == category and i.item_id not in touched]
        assert len(unseen) >= 19


def test_stage_reuses_its_artifacts_and_counts(built):
    again = run_data(built.ctx)
    assert again.key == built.art.key and any(r.startswith("corpus/") for r in built.ctx.reused)
    c = built.art.counts
    assert {"raw_records", "kept_records", "rejected_records", "users", "items", "threads", "per_platform"} <= set(c)
    assert c["users"] == 44 and c["items"] == len(built.corpus.items) and c["threads"] == len(built.corpus.threads)
    other = run_data(make_ctx(built.ctx.store.root, sample_config(filters__reddit__min_posts=7)))
    assert other.key != built.art.key
    assert built.ctx.store.list("raw_sample")[0].key == other.manifest["inputs"]["raw_sample"]


def test_thresholds_and_switches_are_configurable(built, tmp_path):
    src = sample_sources(built.raw, PLATFORMS)
    strict = build_corpus(
        sample_config(filters__twitter__min_chars=2000, pii__enabled=False, dedup__enabled=False), src, tmp_path, seed=1
    )
    assert strict["per_platform"]["twitter"]["users"] == 0
    rejected = list(read_jsonl(tmp_path / "rejected.jsonl"))
    assert not [r for r in rejected if r["reason"].endswith("_duplicate")]
    assert "@example.com" in (tmp_path / "users.jsonl").read_text()
    (tmp_path / "cap").mkdir()
    capped = build_corpus(sample_config(max_users_per_platform=3), src, tmp_path / "cap", seed=1)
    assert all(capped["per_platform"][p]["users"] == 3 for p in PLATFORMS)
    assert "max_users_cap" in capped["rejected_by_reason"]


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"data\.filters\.twitter\.min_chars: .*greater than or equal to 0"):
        sample_config(filters__twitter__min_chars=-5)
    with pytest.raises(ConfigError, match=r"data\.dedup\.jaccard_threshold"):
        sample_config(dedup__jaccard_threshold=1.5)
    with pytest.raises(ConfigError, match=r"data\.sources: must be empty when data\.sample is set"):
        sample_config(sources={"blogger": {"files": ["x/*.xml"]}})
    with pytest.raises(ConfigError, match=r"data\.sources: no platform has a path"):
        sample_config(sample=None)
    with pytest.raises(ConfigError, match=r"data\.filters\.reddit\.bogus: unknown key"):
        sample_config(filters__reddit__bogus=1)


def _cand(rid: str, text: str, author: str = "a", t: int = 0) -> Candidate:
    post = Post(post_id=rid, platform="reddit", kind="comment", author=author, text=text, created_at=t)
    return Candidate(rid, "reddit", "comment", author, "f", 1, post=post)


def test_dedup_exact_near_and_scope():
    base = (
        "the quick brown fox jumps over the lazy dog while the farmer watches from the old red barn near the river "
        "and later that evening the whole family sat down to a long dinner of soup bread and cheese talking about "
        "the harvest the weather the neighbours and the price of diesel until the fire burned low and everyone slept"
    )
    cands = [
        _cand("r:1", base, t=1),
        _cand("r:2", base.upper() + "!!", "b", t=2),
        _cand("r:3", base.replace("lazy", "sleepy") + " edit typo", "c", t=3),
        _cand("r:4", "a completely different sentence about baking sourdough bread at home today", "d", t=4),
    ]
    out = find_duplicates(cands, DedupConfig())
    assert out == {"r:2": ("exact_duplicate", "of r:1"), "r:3": ("near_duplicate", "of r:1")}
    assert find_duplicates(cands, DedupConfig(scope="user")) == {}
    assert set(find_duplicates(cands, DedupConfig(near=False))) == {"r:2"}
    assert find_duplicates(cands, DedupConfig(jaccard_threshold=0.99)) == {"r:2": ("exact_duplicate", "of r:1")}


def test_scrubber_placeholders():
    s = Scrubber(PiiConfig(), known=["trail_mix_tom", "the", "Bob"])
    out = s(
        "Mail bob.smith@mail.co.uk or call +1 415-555-0134, see www.site.org/x, ping @carl_9 and u/dave "
        "- thanks trail_mix_tom, Bob and the others"
    )
    assert out == (
        "Mail [EMAIL] or call [PHONE], see [URL], ping [USER] and [USER] - thanks [USER], Bob and the others"
    )
    assert Scrubber(PiiConfig(enabled=False))("a@b.com") == "a@b.com"
    assert Scrubber(PiiConfig(emails=False))("a@b.com") != "[EMAIL]"


def test_funnel_fails_loudly_when_a_record_is_lost():
    loaded = Loaded("reddit", candidates=[_cand("x:1", "text")])
    funnel = Funnel()
    kept = funnel.parse(loaded)
    assert funnel.reconcile(kept)["reddit"] == {"raw_records": 1, "kept_records": 1, "rejected_records": 0}
    with pytest.raises(FunnelMismatch, match="reddit: 1 raw records but 0 kept"):
        funnel.reconcile([])
    twice = Funnel()
    kept = twice.parse(Loaded("reddit", candidates=[_cand("x:2", "a"), _cand("x:2", "b")]))
    with pytest.raises(FunnelMismatch, match="1 record ids appear more than once"):
        twice.reconcile(kept)


def test_corporate_heuristic_paths():
    from humanllm.data.config import CorporateRules
    from humanllm.data.rules import corporate_accounts

    def profile(user: str, desc: str, verified: bool = False, followers: int = 10) -> Candidate:
        return Candidate(
            f"twitter:@{user}",
            "twitter",
            "profile",
            user,
            "u",
            1,
            attributes={"description": desc, "verified": verified, "followers": followers},
        )

    def tweet(user: str, n: int, text: str) -> Candidate:
        post = Post(post_id=f"twitter:{user}{n}", platform="twitter", kind="tweet", author=user, text=text)
        return Candidate(post.post_id, "twitter", "tweet", user, "t", n, post=post)

    cands = [
        profile("acme", "Questions? DM us for help"),
        profile("BigShop", "the best store in town", True, 500_000),
        profile("person_1", "nurse, runner, store manager", False, 500_000),
        profile("promo_9", "hi"),
    ]
    cands += [tweet("promo_9", i, "Use code X for 10% off today" if i < 2 else "just a normal day") for i in range(4)]
    found = corporate_accounts(cands, CorporateRules())
    assert set(found) == {"acme", "BigShop", "promo_9"}
    assert "dm us" in found["acme"] and "brand word 'store'" in found["BigShop"] and found["promo_9"].startswith("2/4")
    assert corporate_accounts(cands, CorporateRules(enabled=False)) == {}
    assert set(corporate_accounts(cands, CorporateRules(max_promo_share=0.5))) == {"acme", "BigShop"}
