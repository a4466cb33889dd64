"""Held-out text in training examples, measured on normalised word windows.

A window (n consecutive normalised words) is *held-out-only* when it occurs in text written by a
held-out user and in no other text of the corpus (training users' posts, threads by non-users, item
titles, curated records of training users). Template phrases shared by many users therefore never
count; a training example that contains a held-out-only window quotes a held-out user.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from humanllm.data.records import Corpus
from humanllm.tasks.base import TaskExample

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
        out.update(tuple(w[i: i + n]) for i in range(len(w) - n + 1))
    return out


def authored_texts(corpus: Corpus, curated: Any | None = None) -> Iterator[tuple[str | None, str]]:
    """(author user id or None for non-user text, text) for every text the corpus and curation hold."""
    for user in corpus.users:
        for post in user.posts:
            yield user.user_id, f"{post.title or ''}\n{post.text}"
    for thread in corpus.threads.values():
        yield f"reddit:{thread.author}", f"{thread.title}\n{thread.text}"
    for item in corpus.items.values():
        yield None, item.title
    if curated is not None:
        for post in curated.posts.values():
            yield post.user_id, f"{post.title or ''}\n{post.text}"
        for record in curated_records(curated):
            yield record.user_id, record.model_dump_json(include=set(type(record).model_fields) - _ID_FIELDS)


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


def held_out_only_windows(texts: Iterable[tuple[str | None, str]], held_out: set[str], n: int = WINDOW) -> set[tuple[str, ...]]:
    """Windows of held-out users' texts that no other text contains."""
    held, other = set(), set()
    for author, text in texts:
        (held if author in held_out else other).update(windows(text, n))
    return held - other


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
