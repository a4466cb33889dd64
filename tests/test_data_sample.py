"""The seeded raw sample: deterministic, small, fast, in the real schemas, with real-dump defects."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import time
from pathlib import Path

import pytest

from humanllm.data.config import SampleConfig
from humanllm.data.sample import sample_sources, write_sample

CONF = Path(__file__).resolve().parent.parent / "conf" / "data"


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def jsonl(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return [line for line in data.split(b"\n") if line.strip()]


def records(path: Path) -> list[dict]:
    """The lines of a raw JSONL file that parse (the defective ones skipped)."""
    out = []
    for line in jsonl(path):
        try:
            out.append(json.loads(line.decode("latin-1")))
        except ValueError:
            continue
    return [r for r in out if isinstance(r, dict)]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("raw")
    write_sample(folder, SampleConfig(), seed=2025)
    return folder


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path, sample):
    write_sample(tmp_path / "a", SampleConfig(), seed=2025)
    write_sample(tmp_path / "b", SampleConfig(), seed=7)
    assert digest(tmp_path / "a") == digest(sample)
    other = digest(tmp_path / "b")
    assert other["reddit/submissions.jsonl"] != digest(sample)["reddit/submissions.jsonl"]


def test_small_and_fast(tmp_path):
    t0 = time.perf_counter()
    write_sample(tmp_path, SampleConfig(), seed=1)
    assert time.perf_counter() - t0 < 2.0
    size = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert 100_000 < size < 800_000


def test_files_follow_the_public_schemas(sample):
    subs = records(sample / "reddit/submissions.jsonl")
    for key in (
        "author",
        "created_utc",
        "domain",
        "id",
        "is_self",
        "name",
        "num_comments",
        "score",
        "selftext",
        "subreddit_id",
        "title",
        "distinguished",
    ):
        assert any(key in s for s in subs), key
    assert all(s["name"] == "t3_" + s["id"] for s in subs if "name" in s)
    comments = records(sample / "reddit/comments.jsonl")
    assert set(comments[0]) >= {
        "author",
        "body",
        "created_utc",
        "id",
        "link_id",
        "parent_id",
        "score",
        "subreddit_id",
        "permalink",
        "controversiality",
    }
    header = (sample / "twitter/tweets.csv").read_bytes().split(b"\n", 1)[0].decode()
    assert header == "user,id,tweet,replies,retweets,likes,quotes,date"
    users = records(sample / "twitter/users.jsonl")
    assert set(users[0]) == {"user", "id", "verified", "followers", "description", "location"}
    names = sorted(p.name for p in (sample / "blogger/blogs").iterdir())
    assert sum(len(n.split(".")) == 6 for n in names) >= 10  # id.gender.age.industry.sign.xml
    reviews = records(sample / "amazon/Sports_and_Outdoors.jsonl.gz")
    assert set(reviews[0]) >= {
        "rating",
        "title",
        "text",
        "asin",
        "parent_asin",
        "user_id",
        "timestamp",
        "helpful_vote",
        "verified_purchase",
    }
    assert reviews[0]["timestamp"] > 10**12  # milliseconds, as in the 2023 release
    meta = records(sample / "amazon/meta_Home_and_Kitchen.jsonl")
    assert set(meta[0]) >= {
        "main_category",
        "title",
        "average_rating",
        "rating_number",
        "store",
        "categories",
        "details",
        "features",
        "description",
        "price",
        "parent_asin",
    }


def test_defects_are_present(sample):
    lines = jsonl(sample / "reddit/submissions.jsonl")
    bad_json = 0
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            bad_json += 1
    assert bad_json >= 1
    assert any(b"\x92" in line or b"\x96" in line for line in lines)  # cp1252, not UTF-8
    text = b"\n".join(lines).decode("utf-8", "replace")
    for marker in ('"[deleted]"', "AutoModerator", '"moderator"', "&amp;", "&#39;", "@example.com", "https://"):
        assert marker in text, marker
    tweets = list(csv.reader(io.StringIO((sample / "twitter/tweets.csv").read_bytes().decode("latin-1"))))
    assert any(r[2].startswith("RT @") for r in tweets if len(r) == 8)
    assert any(len(r) != 8 for r in tweets)
    assert "Official account" in (sample / "twitter/users.jsonl").read_text()
    blogs = list((sample / "blogger/blogs").iterdir())
    not_utf8 = 0
    for b in blogs:
        try:
            b.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
    assert not_utf8 >= 1
    assert any(b.read_text("latin-1").count("<post>") > b.read_text("latin-1").count("</post>") for b in blogs)
    assert any(" & " in b.read_text("latin-1") for b in blogs)  # not valid XML


def test_generator_options(tmp_path):
    written = write_sample(tmp_path, SampleConfig(platforms=["twitter"], twitter_users=3, defects=False), seed=3)
    assert list(written) == ["twitter"]
    assert not (tmp_path / "reddit").exists()
    tweets = list(csv.DictReader(io.StringIO((tmp_path / "twitter/tweets.csv").read_text())))
    assert {t["user"] for t in tweets} and all(len(t["tweet"]) >= 300 for t in tweets)
    assert not any(t["tweet"].startswith("RT @") for t in tweets)


def test_sample_sources_point_at_the_written_files(sample):
    src = sample_sources(sample, ["reddit", "amazon"])
    assert src.twitter is None and src.blogger is None
    assert Path(src.reddit.submissions[0]).is_file()
    assert sorted(c.reviews[0].rsplit("/", 1)[1] for c in src.amazon) == [
        "Home_and_Kitchen.jsonl",
        "Sports_and_Outdoors.jsonl.gz",
    ]
    assert all(Path(c.meta[0]).is_file() for c in src.amazon)


def test_conf_files_validate():
    from humanllm.config import load_config

    for rules in ("ours", "paper"):
        sample_cfg = load_config([f"data/rules={rules}"]).data
        assert sample_cfg.sample is not None and sample_cfg.filters.reddit.min_posts == 6
        assert sample_cfg.rules == rules and sample_cfg.dedup.enabled is (rules == "ours")
        real = load_config(["data=real", f"data/rules={rules}"]).data
        assert real.sample is None and real.platforms() == ["reddit", "twitter", "blogger", "amazon"]
        assert real.filters.amazon.min_user_reviews == {"ours": 6, "paper": 8}[rules]
