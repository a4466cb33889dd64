"""Option orderings, answer-letter parsing and majority voting shared by MotiveBench and ToMBench.

A permutation `perm` lists original option indices in display order: shown option j is original
option perm[j]. The gold letter moves to position perm.index(gold).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import re
from collections import Counter
from typing import Sequence

LETTERS = "ABCDEFGHIJ"

Permutation = tuple[int, ...]

_LABEL = re.compile(r"^\s*[A-J]\s*[.:：．、)]\s*")


def index_of(letter_: str) -> int:
    """0-based index of an answer letter ('A' -> 0); raises on anything else."""
    i = LETTERS.find(letter_.strip().upper()) if len(letter_.strip()) == 1 else -1
    if i < 0:
        raise ValueError(f"not an answer letter: {letter_!r}")
    return i


def strip_label(option: str) -> str:
    """Drop a leading 'A. ' / 'B: ' / 'C．' label: the data is not consistent about it."""
    return _LABEL.sub("", option, count=1).strip()


def fixed_orderings(n_options: int, k: int, seed: int = 0) -> list[Permutation]:
    """K distinct orderings shared by all items: the identity first, then seeded random permutations."""
    total = math.factorial(n_options)
    if k > total:
        raise ValueError(f"{k} orderings requested but {n_options} options have only {total}")
    rng = random.Random(seed)
    out: list[Permutation] = [tuple(range(n_options))]
    seen = set(out)
    while len(out) < k:
        perm = list(range(n_options))
        rng.shuffle(perm)
        if tuple(perm) not in seen:
            seen.add(tuple(perm))
            out.append(tuple(perm))
    return out


def item_shuffles(n_options: int, n: int, item_key: str, seed: int = 0) -> list[Permutation]:
    """N option orders for one item, seeded by (seed, item_key): distinct while n <= n_options!,
    then cycling through all permutations so positions stay balanced (e.g. 2 options, 5 shuffles)."""
    digest = hashlib.sha256(f"{seed}:{item_key}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    perms = list(itertools.permutations(range(n_options)))
    picked = rng.sample(perms, min(n, len(perms)))
    return [picked[i % len(picked)] for i in range(n)]


def permute(options: Sequence[str], perm: Permutation) -> list[str]:
    return [options[i] for i in perm]


def remap_gold(gold: int, perm: Permutation) -> int:
    """Displayed index of the original option `gold` under `perm`."""
    return perm.index(gold)


def original_index(shown: int, perm: Permutation) -> int:
    """Original option index of the displayed option `shown`."""
    return perm[shown]


def parse_answer_letter(text: str, n_options: int) -> str | None:
    """First answer letter in a model's reply, or None.

    Tried in order: '[[B]]' / '[B]'; 'answer is B', 'Answer: (B)', '答案是B'; a reply that starts with
    the letter ('B', 'B.', '**B**', '(B) ...'); then the first lone capital letter, skipping the
    English article 'A' when a lower-case word follows ('A good choice is C' gives C).
    """
    valid = LETTERS[:n_options]
    cls = f"[{valid}]"
    lone = rf"(?<![A-Za-z]){{}}(?![A-Za-z])"
    patterns = [
        rf"\[\[\s*({cls})\s*\]\]",
        rf"\[\s*({cls})\s*\]",
        rf"(?i:answer|option|choice|答案|选项)\s*(?i:is|:|：|是|为)?\s*[\(\[\*]*\s*" + lone.format(f"({cls})"),
        rf"^[\s\*\(\[\"'“]*({cls})(?:$|[.:：．、)\]\*,\"'”]|\s(?![a-z]))",
    ]
    head = text.strip()
    for pat in patterns:
        m = re.search(pat, head)
        if m:
            return m.group(1)
    for m in re.finditer(lone.format(f"({cls})"), head):
        if m.group(1) == "A" and re.match(r" [a-z]", head[m.end() : m.end() + 2]):
            continue
        return m.group(1)
    return None


def majority_vote(predictions: Sequence[str | None]) -> str | None:
    """Most frequent prediction; a tie goes to the one given first (as the ToMBench scorer does).
    Unparsed replies (None) take part in the vote and count as wrong if they win."""
    if not predictions:
        raise ValueError("majority_vote needs at least one prediction")
    counts = Counter(predictions)
    best = max(counts.values())
    return next(p for p in predictions if counts[p] == best)


def score_generation(doc: dict, results: list[str]) -> dict[str, float]:
    """lm-eval `process_results` for generative mode: 1.0 when the reply's first answer letter is
    the doc's (shuffled) gold letter."""
    pred = parse_answer_letter(results[0], len(doc["choices"]))
    return {"acc": float(pred == doc["gold_letter"])}
