"""Twitter → tweets and user profiles, from three layouts, detected per file:

- twitter100m: enryu43/twitter100m_tweets (user, id, tweet, date, likes, ...) and twitter100m_users rows;
- API v1.1: tweet objects (id_str, full_text/text, user{...}, created_at), one a line or a JSON list per file,
  or search pages ({"statuses": [...]});
- API v2: tweets (id, text, author_id, ...) one a line as `twarc2 flatten` writes them, or the pages
  twarc2 saves ({"data": [...], "includes": {"users": [...], "tweets": [...]}}).

API tweets are put in the twitter100m shape, so they are marked as there: a retweet's text starts
"RT @author: " (what the retweet rule looks for), a reply's text is the API's (a leading "@user" unless it
answers its own thread); `meta.retweet_of` and `meta.reply_to` also hold the ids. Each API author's
embedded user object becomes one profile row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from humanllm.data.candidate import BadRecord, Candidate, Loaded, as_bool, number, post_time, text
from humanllm.data.config import TwitterSource
from humanllm.data.loaders.rows import Build, detect_schema, load_rows, unset_placeholders
from humanllm.data.rawio import RawRow, expand, read_table
from humanllm.data.records import Post
from humanllm.data.text import clean_text

EXPECTED = (
    "twitter100m (tweets: user, id, tweet, date; users: user, verified, followers, description), "
    "Twitter API v1.1 tweets (id_str, full_text or text, user{screen_name}, created_at) or "
    "API v2 tweets / twarc2 pages (data[{id, text, author_id}], includes{users})"
)
TWEET_SCHEMAS: dict[str, Callable[[dict], bool]] = {
    "twitter100m": lambda r: "tweet" in r and not isinstance(r.get("user"), dict),
    "v1.1": lambda r: isinstance(r.get("user"), dict) or "id_str" in r or isinstance(r.get("statuses"), list),
    "v2": lambda r: "author_id" in r or "data" in r,
}
USER_SCHEMAS: dict[str, Callable[[dict], bool]] = {
    "twitter100m": lambda r: "user" in r,
    "v1.1": lambda r: "screen_name" in r,
    "v2": lambda r: "username" in r,
}


def _tweet(rec: dict[str, Any], path: Path, line: int) -> Candidate:
    meta: dict[str, Any] = {k: int(number(rec, k) or 0) for k in ("likes", "retweets", "replies", "quotes")}
    meta.update({k: str(rec[k]) for k in ("retweet_of", "reply_to") if rec.get(k) is not None})
    post = Post(
        post_id=f"twitter:{text(rec, 'id')}",
        platform="twitter",
        kind="tweet",
        author=str(text(rec, "user")),
        text=clean_text(text(rec, "tweet")),
        created_at=post_time(rec, "date"),
        meta=meta,
    )
    return Candidate(post.post_id, "twitter", "tweet", post.author, str(path), line, post=post)


def _profile(rec: dict[str, Any], path: Path, line: int) -> Candidate:
    profile = {
        "native_id": None if rec.get("id") is None else str(rec.get("id")),
        "verified": as_bool(rec.get("verified")),
        "followers": int(number(rec, "followers") or 0),
        "description": clean_text(text(rec, "description")),
        "location": clean_text(text(rec, "location")),
    }
    user = str(text(rec, "user"))
    return Candidate(f"twitter:@{user}", "twitter", "profile", user, str(path), line, attributes=profile)


def api_user_fields(user: dict[str, Any]) -> dict[str, Any]:
    """A v1.1 or v2 user object in the twitter100m_users shape."""
    metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
    return {
        "user": user.get("screen_name") or user.get("username"),
        "id": user.get("id_str") or user.get("id"),
        "verified": user.get("verified"),
        "followers": user.get("followers_count", metrics.get("followers_count")),
        "description": user.get("description"),
        "location": user.get("location"),
    }


def _api_date(value: Any) -> Any:
    """v1.1 'Wed Oct 10 20:19:24 +0000 2018' → ISO; v2 dates are ISO already; anything else stays
    (and fails)."""
    if isinstance(value, str):
        try:
            return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").isoformat()
        except ValueError:
            pass
    return value


def _need(value: Any, field: str) -> Any:
    if value is None:
        raise BadRecord("missing_field", field)
    return value


def _full_text(tweet: dict[str, Any]) -> Any:
    """The untruncated text: v1.1 extended_tweet / full_text, v2 note_tweet, else text."""
    for holder, key in (
        (tweet.get("extended_tweet"), "full_text"),
        (tweet, "full_text"),
        (tweet.get("note_tweet"), "text"),
        (tweet, "text"),
    ):
        if isinstance(holder, dict) and holder.get(key) is not None:
            return holder[key]
    return None


def _retweet_text(author: Any, body: Any, own: Any) -> Any:
    """'RT @author: body' as twitter100m has it (the API's own text is truncated or lacks the mark)."""
    if author and isinstance(body, str):
        return f"RT @{author}: {body}"
    return own if isinstance(own, str) and own.startswith("RT @") else f"RT @{author or 'unknown'}: {own}"


def v1_fields(tweet: dict[str, Any]) -> dict[str, Any]:
    """An API v1.1 tweet in the twitter100m shape, with its author's user object under `profile`."""
    user = tweet["user"]
    if not isinstance(user, dict):
        raise BadRecord("wrong_type", f"user is {type(user).__name__}, not an object")
    body = _full_text(tweet)
    original = tweet.get("retweeted_status")
    retweet_of = None
    if isinstance(original, dict):
        by = original.get("user", {}).get("screen_name") if isinstance(original.get("user"), dict) else None
        body, retweet_of = (
            _retweet_text(by, _full_text(original), body),
            original.get("id_str") or original.get("id"),
        )
    return {
        "id": _need(tweet.get("id_str") or tweet.get("id"), "id_str"),
        "user": _need(user.get("screen_name"), "user.screen_name"),
        "tweet": _need(body, "text"),
        "date": _api_date(tweet.get("created_at")),
        "likes": tweet.get("favorite_count"),
        "retweets": tweet.get("retweet_count"),
        "replies": tweet.get("reply_count"),
        "quotes": tweet.get("quote_count"),
        "retweet_of": retweet_of,
        "reply_to": tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id"),
        "profile": user,
    }


def v2_fields(tweet: dict[str, Any]) -> dict[str, Any]:
    """An API v2 tweet (its `author` and referenced tweets attached, as twarc2 flatten does) in the
    twitter100m shape, with the author's user object under `profile`."""
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
    refs = {r.get("type"): r for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)}
    metrics = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
    body, retweet_of = _full_text(tweet), None
    if "retweeted" in refs:
        original = refs["retweeted"]
        by = original.get("author", {}).get("username") if isinstance(original.get("author"), dict) else None
        body, retweet_of = (
            _retweet_text(by, _full_text(original) if "text" in original else None, body),
            original.get("id"),
        )
    replied = refs.get("replied_to")
    return {
        "id": _need(tweet.get("id"), "id"),
        "user": _need((author or {}).get("username") or tweet.get("author_id"), "author_id"),
        "tweet": _need(body, "text"),
        "date": tweet.get("created_at"),
        "likes": metrics.get("like_count"),
        "retweets": metrics.get("retweet_count"),
        "replies": metrics.get("reply_count"),
        "quotes": metrics.get("quote_count"),
        "retweet_of": retweet_of,
        "reply_to": replied.get("id") if replied else None,
        "profile": author,
    }


def _attach(tweet: dict[str, Any], users: dict[str, Any], tweets: dict[str, Any]) -> dict[str, Any]:
    """A tweet of a v2 page with its author and referenced tweets (and their authors) from `includes`."""
    out = dict(tweet)
    if "author" not in out and out.get("author_id") in users:
        out["author"] = users[out["author_id"]]
    refs = []
    for ref in out.get("referenced_tweets") or []:
        full = tweets.get(ref.get("id")) if isinstance(ref, dict) else None
        refs.append(ref if full is None else _attach({**full, **ref}, users, {}))
    if refs:
        out["referenced_tweets"] = refs
    return out


def _by_id(objects: Any) -> dict[str, Any]:
    return {o["id"]: o for o in objects or [] if isinstance(o, dict) and "id" in o}


def read_api_tweets(path: Path) -> Iterator[RawRow]:
    """Rows of an API file, one per tweet: v2 pages and v1.1 search pages are opened into their tweets."""
    for row in read_table(path):
        page = row.data or {}
        tweets = page.get("data") if isinstance(page.get("data"), list) else page.get("statuses")
        if not isinstance(tweets, list):
            yield row
            continue
        includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        users, referenced = _by_id(includes.get("users")), _by_id(includes.get("tweets"))
        for i, tweet in enumerate(tweets):
            item = i if row.item is None else f"{row.item}.{i}"
            yield (
                RawRow(row.line, _attach(tweet, users, referenced), item=item)
                if isinstance(tweet, dict)
                else RawRow(row.line, None, f"not_an_object: {type(tweet).__name__}", item=item)
            )


def _api_tweet(fields: Callable[[dict[str, Any]], dict[str, Any]], authors: dict[str, tuple]) -> Build:
    """The builder of API tweets; each author's first user object is kept in `authors` for a profile row."""

    def build(rec: dict[str, Any], path: Path, line: int) -> Candidate:
        flat = fields(rec)
        cand = _tweet(flat, path, line)
        if isinstance(flat["profile"], dict) and cand.author not in authors:
            authors[str(cand.author)] = (api_user_fields(flat["profile"]), path, line)
        return cand

    return build


def _load_tweets(out: Loaded, path: Path, schema: str, authors: dict[str, tuple], seen: set[str], show: bool) -> None:
    if schema == "twitter100m":
        load_rows(out, "tweet", [path], read_table, ("user", "id", "tweet"), "user", _tweet, show, seen)
    elif schema == "v1.1":
        load_rows(out, "tweet", [path], read_api_tweets, ("user",), "", _api_tweet(v1_fields, authors), show, seen)
    else:
        load_rows(
            out,
            "tweet",
            [path],
            read_api_tweets,
            ("id",),
            "author_id",
            _api_tweet(v2_fields, authors),
            show,
            seen,
        )


def load_twitter(source: TwitterSource, progress: bool = False) -> Loaded:
    out = Loaded("twitter")
    users = expand(source.users, "data.sources.twitter.users")
    tweets = expand(source.tweets, "data.sources.twitter.tweets")
    profiles: set[str] = set()
    for path in users:
        schema = detect_schema(path, read_table, USER_SCHEMAS, "Twitter users", EXPECTED) or "twitter100m"
        out.formats.append(f"profile schema {schema} ({path.name})")
        if schema == "twitter100m":
            load_rows(out, "profile", [path], read_table, ("user",), "user", _profile, progress, profiles)
        else:
            load_rows(
                out,
                "profile",
                [path],
                read_table,
                (),
                "",
                lambda r, p, n: _profile(api_user_fields(r), p, n),
                progress,
                profiles,
            )
    authors: dict[str, tuple] = {}
    seen: set[str] = set()
    for path in tweets:
        schema = detect_schema(path, read_table, TWEET_SCHEMAS, "Twitter tweets", EXPECTED) or "twitter100m"
        out.formats.append(f"tweet schema {schema} ({path.name})")
        _load_tweets(out, path, schema, authors, seen, progress)
    for user, (fields, path, line) in authors.items():  # embedded user objects: one profile per author
        if f"twitter:@{user}" not in profiles:
            out.add(_profile(unset_placeholders(fields), path, line), profiles)
    return out
