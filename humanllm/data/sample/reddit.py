"""Sample Reddit dumps in the Pushshift schema: submissions.jsonl and comments.jsonl."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from humanllm.data.sample.banks import TOPICS
from humanllm.data.sample.common import Clock, base36, jline, pii_sentence, stable_id, write_lines
from humanllm.data.sample.personas import Persona, make_personas
from humanllm.data.sample.writing import comment, compose, title

START = 1_546_300_800  # 2019-01-01


def _submission(r: random.Random, author: str, topic: str, ttl: str, text: str, t: int, **kw: Any) -> dict[str, Any]:
    sub = TOPICS[topic].community
    sid = base36(r)
    rec = {
        "author": author,
        "created_utc": t,
        "domain": f"self.{sub}",
        "id": sid,
        "is_self": True,
        "name": f"t3_{sid}",
        "num_comments": r.randint(0, 40),
        "score": r.randint(2, 400),
        "selftext": text,
        "subreddit": sub,
        "subreddit_id": f"t5_{stable_id(sub)}",
        "title": ttl,
        "distinguished": None,
    }
    rec.update(kw)
    return rec


def _comment(
    r: random.Random, author: str, thread: dict[str, Any], body: str, t: int, parent: str | None = None, **kw: Any
) -> dict[str, Any]:
    cid = base36(r, 7)
    rec = {
        "author": author,
        "body": body,
        "created_utc": t,
        "id": cid,
        "link_id": thread["name"],
        "parent_id": parent or thread["name"],
        "score": r.randint(-2, 60),
        "subreddit_id": thread["subreddit_id"],
        "permalink": f"/r/{thread['subreddit']}/comments/{thread['id']}/_/{cid}/",
        "controversiality": 0,
    }
    rec.update(kw)
    return rec


def _user_posts(r: random.Random, p: Persona, n: int, clock: Clock) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        topic = r.choice(p.topics[:2])
        rec = _submission(r, p.handle, topic, title(p, r, topic), compose(p, r, topic), clock.next())
        if r.random() < 0.3:  # qualifies through comments rather than score
            rec.update(score=1, num_comments=r.randint(2, 25))
        out.append(rec)
    return out


def _defective_posts(r: random.Random, users: list[Persona], posts: dict[str, list[dict]], clock: Clock) -> list[dict]:
    """Posts that the rules must drop while each user keeps enough: short, link, removed, mod, dups."""
    out: list[dict] = []
    for i, p in enumerate(users):
        topic = p.topics[0]
        out.append(_submission(r, p.handle, topic, "Quick question", "Anyone tried the new one yet?", clock.next()))
        if i % 3 == 0:
            out.append(
                _submission(
                    r, p.handle, topic, title(p, r, topic), compose(p, r, topic), clock.next(), score=1, num_comments=0
                )
            )
        if i % 4 == 1:
            out.append(
                _submission(
                    r, p.handle, topic, "Great video on this", "", clock.next(), is_self=False, domain="youtube.com"
                )
            )
        if i % 4 == 2:
            out.append(_submission(r, p.handle, topic, title(p, r, topic), "[removed]", clock.next()))
        if i % 4 == 3:  # long title, question-only body: the paper's question-only rule drops it
            long_title = " / ".join(title(p, r, topic) for _ in range(6))[:290]
            out.append(
                _submission(
                    r,
                    p.handle,
                    topic,
                    long_title,
                    "Has anyone else run into this lately?",
                    clock.next(),
                    score=12,
                    num_comments=5,
                )
            )
        if i % 5 == 3:
            out.append(
                _submission(
                    r,
                    p.handle,
                    topic,
                    "Subreddit rules reminder",
                    compose(p, r, topic),
                    clock.next(),
                    distinguished="moderator",
                )
            )
    first = posts[users[0].handle][0]
    out.append(
        dict(
            first,
            id=base36(r),
            created_utc=clock.next(),
            subreddit="AskReddit",
            subreddit_id=f"t5_{stable_id('AskReddit')}",
        )
    )  # exact repost
    second = posts[users[1 % len(users)].handle][0]
    words = second["selftext"].split(" ")
    words[len(words) // 2] = "really"
    out.append(dict(second, id=base36(r), created_utc=clock.next(), selftext=" ".join(words) + " EDIT: typo."))
    return [dict(o, name=f"t3_{o['id']}") for o in out]


def write_reddit(folder: Path, r: random.Random, n_users: int, defects: bool) -> dict[str, int]:
    clock = Clock(r, START, 600, 3 * 86400)
    users = make_personas(r, n_users)
    background = make_personas(r, 8, prefix="bg_") if defects else make_personas(r, 4, prefix="bg_")
    near_miss = make_personas(r, 2, prefix="nm_") if defects else []
    posts = {p.handle: _user_posts(r, p, r.randint(7, 9), clock) for p in users}
    posts.update({p.handle: _user_posts(r, p, r.randint(1, 3), clock) for p in background})
    posts.update({p.handle: _user_posts(r, p, 5, clock) for p in near_miss})
    subs = [s for ps in posts.values() for s in ps]
    good = list(subs)  # posts that pass every submission rule (both presets)
    if defects and users:
        extra = (
            pii_sentence(users[2 % len(users)], r, f"u/{users[0].handle}")
            + f" Shout-out to {users[-1].handle} &amp; the crew, it&#39;s been a blast &gt;_&lt;."
        )
        victim = posts[users[2 % len(users)].handle][1]
        victim["selftext"] += "\n\n" + extra
        subs += _defective_posts(r, users, posts, clock)
        topic = "hiking"
        subs += [
            _submission(r, "[deleted]", topic, "[deleted]", "[deleted]", clock.next()),
            _submission(
                r,
                "AutoModerator",
                topic,
                "Weekly gear thread",
                compose(users[0], r, topic),
                clock.next(),
                distinguished="moderator",
            ),
            _submission(r, "tldr_summary_bot", topic, "Summary", compose(users[0], r, topic), clock.next()),
        ]
    subs.sort(key=lambda s: s["created_utc"])
    cp1252 = {posts[users[3 % len(users)].handle][2]["id"]} if defects and users else set()
    for s in subs:
        if s["id"] in cp1252:
            s["selftext"] = s["selftext"].replace("'", "\u2019") + " \u2018Caf\u00e9\u2019 \u2013 done."
    lines = [jline(s, "cp1252" if s["id"] in cp1252 else "utf-8") for s in subs]
    if defects:
        lines.insert(5, lines[4])  # the same submission twice (duplicate id)
        lines.insert(9, lines[8][: len(lines[8]) // 2] + b"\n")  # truncated line
        nid = base36(r)
        lines.insert(12, jline({k: v for k, v in subs[11].items() if k != "author"} | {"id": nid, "name": f"t3_{nid}"}))
        lines.insert(15, b"[]\n")
    n_subs = write_lines(folder / "submissions.jsonl", lines)
    n_comments = write_lines(folder / "comments.jsonl", _comments(r, users, background, subs, good, clock, defects))
    return {"submissions": n_subs, "comments": n_comments}


def _comments(
    r: random.Random,
    users: list[Persona],
    background: list[Persona],
    subs: list[dict],
    good: list[dict],
    clock: Clock,
    defects: bool,
) -> list[bytes]:
    """Users' comments on other people's rule-passing threads (mostly top-level, one reply to a comment each),
    plus the defects comments have."""
    threads = [s for s in subs if s["author"] != "[deleted]"]
    topic_of = {t.community: name for name, t in TOPICS.items()}
    last_in_thread: dict[str, str] = {}
    out: list[dict] = []

    def add(author: str, th: dict, body: str, nested: bool = True, **kw: Any) -> None:
        c = _comment(r, author, th, body, clock.next(), last_in_thread.get(th["name"]) if nested else None, **kw)
        last_in_thread[th["name"]] = f"t1_{c['id']}"
        out.append(c)

    for i, p in enumerate(users):
        others = [s for s in good if s["author"] != p.handle]
        for j in range(r.randint(6, 8)):
            th = r.choice(others)
            topic = topic_of.get(th["subreddit"], p.topics[0])
            body = comment(p, r, topic)
            if j != 2:  # long enough for the paper's 200 characters; comment 2 stays short and nested
                while len(body) < 220:
                    body += " " + comment(p, r, topic)
            if j == 0 and defects:
                body = f"Agree with {users[(i + 1) % len(users)].handle} here. " + body
            add(p.handle, th, body, nested=j == 2)
        if defects:
            add(p.handle, r.choice(others), r.choice(["lol", "This.", "same"]))
    if defects and users:
        for p in background:
            add(p.handle, r.choice(threads), comment(p, r))
        th, u = threads[0], users[0]
        add("[deleted]", th, "[deleted]")
        add(
            "AutoModerator",
            th,
            "Your comment was removed: please read the rules in the sidebar.",
            distinguished="moderator",
        )
        add(u.handle, th, comment(u, r), distinguished="moderator")
        add(u.handle, {**th, "name": "t3_zzzzzz", "id": "zzzzzz"}, comment(u, r))
        long_body = " ".join(comment(u, r) for _ in range(3))
        add(u.handle, r.choice(good), long_body, nested=True)  # a long reply to a comment (not top-level)
        add(u.handle, r.choice(good), long_body + " Seconded.", nested=False)
        add(u.handle, r.choice(good), long_body + " Agreed.", nested=False)
        questions = [s for s in subs if s["selftext"] == "Has anyone else run into this lately?"]
        for q in questions[:2]:  # long top-level comments on a thread that fails the paper's rules
            add(
                users[1 % len(users)].handle,
                q,
                " ".join(comment(users[1 % len(users)], r) for _ in range(3)),
                nested=False,
            )
        out.append(dict(out[1], id=base36(r, 7), created_utc=clock.next()))  # the same comment posted twice
    out.sort(key=lambda c: c["created_utc"])
    lines = [jline(c) for c in out]
    if defects:
        lines.insert(3, b'{"author": "someone", "body": "unterminated\n')
    return lines
