"""Blog Authorship Corpus: one `id.gender.age.industry.sign.xml` per blogger, scanned tolerantly.

The real files are often not valid XML (bare `&`, stray tags, truncation) nor UTF-8, so every file
is scanned for <date>/<post> pairs instead of parsed: each <post> is one raw record, a <post> with
no closing tag is rejected, the posts around it are kept.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from humanllm.data.candidate import Candidate, Loaded
from humanllm.data.config import BloggerSource
from humanllm.data.loaders.rows import unset
from humanllm.data.rawio import expand
from humanllm.data.records import Post
from humanllm.data.text import clean_text, decode_bytes

FILENAME = re.compile(
    r"^(?P<id>\d+)\.(?P<gender>[a-z]+)\.(?P<age>\d+)\.(?P<industry>[^.]+)\.(?P<sign>[^.]+)\.xml$", re.I
)
EXPECTED = "Blog Authorship Corpus files id.gender.age.industry.sign.xml, <date>...</date><post>...</post>"
TAG = re.compile(r"<(/?)(date|post)\s*>", re.I)
MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        "January February March April May June July August September October November December".split(), 1
    )
}
MONTHS.update(
    {
        "juni": 6,
        "juli": 7,
        "mai": 5,
        "januar": 1,
        "februar": 2,
        "marz": 3,
        "oktober": 10,
        "dezember": 12,
        "mayo": 5,
        "junio": 6,
        "julio": 7,
        "agosto": 8,
    }
)


def parse_date(value: str) -> int | None:
    """'14,May,2004' → unix seconds (None for names we do not know)."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    month = MONTHS.get(parts[1].lower())
    try:
        return int(datetime(int(parts[2]), month, int(parts[0]), tzinfo=UTC).timestamp()) if month else None
    except ValueError:
        return None


def scan(text: str) -> list[tuple[int, str | None, str | None]]:
    """(line, date, body or None when unterminated) for each <post> in document order."""
    found: list[tuple[int, str | None, str | None]] = []
    date: str | None = None
    line, counted = 1, 0  # lines counted up to `counted` (counting from 0 for each post is quadratic)
    tags = list(TAG.finditer(text))
    for i, m in enumerate(tags):
        closing, name = m.group(1) == "/", m.group(2).lower()
        if closing:
            continue
        nxt = tags[i + 1] if i + 1 < len(tags) else None
        closed = nxt is not None and nxt.group(1) == "/" and nxt.group(2).lower() == name
        body = text[m.end() : nxt.start()] if closed and nxt is not None else None
        if name == "date":
            date = unset(body.strip()) if body is not None else None
        else:
            line, counted = line + text.count("\n", counted, m.start()), m.start()
            found.append((line, date, body))
    return found


def _load_file(out: Loaded, path: Path, seen: set[str]) -> None:
    meta = FILENAME.match(path.name)
    try:
        text, encoding = decode_bytes(path.read_bytes())
    except OSError as e:
        out.fail("blog_post", path, None, "unreadable_file", str(e), record_id=f"blogger:{path}")
        return
    posts = scan(text)
    if not posts:
        out.fail("blog_post", path, None, "no_posts", "no <post> element", record_id=f"blogger:{path}")
        return
    if meta is None:
        for n, (line, _, _) in enumerate(posts, 1):
            out.fail(
                "blog_post",
                path,
                line,
                "bad_filename",
                "expected id.gender.age.industry.sign.xml",
                record_id=f"blogger:{path}#{n}",
            )
        return
    bid = meta["id"]
    attributes = {
        "gender": meta["gender"].lower(),
        "age": int(meta["age"]),
        "industry": meta["industry"],
        "sign": meta["sign"],
    }
    for n, (line, date, body) in enumerate(posts, 1):
        rid = f"blogger:{bid}:{n}"
        if body is None:
            out.fail(
                "blog_post",
                path,
                line,
                "unterminated_post",
                "no </post> before the next tag or the end",
                record_id=rid,
                author=bid,
            )
            continue
        body = clean_text(unset(body))
        post = Post(
            post_id=rid,
            platform="blogger",
            kind="blog_post",
            author=bid,
            text=body,
            created_at=parse_date(date) if date else None,
            meta={"date": date, "encoding": encoding},
        )
        out.add(Candidate(rid, "blogger", "blog_post", bid, str(path), line, post=post, attributes=attributes), seen)


def load_blogger(source: BloggerSource, progress: bool = False) -> Loaded:
    out = Loaded("blogger")
    files = expand(source.files, "data.sources.blogger.files")
    if progress:
        from tqdm import tqdm

        files = tqdm(files, desc="blogger", unit="file", leave=False)
    seen: set[str] = set()
    for path in files:
        _load_file(out, path, seen)
    return out
