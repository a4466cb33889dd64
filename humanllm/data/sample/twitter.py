"""Sample Twitter tables in the twitter100m layout: tweets.csv and users.jsonl."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from humanllm.data.sample.common import Clock, jline, pii_sentence, write_lines
from humanllm.data.sample.personas import Persona, make_personas
from humanllm.data.sample.writing import compose

START = 1_640_995_200  # 2022-01-01
COLUMNS = ["user", "id", "tweet", "replies", "retweets", "likes", "quotes", "date"]
CORPORATE = [
    ("FreshBrewCo", "Official account of FreshBrew Coffee Co. Customer support: DM us, 9-5 EST.", True, 254_000),
    ("GadgetHubDeals", "Gadgets, gizmos and more. New arrivals every week!", False, 8_100),
]
PROMO = (
    "Big news for the weekend! Use code SAVE20 for 20% off every bag of our house blend, plus free shipping on "
    "orders over $30. A discount like this is a limited time thing, so do not wait. Our roasters have been "
    "working overtime to get the new single origin ready for you and we think you are going to love it. Shop "
    "now at the link in bio and tell a friend, because sharing is caring and caffeine is life."
)


def _date(t: int) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(sep=" ")


def _tweet(r: random.Random, user: str, text: str, t: int) -> dict[str, Any]:
    return {
        "user": user,
        "id": str(r.randint(10**18, 10**19 - 1)),
        "tweet": text,
        "replies": r.randint(0, 20),
        "retweets": r.randint(0, 50),
        "likes": r.randint(0, 400),
        "quotes": r.randint(0, 5),
        "date": _date(t),
    }


def _long(p: Persona, r: random.Random) -> str:
    return compose(p, r, min_chars=340, max_chars=700)


def _user_row(r: random.Random, p: Persona) -> dict[str, Any]:
    return {
        "user": p.handle,
        "id": str(r.randint(10**8, 10**10)),
        "verified": False,
        "followers": r.randint(40, 5000),
        "description": f"{p.job.capitalize()} in {p.town}. Into {', '.join(p.topics)}. {p.catchphrase.capitalize()}.",
        "location": p.town,
    }


def write_twitter(folder: Path, r: random.Random, n_users: int, defects: bool) -> dict[str, int]:
    clock = Clock(r, START, 1800, 4 * 86400)
    users = make_personas(r, n_users)
    near_miss = make_personas(r, 2, prefix="nm_") if defects else []
    tweets: list[dict[str, Any]] = []
    for p in users:
        for _ in range(r.randint(7, 9)):
            tweets.append(_tweet(r, p.handle, _long(p, r), clock.next()))
        if defects:
            tweets.append(
                _tweet(r, p.handle, f"Long day at {p.workplace}. {p.catchphrase.capitalize()}.", clock.next())
            )
            if p is users[0]:  # a person's own advertising tweet (the paper's rule drops it, not the user)
                tweets.append(
                    _tweet(r, p.handle, _long(p, r) + " My shop has a sale on this week, order now!", clock.next())
                )
            other = r.choice(users)
            tweets.append(_tweet(r, p.handle, f"RT @{other.handle}: {_long(other, r)}", clock.next()))
    for p in near_miss:
        tweets += [_tweet(r, p.handle, _long(p, r), clock.next()) for _ in range(4)]
    rows = [_user_row(r, p) for p in users + near_miss]
    if defects and users:
        u0, u1 = users[0], users[1 % len(users)]
        tweets.append(dict(tweets[0], id=str(r.randint(10**18, 10**19 - 1)), date=_date(clock.next())))  # repost
        tweets.append(
            _tweet(
                r,
                u1.handle,
                _long(u1, r)
                + " "
                + pii_sentence(u1, r, f"@{u0.handle}")
                + " Rain &amp; wind all day &#8212; still worth it.",
                clock.next(),
            )
        )
        for name, desc, verified, followers in CORPORATE:
            rows.append(
                {
                    "user": name,
                    "id": str(r.randint(10**8, 10**10)),
                    "verified": verified,
                    "followers": followers,
                    "description": desc,
                    "location": "Everywhere",
                }
            )
            tweets += [_tweet(r, name, PROMO, clock.next()) for _ in range(7)]
        rows.append(
            {
                "user": "quiet_lurker_77",
                "id": "12345",
                "verified": False,
                "followers": 3,
                "description": "just reading",
                "location": "",
            }
        )
        rows.append({"id": "999", "verified": False, "followers": 1, "description": "no user name"})
    tweets.sort(key=lambda t: t["date"])
    n_tweets = write_lines(folder / "tweets.csv", _csv_lines(tweets, defects))
    n_users = write_lines(folder / "users.jsonl", [jline(u) for u in rows])
    return {"tweets": n_tweets - 1, "users": n_users}


def _csv_lines(tweets: list[dict[str, Any]], defects: bool) -> list[bytes]:
    """CSV rows as bytes; with defects, a row with too few fields and a cp1252-encoded row."""

    def row(rec: dict[str, Any], encoding: str = "utf-8") -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([rec.get(c, "") for c in COLUMNS])
        return buf.getvalue().encode(encoding)

    lines = [row({c: c for c in COLUMNS})]
    for i, t in enumerate(tweets):
        if defects and i == 5:
            t = dict(t, tweet=t["tweet"].replace("'", "\u2019") + " Caf\u00e9 \u2013 yes.")
            lines.append(row(t, "cp1252"))
        else:
            lines.append(row(t))
    if defects:
        lines.insert(8, b"broken_row,123\n")
    return lines
