"""Word n-gram overlap between a training corpus and benchmark items (MotiveBench, ToMBench).

The benchmark side is small (a few thousand items), so its n-grams are held in memory and the
training corpus is streamed once: memory does not grow with the corpus. An item's overlap ratio is
the share of its n-grams that occur anywhere in the corpus; items at or over `threshold` are flagged
(an item shorter than n words has no n-grams and is never flagged: pick n below the shortest item).
Words are lower-cased alphanumeric runs; each CJK character counts as a word, so Chinese ToMBench
items get character n-grams.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class BenchmarkText:
    """The text of one benchmark item that a model could have seen in training."""

    benchmark: str
    group: str  # MotiveBench subset or ToMBench task file
    item_id: str
    text: str


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def iter_ngrams(text: str, n: int) -> Iterator[tuple[str, ...]]:
    """Word n-grams in order (none when the text has fewer than n words)."""
    w = words(text)
    return (tuple(w[i : i + n]) for i in range(len(w) - n + 1))


@dataclass
class ContaminationReport:
    items: pd.DataFrame  # benchmark, group, item_id, n_ngrams, n_overlap, overlap, flagged
    summary: pd.DataFrame  # per benchmark and group: items, flagged, share_flagged, mean_overlap, max_overlap
    n: int
    threshold: float

    def flagged(self) -> pd.DataFrame:
        return self.items[self.items["flagged"]]

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = {part: out / f"contamination_{part}_n{self.n}.csv" for part in ("items", "summary")}
        self.items.to_csv(files["items"], index=False)
        self.summary.to_csv(files["summary"], index=False)
        return files


def _summary(items: pd.DataFrame) -> pd.DataFrame:
    grouped = items.groupby(["benchmark", "group"], sort=False)
    summary = grouped.agg(
        items=("item_id", "size"),
        flagged=("flagged", "sum"),
        mean_overlap=("overlap", "mean"),
        max_overlap=("overlap", "max"),
    ).reset_index()
    summary["share_flagged"] = summary["flagged"] / summary["items"]
    return summary[["benchmark", "group", "items", "flagged", "share_flagged", "mean_overlap", "max_overlap"]]


def contamination_report(
    corpus: Iterable[str], items: Iterable[BenchmarkText], n: int = 13, threshold: float = 0.1
) -> ContaminationReport:
    """Per-item share of n-grams seen in `corpus` (any iterable of training texts, streamed once)."""
    if n <= 0:
        raise ValueError(f"n must be > 0 (got {n})")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")
    items = list(items)
    item_grams = [set(iter_ngrams(it.text, n)) for it in items]
    wanted = set().union(*item_grams) if item_grams else set()
    seen: set[tuple[str, ...]] = set()
    for text in corpus:
        seen.update(g for g in iter_ngrams(text, n) if g in wanted)
    rows = []
    for it, grams in zip(items, item_grams):
        hit = len(grams & seen)
        overlap = hit / len(grams) if grams else 0.0
        rows.append(
            {
                "benchmark": it.benchmark,
                "group": it.group,
                "item_id": it.item_id,
                "n_ngrams": len(grams),
                "n_overlap": hit,
                "overlap": overlap,
                "flagged": bool(grams) and overlap >= threshold,
            }
        )
    columns = ["benchmark", "group", "item_id", "n_ngrams", "n_overlap", "overlap", "flagged"]
    frame = pd.DataFrame(rows, columns=columns)
    return ContaminationReport(frame, _summary(frame), n, threshold)
