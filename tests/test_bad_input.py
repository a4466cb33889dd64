"""Bad raw input across the four platforms: each corrupt record is quarantined in rejected.jsonl with its
reason (or repaired, where the text is recoverable), the run completes and the counts reconcile."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from humanllm.data.build import build_corpus
from humanllm.data.config import AmazonCategory, BloggerSource, DataConfig, RedditSource, SourcesConfig, TwitterSource
from humanllm.data.records import Corpus
from humanllm.io import read_jsonl

LONG = "I spent the whole weekend rebuilding the old bench in the garage and learned a lot along the way. " * 4


class Plant:
    """Writes raw lines and remembers, per planted bad record, its kind, file, line and expected reason."""

    def __init__(self, root: Path):
        self.root = root
        self.expected: list[tuple[str, str, int | None, str]] = []  # (kind, file, line, reason)
        self.files: dict[str, list[bytes]] = {}

    def line(self, name: str, data: bytes | dict, kind: str | None = None, reason: str | None = None) -> None:
        lines = self.files.setdefault(name, [])
        lines.append(data if isinstance(data, bytes) else (json.dumps(data) + "\n").encode())
        if kind:
            self.expected.append((kind, str(self.root / name), len(lines), reason or ""))

    def write(self) -> None:
        for name, lines in self.files.items():
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_bytes(b"".join(lines))


def sub(i: int, **kw) -> dict:
    return {
        "id": f"s{i}",
        "author": "gardener_gil",
        "title": f"Bench rebuild part {i}",
        "selftext": LONG,
        "created_utc": 1_546_300_800 + i,
        "score": 5,
        "num_comments": 3,
        "is_self": True,
        "distinguished": None,
    } | kw


def com(i: int, **kw) -> dict:
    return {
        "id": f"c{i}",
        "author": "gardener_gil",
        "body": LONG,
        "link_id": "t3_s1",
        "parent_id": "t3_s1",
        "created_utc": 1_546_400_000 + i,
        "score": 2,
    } | kw


def plant_reddit(p: Plant) -> None:
    s, c = "reddit/submissions.jsonl", "reddit/comments.jsonl"
    for i in range(1, 4):
        p.line(s, sub(i))
    p.line(
        s, (json.dumps(sub(4, selftext=LONG + " Caf\u00e9 \u2013 done."), ensure_ascii=False) + "\n").encode("cp1252")
    )
    p.line(
        s,
        sub(
            5,
            selftext="zero\u200bwidth\u200c and\x07 control\x00 chars. " + LONG,
            extra_field={"a": 1},
            score="12",
            created_utc="1546300805.0",
        ),
    )
    p.line(s, sub(6, selftext="<b>bold</b> &amp;amp; <i>html</i><br/>" + LONG, id="t3_s6"))
    p.line(s, b'{"id": "s7", "author": "gardener_gil", "title": "cut off\n', "truncated JSON line", "malformed_json")
    p.line(s, b"\n")
    p.line(s, b"\xff\xfe\x00\x81 binary junk \x9d\n", "non-UTF-8 garbage bytes", "malformed_json")
    p.line(s, sub(8, title=["a", "list"]), "wrong type (list as title)", "wrong_type")
    p.line(s, {k: v for k, v in sub(9).items() if k != "author"}, "missing required field", "missing_field")
    p.line(s, sub(10, author=""), "empty user name", "missing_field")
    p.line(s, sub(11, selftext="x" * 300_000), "enormous post", "text_too_long")
    p.line(s, sub(1), "duplicated id", "duplicate_id")
    p.line(s, sub(12, created_utc="yesterday"), "malformed timestamp", "bad_timestamp")
    p.line(s, sub(13, created_utc=4_102_444_800), "future timestamp", "future_timestamp")
    p.line(s, sub(14, score="lots"), "string where a number belongs", "bad_number")
    p.line(s, b"[1, 2, 3]\n", "not an object", "not_an_object")
    for i in range(1, 4):
        p.line(c, com(i))
    p.line(c, com(4, body="[deleted]"), '"[deleted]" body', "removed_text")
    p.line(c, com(5, body="\u200b\u200b\u200b"), "zero-width-only body", "too_short")
    p.line(c, com(6, link_id="s1"))  # a bare link id (some exports drop "t3_"): repaired, kept


def plant_twitter(p: Plant) -> None:
    cols = ["user", "id", "tweet", "replies", "retweets", "likes", "quotes", "date"]

    def row(values: list) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        return buf.getvalue().encode()

    t, u = "twitter/tweets.csv", "twitter/users.jsonl"
    p.line(t, row(cols))
    for i in range(3):
        p.line(
            t, row(["runner_rae", f"{100 + i}", LONG + f" Mile {i}.", 1, 2, 3, 0, f"2022-01-0{i + 1} 10:00:00+00:00"])
        )
    p.line(
        t,
        row(["runner_rae", "200", LONG, 1, 2, "many", 0, "2022-02-01 10:00:00+00:00"]),
        "string where a number belongs",
        "bad_number",
    )
    p.line(
        t,
        row(["runner_rae", "201", LONG, 1, 2, 3, 0, "2099-01-01 00:00:00+00:00"]),
        "future timestamp",
        "future_timestamp",
    )
    p.line(t, row(["runner_rae", "202", LONG, 1, 2, 3, 0, "31/31/2022"]), "malformed timestamp", "bad_timestamp")
    p.line(t, b"runner_rae,203\n", "CSV row with missing columns", "bad_row")
    p.line(t, row(["", "204", LONG, 1, 2, 3, 0, "2022-03-01 10:00:00+00:00"]), "empty user name", "missing_field")
    p.line(
        u,
        {
            "user": "runner_rae",
            "id": "9",
            "verified": False,
            "followers": "250",
            "description": "Runner.",
            "location": "Leeds",
            "unknown_field": [1],
        },
    )
    p.line(u, {"user": "", "id": "10", "followers": 1}, "empty user name", "missing_field")
    p.line(u, {"user": "odd_one", "followers": {"n": 3}}, "wrong type (object as number)", "bad_number")


def plant_blogger(p: Plant) -> None:
    good = "blogger/blogs/1234.female.25.Arts.Leo.xml"
    p.line(
        good,
        b"<Blog>\n<date>14,May,2004</date>\n<post>\n"
        + (LONG + " Caf\xe9 time.").encode("cp1252")
        + b"\n</post>\n<date>15,May,2004</date>\n<post>\n"
        + LONG.encode()
        + b" & more\n</post>\n",
    )
    p.line(
        good,
        b"<date>16,May,2004</date>\n<post>\nthis post is never closed\n",
        "broken XML (unterminated <post>)",
        "unterminated_post",
    )
    p.line("blogger/blogs/55.male.30.Tech.Aries.xml", b"<Blog>\n</Blog>\n", "empty user (no posts)", "no_posts")
    p.line(
        "blogger/blogs/not_a_blog_name.xml",
        b"<Blog><date>1,May,2004</date><post>" + LONG.encode() + b"</post>",
        "bad file name (no user attributes)",
        "bad_filename",
    )
    # blogger failures are located by the file line of the <post> tag (None: the whole file)
    for i, line in zip(range(len(p.expected) - 3, len(p.expected)), (11, None, 1)):
        p.expected[i] = (*p.expected[i][:2], line, p.expected[i][3])


def plant_amazon(p: Plant) -> None:
    r, m = "amazon/Books.jsonl", "amazon/meta_Books.jsonl"
    p.line(m, {"parent_asin": "B1", "title": "A Good Book", "main_category": "Books"})
    p.line(m, {"parent_asin": "B2", "title": ["not", "text"]}, "wrong type (list as title)", "wrong_type")
    p.line(m, b'{"parent_asin": "B3", "title": \n', "truncated JSON line", "malformed_json")

    def rev(i: int, **kw) -> dict:
        return {
            "rating": 5.0,
            "title": "Nice",
            "text": LONG,
            "asin": "B1",
            "parent_asin": "B1",
            "user_id": "AREADER",
            "timestamp": 1_600_000_000_000 + i,
            "helpful_vote": 0,
            "verified_purchase": True,
        } | kw

    p.line(r, rev(1))
    p.line(r, rev(2, rating="five"), "string where a number belongs", "bad_number")
    p.line(r, rev(3, timestamp="2020-13-45"), "malformed timestamp", "bad_timestamp")
    p.line(r, rev(4, text={"html": "<p>hi</p>"}), "wrong type (object as text)", "wrong_type")
    p.line(r, {k: v for k, v in rev(5).items() if k != "user_id"}, "missing required field", "missing_field")
    p.line(r, rev(1), "duplicated id", "duplicate_id")
    p.line(r, rev(6, text="Great\u200b book <b>really</b> &amp; more. " + LONG, new_2025_field="x"))


def test_bad_input_is_quarantined_with_reasons_and_the_run_completes(tmp_path, capsys):
    raw = tmp_path / "raw"
    p = Plant(raw)
    plant_reddit(p)
    plant_twitter(p)
    plant_blogger(p)
    plant_amazon(p)
    p.write()
    sources = SourcesConfig(
        reddit=RedditSource(
            submissions=[str(raw / "reddit/submissions.jsonl")], comments=[str(raw / "reddit/comments.jsonl")]
        ),
        twitter=TwitterSource(tweets=[str(raw / "twitter/tweets.csv")], users=[str(raw / "twitter/users.jsonl")]),
        blogger=BloggerSource(files=[str(raw / "blogger/blogs/*.xml")]),
        amazon=[AmazonCategory(reviews=[str(raw / "amazon/Books.jsonl")], meta=[str(raw / "amazon/meta_Books.jsonl")])],
    )
    cfg = DataConfig.model_validate(
        {
            "name": "bad_input",
            "sources": sources.model_dump(),
            "filters": {
                "reddit": {"min_posts": 1},
                "twitter": {"min_posts": 1},
                "amazon": {"min_item_reviews": 1, "min_user_reviews": 1},
            },
            "dedup": {"enabled": False},  # the planted good records share their text on purpose
        }
    )
    out = tmp_path / "corpus"
    out.mkdir()
    counts = build_corpus(cfg, sources, out, seed=1)  # completes, and raises FunnelMismatch if anything is lost

    rejected = list(read_jsonl(out / "rejected.jsonl"))
    assert (
        counts["raw_records"]
        == counts["kept_records"] + counts["rejected_records"]
        == counts["kept_records"] + len(rejected)
    )
    by_place = {(r["source_file"], r["line"]): r for r in rejected}
    per_kind: Counter = Counter()
    for kind, file, line, reason in p.expected:
        got = by_place.get((file, line))
        assert got is not None, f"{kind}: {file}:{line} was not quarantined"
        assert got["reason"] == reason, f"{kind}: {file}:{line} → {got['reason']}, expected {reason}"
        per_kind[kind] += 1
    assert len(per_kind) >= 12

    corpus = Corpus(out)
    texts = {p.post_id: p.text for u in corpus.users for p in u.posts}
    assert "Caf\u00e9 \u2013 done." in texts["reddit:t3_s4"]  # cp1252 line repaired, not lost
    assert texts["reddit:t3_s5"].startswith("zerowidth and control chars.")  # invisible characters dropped
    assert texts["reddit:t3_s6"].startswith("bold & html\n")  # HTML tags and double-escaped entities
    subs = {p.post_id: p for u in corpus.users for p in u.posts}
    assert subs["reddit:t3_s5"].meta["score"] == 12 and subs["reddit:t3_s5"].created_at == 1_546_300_805
    assert subs["reddit:t1_c6"].meta["link_id"] == "t3_s1"
    assert "Caf\u00e9 time." in texts["blogger:1234:1"] and "& more" in texts["blogger:1234:2"]
    assert texts["amazon:AREADER:B1:1600000000006"].startswith("Great book really & more.")
    assert corpus.users_of("twitter")[0].attributes["followers"] == 250

    with capsys.disabled():
        print("\nbad-input suite: planted records per kind (each quarantined with the expected reason)")
        for kind, n in sorted(per_kind.items()):
            print(f"  {kind:<40} {n}")
        print(f"  raw {counts['raw_records']} = kept {counts['kept_records']} + rejected {counts['rejected_records']}")
