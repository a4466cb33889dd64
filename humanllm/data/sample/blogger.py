"""Sample Blog Authorship Corpus files: blogs/<id>.<gender>.<age>.<industry>.<sign>.xml.

Like the real corpus, not every file is valid XML or UTF-8: one has bare `&` and a truncated last post,
one is cp1252, one has a name that does not follow the pattern, one has no posts at all.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from humanllm.data.sample.common import Clock
from humanllm.data.sample.personas import Persona, make_personas
from humanllm.data.sample.writing import compose

START = 1_072_915_200  # 2004-01-01
MONTHS = "January February March April May June July August September October November December".split()


def _date(t: int, foreign: bool = False) -> str:
    d = datetime.fromtimestamp(t, tz=UTC)
    month = "juni" if foreign else MONTHS[d.month - 1]
    return f"{d.day:02d},{month},{d.year}"


def _post(p: Persona, r: random.Random) -> str:
    extra = f"Found this urlLink great page about {p.topics[0]} today, worth a read." if r.random() < 0.3 else ""
    return compose(p, r, min_chars=380, max_chars=900, extra=extra)


def _document(entries: list[tuple[str, str]]) -> str:
    body = "".join(f"<date>{d}</date>\n<post>\n\n\n      {text}\n\n\n    </post>\n\n\n" for d, text in entries)
    return f"<Blog>\n\n{body}</Blog>\n"


def write_blogger(folder: Path, r: random.Random, n_users: int, defects: bool) -> dict[str, int]:
    blogs = folder / "blogs"
    blogs.mkdir(parents=True, exist_ok=True)
    users = make_personas(r, n_users)
    ids = r.sample(range(1_000_000, 4_400_000), k=n_users + 2)
    posts = 0
    for i, p in enumerate(users):
        clock = Clock(r, START + r.randint(0, 200) * 86400, 86400, 12 * 86400)
        entries = [
            (_date(clock.next(), foreign=defects and i == 4 and k == 0), _post(p, r)) for k in range(r.randint(6, 9))
        ]
        if defects:
            entries.insert(2, (_date(clock.next()), "Nothing much today. Tired. Bed."))
            if i == 0:
                entries.append((_date(clock.next()), entries[1][1]))  # the same post twice
        text = _document(entries)
        encoding = "utf-8"
        if defects and i == 1:  # bare ampersands, a stray tag, and the file cut off inside its last post
            text = text.replace(" and ", " & ", 3).replace("<Blog>", "<Blog>\n<b>my blog</i>")
            text = text + f"<date>{_date(clock.next())}</date>\n<post>\n\n      This one never got fin"
            entries.append(("", ""))
        if defects and i == 2:  # Windows-1252 bytes, as in many real files
            text = text.replace("'", "\u2019").replace("<post>", "<post>\n Caf\u00e9 diary \u2013 ", 1)
            encoding = "cp1252"
        name = f"{ids[i]}.{p.gender}.{min(p.age, 48)}.{p.industry}.{p.sign}.xml"
        (blogs / name).write_bytes(text.encode(encoding))
        posts += len(entries)
    if defects:
        extra = make_personas(r, 2, prefix="x")
        short = [(_date(START + k * 86400), "Testing my new blog. Hello world!") for k in range(3)]
        (blogs / f"{ids[-1]}.male.23.Student.Leo.xml").write_text(_document(short), encoding="utf-8")
        (blogs / "draft_notes.xml").write_text(_document([(_date(START), _post(extra[0], r))]), encoding="utf-8")
        (blogs / f"{ids[-2]}.female.31.Arts.Virgo.xml").write_text("<Blog>\n\n</Blog>\n", encoding="utf-8")
        posts += len(short) + 1 + 1
    return {"files": len(list(blogs.iterdir())), "posts": posts}
