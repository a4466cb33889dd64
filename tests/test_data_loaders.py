"""Each platform loader on the defective sample files, and the lenient raw readers."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from humanllm.data.build import build_corpus
from humanllm.data.config import (
    AmazonCategory,
    BloggerSource,
    DataConfig,
    RedditSource,
    SampleConfig,
    SourcesConfig,
    TwitterSource,
)
from humanllm.data.loaders import load_platform
from humanllm.data.loaders.amazon import category_of, load_amazon
from humanllm.data.loaders.blogger import load_blogger, parse_date
from humanllm.data.loaders.reddit import load_reddit
from humanllm.data.loaders.twitter import load_twitter
from humanllm.data.rawio import expand, read_json_lines
from humanllm.data.sample import sample_sources, write_sample
from humanllm.eval.guard import BenchmarkAsTrainingData
from humanllm.schema import ConfigError


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("raw")
    write_sample(folder, SampleConfig(), seed=2025)
    return folder


@pytest.fixture(scope="module")
def sources(raw) -> SourcesConfig:
    return sample_sources(raw, ["reddit", "twitter", "blogger", "amazon"])


def bad_json_lines(path: Path) -> list[int]:
    """1-based numbers of the lines that are not JSON objects (found independently of the loader)."""
    out = []
    for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            ok = isinstance(json.loads(line.decode("latin-1")), dict)
        except ValueError:
            ok = False
        if not ok:
            out.append(n)
    return out


def failures(loaded, reason: str) -> list:
    return [r for _, r in loaded.failures if r.reason == reason]


def test_reddit_loader(raw, sources):
    out = load_reddit(sources.reddit)
    subs_file = raw / "reddit/submissions.jsonl"
    bad = [(r.source_file, r.line) for _, r in out.failures if r.reason in ("malformed_json", "not_an_object")]
    assert sorted(line for f, line in bad if f.endswith("submissions.jsonl")) == bad_json_lines(subs_file)
    assert sorted(line for f, line in bad if f.endswith("comments.jsonl")) == bad_json_lines(
        raw / "reddit/comments.jsonl"
    )
    [missing] = failures(out, "missing_field")
    assert missing.detail == "author" and missing.line is not None
    [dup] = failures(out, "duplicate_id")
    assert "@" in dup.record_id and dup.record_id.split("@")[0] in {c.record_id for c in out.candidates}
    subs = [c for c in out.candidates if c.kind == "submission"]
    assert len(out.threads) == len(subs)  # every parsed submission is a thread, whoever wrote it
    assert {"AutoModerator", "[deleted]"} <= {t.author for t in out.threads.values()}
    texts = " ".join(c.text for c in out.candidates)
    assert "Caf\u00e9" in texts and "\u2019" in texts  # the cp1252 line, decoded
    assert "&amp;" not in texts and "&#39;" not in texts and "it's been a blast >_<" in texts
    comments = [c for c in out.candidates if c.kind == "comment"]
    assert comments and all(c.post.meta["link_id"].startswith("t3_") for c in comments)
    assert all(c.user_id == f"reddit:{c.author}" for c in out.candidates)


def test_twitter_loader_reads_csv_jsonl_and_parquet_alike(raw, sources, tmp_path):
    out = load_twitter(sources.twitter)
    [bad] = failures(out, "bad_row")
    lines = (raw / "twitter/tweets.csv").read_bytes().split(b"\n")
    assert lines[bad.line - 1].startswith(b"broken_row")
    [nouser] = failures(out, "missing_field")
    assert nouser.detail == "user" and nouser.source_file.endswith("users.jsonl")
    profiles = {c.author: c.attributes for c in out.candidates if c.kind == "profile"}
    assert profiles["FreshBrewCo"]["verified"] is True and profiles["FreshBrewCo"]["followers"] == 254_000
    tweets = [c for c in out.candidates if c.kind == "tweet"]
    assert any("Caf\u00e9" in c.text for c in tweets)
    assert all(c.post.created_at and c.post.created_at > 1_600_000_000 for c in tweets)

    rows = [
        {
            "user": c.author,
            "id": c.record_id.split(":", 1)[1],
            "tweet": c.text,
            "replies": 1,
            "retweets": 2,
            "likes": 3,
            "quotes": 0,
            "date": "2023-01-02 03:04:05+00:00",
        }
        for c in tweets
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "tweets.parquet")
    with gzip.open(tmp_path / "tweets.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    for name in ("tweets.parquet", "tweets.jsonl.gz"):
        again = load_twitter(TwitterSource(tweets=[str(tmp_path / name)]))
        assert not again.failures
        assert [(c.record_id, c.text, c.post.created_at) for c in again.candidates] == [
            (c.record_id, c.text, 1672628645) for c in tweets
        ]


def test_blogger_loader_keeps_good_posts_of_broken_files(raw, sources):
    out = load_blogger(sources.blogger)
    [cut] = failures(out, "unterminated_post")
    broken = Path(cut.source_file)
    assert " & " in broken.read_text("latin-1")  # not valid XML ...
    kept = [c for c in out.candidates if c.source_file == str(broken)]
    assert len(kept) >= 6  # ... yet its complete posts are there
    assert cut.line == broken.read_text("latin-1").count("\n", 0, broken.read_text("latin-1").rfind("<post>")) + 1
    cp1252 = [c for c in out.candidates if c.post.meta["encoding"] == "cp1252"]
    assert cp1252 and any("Caf\u00e9 diary \u2013" in c.text for c in cp1252)
    assert [r.detail for r in failures(out, "bad_filename")] == ["expected id.gender.age.industry.sign.xml"]
    assert len(failures(out, "no_posts")) == 1
    c = out.candidates[0]
    assert set(c.attributes) == {"gender", "age", "industry", "sign"} and c.user_id.startswith("blogger:")
    assert sum(c.post.created_at is not None for c in out.candidates) == len(out.candidates)
    assert parse_date("14,May,2004") == 1084492800 and parse_date("08,juni,2004") is not None
    assert parse_date("someday") is None


def test_amazon_loader(raw, sources):
    out = load_amazon(sources.amazon)
    items = [c for c in out.candidates if c.kind == "item"]
    reviews = [c for c in out.candidates if c.kind == "review"]
    assert len(items) >= 100 and sum(1 for c in items if not c.item.title) == 2
    assert {c.item.category for c in items} == {"Home_and_Kitchen", "Sports_and_Outdoors"}
    assert any(c.source_file.endswith(".gz") for c in reviews)
    assert all(c.post.created_at < 2_000_000_000 for c in reviews)  # ms → s
    assert not any("<br" in c.text or "&quot;" in c.text for c in reviews)
    assert any('"' in c.text for c in reviews)
    assert len(failures(out, "malformed_json")) == 4  # one review and one meta line per category
    assert {r.detail for r in failures(out, "missing_field")} == {"user_id"}
    assert category_of(Path("meta_Books.jsonl.gz")) == "Books" and category_of(Path("Books.jsonl.zst")) == "Books"


def test_progress_bars_change_nothing(sources, capsys):
    for platform in ("reddit", "blogger"):
        quiet = load_platform(platform, sources)
        shown = load_platform(platform, sources, progress=True)
        assert [c.record_id for c in shown.candidates] == [c.record_id for c in quiet.candidates]
    assert "rec" in capsys.readouterr().err


def test_garbage_file_is_rejected_line_by_line_not_fatal(tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"\x00\xff\xfe garbage\n{not json}\n\x80\x81\x82\n")
    out = load_reddit(RedditSource(submissions=[str(junk)]))
    assert not out.candidates and [r.line for _, r in out.failures] == [1, 2, 3]
    truncated = tmp_path / "cut.jsonl.gz"
    data = "".join(
        json.dumps({"id": f"{i * 7919 % 100003:x}", "author": f"u{i * 31 % 977}"}) + "\n" for i in range(20000)
    )
    truncated.write_bytes(gzip.compress(data.encode())[:-30])
    rows = list(read_json_lines(truncated))
    assert rows[-1].error and rows[-1].error.startswith("unreadable_file")  # the cut, reported once at the end
    assert rows[0].data == {"id": "0", "author": "u0"} and all(r.data for r in rows[:-1]) and len(rows) > 1000


def test_paths_and_compression_errors_name_the_file_or_key(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=r"data\.sources\.blogger\.files: no file matches"):
        load_blogger(BloggerSource(files=[str(tmp_path / "nothing/*.xml")]))
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "b.jsonl").write_text("{}\n")
    assert [p.name for p in expand([str(tmp_path / "*.jsonl"), str(tmp_path / "a.jsonl")], "k")] == [
        "a.jsonl",
        "b.jsonl",
    ]
    zst = tmp_path / "RS_2019-01.zst"
    zst.write_bytes(b"\x28\xb5\x2f\xfd")
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as on a machine without the package
    with pytest.raises(ConfigError, match="RS_2019-01.zst: reading .zst needs the zstandard package"):
        list(read_json_lines(zst))


def test_a_pushshift_style_zst_with_a_2gib_window_is_read(tmp_path):
    """zstandard is a dependency (not an optional extra), and frames written as Pushshift writes its monthly dumps
    (zstd --long=31: a 2 GiB window, no content size) decode with the reader's window limit."""
    import zstandard

    rows = [
        {"id": f"t{i}", "author": f"user{i % 7}", "selftext": f"post {i}", "created_utc": 1546300800 + i}
        for i in range(500)
    ]
    params = zstandard.ZstdCompressionParameters.from_level(19, window_log=31, enable_ldm=True)
    path = tmp_path / "RS_2019-01.zst"
    with path.open("wb") as f, zstandard.ZstdCompressor(compression_params=params).stream_writer(f) as w:
        w.write("".join(json.dumps(r) + "\n" for r in rows).encode())
    frame = zstandard.get_frame_parameters(path.read_bytes())
    assert frame.window_size == 2**31 and frame.content_size == zstandard.CONTENTSIZE_UNKNOWN
    with pytest.raises(zstandard.ZstdError):  # the default decoder limit refuses such a frame: the window is set
        zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes())
    assert [r.data for r in read_json_lines(path)] == rows


def test_benchmark_files_are_refused_as_training_input(tmp_path):
    bench = tmp_path / "Amazon_questions.json"
    bench.write_text(
        json.dumps(
            [{"idx": 0, "Motivation Reasoning Question": "Why?", "Options 1": ["A. x"] * 6, "Correct Answer 1": "A"}]
        )
    )
    cfg = DataConfig(name="t", sources=SourcesConfig(amazon=[AmazonCategory(reviews=[str(bench)])]))
    with pytest.raises(BenchmarkAsTrainingData, match=r"data\.sources\.amazon\.0\.reviews: .* motivebench"):
        build_corpus(cfg, cfg.sources, tmp_path, seed=0)
    with pytest.raises(BenchmarkAsTrainingData):
        load_platform("reddit", SourcesConfig(reddit=RedditSource(submissions=[str(tmp_path / "*.json")])))


def test_pushshift_field_variants(tmp_path):
    """Field shapes seen across Pushshift dumps and their HF exports: created_utc as int, float or string;
    ids with and without the t3_ prefix; no selftext on link posts; is_self as a string; edited as a float."""
    from humanllm.data.loaders.reddit import load_reddit

    subs = [
        {"id": "abc", "author": "u1", "title": "T1", "selftext": "body", "created_utc": 1546300800, "is_self": True},
        {
            "id": "t3_def",
            "author": "u1",
            "title": "T2",
            "selftext": "body",
            "created_utc": "1546300801",
            "is_self": "True",
        },
        {
            "id": "ghi",
            "author": "u1",
            "title": "Link",
            "created_utc": 1546300802.0,
            "is_self": "False",
            "url": "https://example.com",
            "edited": 1546309999.0,
            "score": "7",
        },
    ]
    comments = [
        {
            "id": "c1",
            "author": "u2",
            "body": "top",
            "link_id": "t3_abc",
            "parent_id": "t3_abc",
            "created_utc": "1546300900",
        },
        {
            "id": "t1_c2",
            "author": "u2",
            "body": "reply",
            "link_id": "t3_def",
            "parent_id": "t1_c1",
            "created_utc": 1546300901.5,
        },
    ]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(s) + "\n" for s in subs))
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(c) + "\n" for c in comments))
    out = load_reddit(RedditSource(submissions=[str(tmp_path / "s.jsonl")], comments=[str(tmp_path / "c.jsonl")]))
    assert not out.failures
    posts = {c.record_id: c.post for c in out.candidates}
    assert set(out.threads) == {"t3_abc", "t3_def", "t3_ghi"}
    assert [posts[f"reddit:t3_{i}"].created_at for i in ("abc", "def", "ghi")] == [1546300800, 1546300801, 1546300802]
    assert posts["reddit:t3_ghi"].text == "" and posts["reddit:t3_ghi"].meta["is_self"] is False
    assert posts["reddit:t3_def"].meta["is_self"] is True and posts["reddit:t3_ghi"].meta["score"] == 7
    assert posts["reddit:t1_c2"].meta["parent_id"] == "t1_c1" and posts["reddit:t1_c2"].created_at == 1546300901
    assert posts["reddit:t1_c1"].meta["link_id"] == posts["reddit:t1_c1"].meta["parent_id"] == "t3_abc"


def test_benchmark_guard_fails_closed_on_an_unreadable_file(tmp_path):
    from humanllm.eval.guard import UnreadableTrainingFile, refuse_benchmark_file

    broken = tmp_path / "reviews.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00 this is not a gzip stream")
    with pytest.raises(
        UnreadableTrainingFile, match=r"data\.sources\.amazon\.0\.reviews: cannot read .*reviews\.jsonl\.gz"
    ):
        refuse_benchmark_file(broken, "data.sources.amazon.0.reviews")
    truncated = tmp_path / "posts.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"id": 1}\n' * 50)[:30])
    with pytest.raises(UnreadableTrainingFile, match="data.sources.reddit.submissions"):
        refuse_benchmark_file(truncated, "data.sources.reddit.submissions")
