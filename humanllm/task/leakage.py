"""Held-out text in training examples, measured on normalised word windows.

A window (n consecutive normalised words) is *held-out-only* when it occurs in text by or about a
held-out user (their posts, their curated records) and in no text that others wrote (training users'
posts, threads by non-users, item titles). Template phrases shared by many users therefore never count;
a training example that contains a held-out-only window quotes a held-out user.

Curated records are windowed as they are rendered: each string value on its own line, no field names.
A training user's curated record counts as others' text only where it does not repeat a held-out user's
own posts: an LLM that copied a held-out post into a training user's record does not launder it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from humanllm.data.records import Corpus
from humanllm.task.base import TaskExample

WINDOW = 8
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens after NFKC normalisation (punctuation and spacing ignored)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def windows(text: str, n: int = WINDOW) -> set[tuple[str, ...]]:
    """The n-word windows of each line (a window never spans two lines, so text that a prompt sets
    side by side cannot form a window that no one wrote)."""
    out: set[tuple[str, ...]] = set()
    for line in text.splitlines():
        w = words(line)
        out.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return out


def authored_texts(corpus: Corpus, curated: Any | None = None) -> Iterator[tuple[str | None, str, bool]]:
    """(author user id or None for non-user text, text, derived) for every text the corpus and curation
    hold; `derived` marks LLM-written records (rendered: one string value per line)."""
    for user in corpus.users:
        for post in user.posts:
            yield user.user_id, f"{post.title or ''}\n{post.text}", False
    for thread in corpus.threads.values():
        yield f"reddit:{thread.author}", f"{thread.title}\n{thread.text}", False
    for item in corpus.items.values():
        yield None, item.title, False
    if curated is not None:
        for post in curated.posts.values():
            yield post.user_id, f"{post.title or ''}\n{post.text}", False
        for record in curated_records(curated):
            yield record.user_id, rendered_text(record.model_dump(mode="json", exclude=_ID_FIELDS)), True


def rendered_text(value: Any) -> str:
    """The string values of a record, one per line, as task prompts render them (field names left out)."""
    if isinstance(value, dict):
        return "\n".join(rendered_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(rendered_text(v) for v in value)
    return "" if value is None or isinstance(value, bool) else str(value)


_ID_FIELDS = {"record_id", "kind", "user_id", "platform", "source_post_ids", "judge_scores", "scenario_id", "variant"}


def curated_records(curated: Any) -> Iterator[Any]:
    """Every synthesized record of a curated set (any kind it holds)."""
    for value in vars(curated).values():
        if isinstance(value, dict):
            values: Iterable[Any] = value.values()
        elif isinstance(value, list):
            values = value
        else:
            continue
        for record in values:
            if hasattr(record, "record_id") and hasattr(record, "user_id"):
                yield record


def held_out_only_windows(
    texts: Iterable[tuple[str | None, str, bool]], held_out: set[str], n: int = WINDOW
) -> set[tuple[str, ...]]:
    """Windows of held-out users' texts (posts and records) that no other text contains; other users'
    records count only where they do not repeat a held-out user's own posts."""
    held, held_posts, other, other_derived = set(), set(), set(), set()
    for author, text, derived in texts:
        w = windows(text, n)
        if author in held_out:
            held |= w
            if not derived:
                held_posts |= w
        else:
            (other_derived if derived else other).update(w)
    return held - other - (other_derived - held_posts)


@dataclass(frozen=True)
class Leak:
    example_id: str
    user_id: str
    window: str


def find_leaks(examples: Iterable[TaskExample], held_windows: set[tuple[str, ...]], n: int = WINDOW) -> list[Leak]:
    """One Leak per example whose messages (prompt and target) contain a held-out-only window."""
    out = []
    for e in examples:
        hits = windows("\n".join(m["content"] for m in e.messages), n) & held_windows
        if hits:
            out.append(Leak(e.example_id, e.user_id, " ".join(sorted(hits)[0])))
    return out
