"""PII benchmark: recall per category on a planted set and precision on PII-free look-alikes.

A planted item counts as caught when none of its identifying tokens (its words and digit groups of two or
more characters that the surrounding sentence does not also contain) is left in the scrubbed text.
`exact` is stricter: the sentence came back with exactly the planted value replaced and nothing else
changed. Precision = caught / (caught + false placeholders), where false placeholders are those put
into PII-free sentences plus any beyond the one expected in a planted sentence.
"""

from __future__ import annotations

import platform
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from humanllm.bench.pii_planted import CATEGORIES, Planted, held_out_set, planted_set
from humanllm.data.config import PiiConfig
from humanllm.data.pii import PLACEHOLDER, Scrubber
from humanllm.io import write_json

RESULT_FILE = "pii.json"
GENERIC = {"com", "www", "http", "https", "org", "net", "co", "uk", "io", "at", "dot", "apt", "suite", "po", "box",
           "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "drive", "court", "place",
           "way", "terrace", "ext"}
_PLACEHOLDER_RX = re.compile("|".join(re.escape(p) for p in set(PLACEHOLDER.values())))
_TOKEN = re.compile(r"[A-Za-z0-9]+")


def identifying_tokens(item: Planted) -> set[str]:
    context = {t.lower() for t in _TOKEN.findall(item.text.replace(item.value, " "))}
    return {t.lower() for t in _TOKEN.findall(item.value)
            if len(t) >= 2 and t.lower() not in GENERIC and t.lower() not in context}


def score(items: list[Planted], cfg: PiiConfig | None = None) -> dict[str, Any]:
    """Scrub every item and count caught / exact per category and false placeholders."""
    cfg = cfg or PiiConfig()
    caught: Counter = Counter()
    exact: Counter = Counter()
    total: Counter = Counter()
    false_placeholders = 0
    clean_changed = 0
    misses: dict[str, list[dict[str, str]]] = defaultdict(list)
    false_examples: list[dict[str, str]] = []
    t0 = time.perf_counter()
    for item in items:
        out = Scrubber(cfg, item.known_authors)(item.text) or ""
        placeholders = len(_PLACEHOLDER_RX.findall(out))
        if item.category == "none":
            false_placeholders += placeholders
            if out != item.text:
                clean_changed += 1
                false_examples.append({"text": item.text, "scrubbed": out})
            continue
        total[item.category] += 1
        left = identifying_tokens(item) & {t.lower() for t in _TOKEN.findall(out)}
        if not left:
            caught[item.category] += 1
        elif len(misses[item.category]) < 5:
            misses[item.category].append({"text": item.text, "scrubbed": out, "left": " ".join(sorted(left))})
        false_placeholders += max(placeholders - 1, 0)
        expected = item.text.replace(item.value, PLACEHOLDER[item.category], 1)
        exact[item.category] += out == expected
    seconds = time.perf_counter() - t0
    n_planted, n_caught = sum(total.values()), sum(caught.values())
    n_clean = sum(1 for i in items if i.category == "none")
    return {
        "recall": {c: round(caught[c] / total[c], 4) for c in CATEGORIES if total[c]},
        "recall_overall": round(n_caught / n_planted, 4),
        "exact": {c: round(exact[c] / total[c], 4) for c in CATEGORIES if total[c]},
        "precision": round(n_caught / (n_caught + false_placeholders), 4) if n_caught else 0.0,
        "false_placeholders": false_placeholders,
        "clean_sentences": n_clean,
        "clean_unchanged": round(1 - clean_changed / n_clean, 4) if n_clean else 1.0,
        "planted": dict(total),
        "chars_per_s": round(sum(len(i.text) for i in items) / seconds),
        "misses": dict(misses),
        "false_positive_examples": false_examples[:10],
    }


def run_pii_bench(out: str | Path = Path("results/bench"), per_category: int = 200, seed: int = 2025) -> dict[str, Any]:
    """Score the default scrubber on the generated planted set (and the hand-written one); write `<out>/pii.json`."""
    report = score(planted_set(per_category, seed))
    hand = score(held_out_set())
    report["hand_written"] = {k: hand[k] for k in ("recall", "recall_overall", "precision", "clean_unchanged",
                                                    "planted", "clean_sentences", "misses", "false_positive_examples")}
    report.update(per_category=per_category, seed=seed, goal_recall_overall=0.99,
                  host={"python": platform.python_version(), "machine": platform.machine()},
                  created_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
    write_json(Path(out) / RESULT_FILE, report)
    return report
