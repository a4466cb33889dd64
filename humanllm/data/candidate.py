"""What loaders hand to the filters: one `Candidate` per parsed raw record, plus parse failures."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from humanllm.data.records import Item, Platform, Post, Rejected, Thread

# Raw record kinds: the Post kinds, plus Amazon catalog rows and Twitter user-table rows.
KINDS = ("submission", "comment", "tweet", "blog_post", "review", "item", "profile")
MAX_TEXT_CHARS = 200_000  # longer than any real post we know of (Reddit selftext caps at 40,000): a broken record
FUTURE_SLACK_S = 86_400  # a timestamp more than a day after the build is not a real post time


class UnreadableSource(ValueError):
    """Raw files the loader cannot read as the platform's schema (an unknown layout, or nothing parsed)."""


class BadRecord(ValueError):
    """A raw record whose fields cannot be what the schema says (raised by builders, quarantined by loaders)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class Candidate:
    """A parsed raw record on its way through the filters (a post, an item, or a Twitter profile row)."""

    record_id: str
    platform: Platform
    kind: str
    author: str | None  # native author id, None for catalog items
    source_file: str
    line: int | None
    post: Post | None = None
    item: Item | None = None
    attributes: dict[str, Any] | None = None  # user attributes: Twitter profile rows, Blogger file names

    @property
    def user_id(self) -> str | None:
        return f"{self.platform}:{self.author}" if self.author is not None else None

    @property
    def text(self) -> str:
        """Title and text together (what length rules and dedup look at)."""
        if self.post is None:
            return ""
        return f"{self.post.title}\n{self.post.text}" if self.post.title else self.post.text

    def reject(self, stage: str, reason: str, detail: str | None = None) -> Rejected:
        return Rejected(
            record_id=self.record_id,
            platform=self.platform,
            stage=stage,
            reason=reason,
            source_file=self.source_file,
            line=self.line,
            user_id=self.user_id,
            detail=detail,
        )


@dataclass
class Loaded:
    """A platform loader's output: candidates, parse failures as (kind, Rejected), and side tables."""

    platform: Platform
    candidates: list[Candidate] = field(default_factory=list)
    failures: list[tuple[str, Rejected]] = field(default_factory=list)
    threads: dict[str, Thread] = field(default_factory=dict)  # Reddit, every parsed submission
    formats: list[str] = field(default_factory=list)  # "schema 2018 (file X)": what each file was read as

    def fail(
        self,
        kind: str,
        path: Path,
        line: int | None,
        reason: str,
        detail: str | None = None,
        record_id: str | None = None,
        author: str | None = None,
    ) -> None:
        """Record a raw record that could not be parsed (its id is file:line when it has none)."""
        rid = record_id or f"{self.platform}:{path}:{line}"
        uid = f"{self.platform}:{author}" if author else None
        self.failures.append(
            (
                kind,
                Rejected(
                    record_id=rid,
                    platform=self.platform,
                    stage="parse",
                    reason=reason,
                    source_file=str(path),
                    line=line,
                    user_id=uid,
                    detail=detail,
                ),
            )
        )

    def add(self, cand: Candidate, seen: set[str]) -> None:
        """Keep a candidate unless its id was already loaded (dumps repeat records) or its text is enormous."""
        if len(cand.text) > MAX_TEXT_CHARS:
            self.fail(
                cand.kind,
                Path(cand.source_file),
                cand.line,
                "text_too_long",
                f"{len(cand.text)} > {MAX_TEXT_CHARS} chars",
                record_id=f"{cand.record_id}@{cand.source_file}:{cand.line}",
                author=cand.author,
            )
            return
        if cand.record_id in seen:
            self.fail(
                cand.kind,
                Path(cand.source_file),
                cand.line,
                "duplicate_id",
                f"{cand.record_id} already loaded",
                record_id=f"{cand.record_id}@{cand.source_file}:{cand.line}",
                author=cand.author,
            )
            return
        seen.add(cand.record_id)
        self.candidates.append(cand)


def split_error(error: str) -> tuple[str, str | None]:
    """'malformed_json: detail' → ('malformed_json', 'detail')."""
    reason, _, detail = error.partition(": ")
    return reason, detail or None


def as_int(value: Any) -> int | None:
    """An int from the loose numeric fields of dumps ("12", 12.0, None)."""
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def number(rec: dict[str, Any], key: str) -> float | None:
    """A numeric field that may come as a number or a numeric string; absent → None; anything else → BadRecord."""
    value = rec.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRecord("bad_number", f"{key} is {type(value).__name__} {value!r:.40}")
    try:
        out = float(value)
    except ValueError:
        raise BadRecord("bad_number", f"{key}={value!r:.40}") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise BadRecord("bad_number", f"{key}={value!r:.40}")
    return out


def text(rec: dict[str, Any], key: str) -> str | None:
    """A text field: a string (numbers are written out); a list, object or boolean → BadRecord('wrong_type')."""
    value = rec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadRecord("wrong_type", f"{key} is {type(value).__name__}, not text")
    return str(value)


def post_time(rec: dict[str, Any], key: str) -> int | None:
    """Unix seconds of a post-time field (number, numeric string or ISO date); unreadable or future → BadRecord."""
    value = rec.get(key)
    if value is None or value == "":
        return None
    try:
        seconds = to_unix(number(rec, key))
    except BadRecord:
        seconds = to_unix(value) if isinstance(value, str) else None
    if seconds is None:
        raise BadRecord("bad_timestamp", f"{key}={value!r:.40}")
    if seconds > time.time() + FUTURE_SLACK_S:
        raise BadRecord("future_timestamp", f"{key}={value!r:.40} is after the build")
    return seconds


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "t"}
    return bool(value)


def to_unix(value: Any) -> int | None:
    """Unix seconds from an ISO date string, a datetime, or a number (above 1e11: milliseconds)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)):
        return int(value / 1000) if value > 1e11 else int(value)
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())
