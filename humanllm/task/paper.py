"""Pieces the official task formats share (generate_sft_data.py): length limits, the "about N words"
target, the random completion split, history truncation and per-group caps. Our own code.

Token counts use a tokenizer-free proxy (words and punctuation marks): the official script counts
Qwen2.5-7B tokens, and a task artifact must not depend on which model is trained on it.
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def token_count(text: str) -> int:
    """Words plus punctuation marks: a stand-in for a BPE token count of English text."""
    return len(_TOKEN.findall(text))


def words_target(text: str) -> str:
    """The "about {num} words" figure: the word count rounded to tens (up to 10 for very short texts)."""
    n = len(text.split())
    return str(math.ceil(n / 10) * 10 if n <= 5 else round(n / 10) * 10)


def truncate_words(text: str, max_words: int = 300, marker: str = "[truncated]") -> str:
    """Keep the first `max_words` space-separated words and mark the cut."""
    parts = text.split(" ")
    return text if len(parts) <= max_words else " ".join(parts[:max_words]) + " " + marker


def random_split(
    text: str, rng: random.Random, low: float = 0.3, high: float = 0.7, min_tokens: int = 16, min_chars: int = 5
) -> tuple[str, str] | None:
    """Cut at a random word between `low` and `high` of the text; None when the text is too short."""
    if token_count(text) < min_tokens:
        return None
    parts = text.split(" ")
    lo, hi = int(len(parts) * low), int(len(parts) * high)
    if hi <= lo or lo < 1 or hi >= len(parts):
        return None
    cut = rng.randint(lo, hi)
    front, back = " ".join(parts[:cut]).strip(), " ".join(parts[cut:]).strip()
    if len(front) < min_chars or len(back) < min_chars:
        return None
    return front, back


def sample_history(others: Sequence[T], rng: random.Random, most: int = 5) -> list[T]:
    """1 to `most` distinct random items of `others` (the official history / past-comment draw)."""
    if not others:
        return []
    return rng.sample(list(others), rng.randint(1, min(most, len(others))))


def cap_per_group(
    items: list[T], group: Callable[[T], Hashable], limit: int | None, rng: random.Random
) -> tuple[list[T], list[T]]:
    """(kept, dropped): at most `limit` random items per group, as the official per-task caps."""
    if limit is None:
        return items, []
    groups: dict[Hashable, list[T]] = defaultdict(list)
    for item in items:
        groups[group(item)].append(item)
    kept_ids: set[int] = set()
    for members in groups.values():
        chosen = members if len(members) <= limit else rng.sample(members, limit)
        kept_ids.update(id(m) for m in chosen)
    return [i for i in items if id(i) in kept_ids], [i for i in items if id(i) not in kept_ids]


def block(lines: Sequence[str], label: str) -> str:
    """Numbered entries ("Post 1:\\n…") separated by newlines, as the official prompts list history."""
    return "".join(f"\n{label} {i + 1}:\n{text}" for i, text in enumerate(lines))
