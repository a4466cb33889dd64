"""PII benchmark: recall and precision by span, headline on a set we did not write.

Sets, in the order `results/bench/pii.json` lists them:
1. `independent` (the headline): sentences and labels from Microsoft's presidio-evaluator data generator
   (`pii_independent.py`), which the scrubber was not written against.
2. `planted_regression`: the seeded planted set of `pii_planted.py`. It was written alongside the
   scrubber (its forms match the rules one for one; some username items hand the scrubber the name as
   a known author), so it is a regression test, not a measure.
3. `hand_written`: 34 items + 12 PII-free sentences written apart from the generator, used for one
   round of fixes.

Scoring, the same for every set. The scrubber's replaced spans are read off its output, not asked of it:
the text between the literal stretches around each placeholder (`replaced_spans`), so any callable
str → str can be scored.
- Recall, per gold span: removed when every identifying token of the span (its runs of letters and
  digits of two or more characters, bar generic words such as "street" or "com") lies inside a
  replaced span; `partial` when only some do.
- Span precision: of the spans the scrubber replaced, the fraction that overlap a gold PII span (of any
  labelled type); a replacement of text that is no PII counts against it, wherever it is.
  `same_category` asks the gold span to be of the placeholder's own category.
- Character precision: of the characters replaced, the fraction inside gold spans, so a replacement that
  runs over into the words around a name counts against it too.
"""

from __future__ import annotations

import platform
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from humanllm.bench.pii_independent import MAPPING, Gold, Sample, dataset_digest, generate, generator_info
from humanllm.bench.pii_planted import CATEGORIES, PII_FREE, Planted, held_out_set, planted_set
from humanllm.data.config import PiiConfig
from humanllm.data.pii import PLACEHOLDER, Scrubber
from humanllm.io import write_json

RESULT_FILE = "pii.json"
INDEPENDENT_SENTENCES = 6000
INDEPENDENT_SEED = 2025
GENERIC = {
    "com",
    "www",
    "http",
    "https",
    "org",
    "net",
    "co",
    "uk",
    "io",
    "at",
    "dot",
    "apt",
    "suite",
    "po",
    "box",
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "lane",
    "drive",
    "court",
    "place",
    "way",
    "terrace",
    "ext",
}
# placeholder → the category its precision is reported under, and the gold categories it may rightly cover
PLACEHOLDER_CATEGORY = {
    "[EMAIL]": "email",
    "[PHONE]": "phone",
    "[URL]": "url",
    "[ADDRESS]": "address",
    "[NAME]": "name",
    "[USER]": "user",
}
_SAME = {"user": {"username", "handle"}}
# The names the scrubber's [NAME] rule claims (docs/scale-out.md): right after a self-introduction. Written
# from that claim, not from the rule's regex; used only to report recall on that slice of PERSON spans.
SELF_INTRODUCTION = re.compile(
    r"(?:my (?:full |real )?name is|my name's|call me|calls me|i go by|i am called)\s+$", re.I
)
_PLACEHOLDER_RX = re.compile("|".join(re.escape(p) for p in sorted(set(PLACEHOLDER.values()))))
_TOKEN = re.compile(r"[^\W_]+")
Scrub = Callable[[str], "str | None"]


def replaced_spans(original: str, scrubbed: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) of each stretch of `original` that `scrubbed` replaced.

    The literal stretches between placeholders must appear in `original` in order; the text between them
    is what each placeholder replaced. When the output is not of that shape (a placeholder already in the
    input, a scrubber with other markers), character-level difflib opcodes are used instead.
    """
    if scrubbed == original:
        return []
    literals, placeholders = _PLACEHOLDER_RX.split(scrubbed), _PLACEHOLDER_RX.findall(scrubbed)
    if placeholders and not _PLACEHOLDER_RX.search(original):
        rx = re.escape(literals[0]) + "".join(f"(.+?){re.escape(lit)}" for lit in literals[1:])
        m = re.fullmatch(rx, original, re.S)
        if m:
            return [(m.start(i + 1), m.end(i + 1), placeholders[i]) for i in range(len(placeholders))]
    ops = SequenceMatcher(None, original, scrubbed, autojunk=False).get_opcodes()
    return [(i1, i2, scrubbed[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal" and i2 > i1]


def identifying_tokens(text: str, gold: Gold) -> list[tuple[int, int]]:
    """Positions of the span's tokens that identify someone: 2+ characters, not generic; else all its tokens."""
    tokens = [
        (gold.start + m.start(), gold.start + m.end(), m.group().lower())
        for m in _TOKEN.finditer(text[gold.start : gold.end])
    ]
    ident = [(s, e) for s, e, t in tokens if len(t) >= 2 and t not in GENERIC]
    return ident or [(s, e) for s, e, _ in tokens]


def planted_samples(items: Iterable[Planted]) -> list[Sample]:
    """The planted and hand-written sets as labelled spans (the planted value's first occurrence)."""
    out = []
    for item in items:
        gold = ()
        if item.category != "none":
            start = item.text.index(item.value)
            gold = (Gold(start, start + len(item.value), item.category),)
        out.append(Sample(item.text, gold, item.known_authors, item.category))
    return out


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score_spans(
    samples: list[Sample],
    mapping: dict[str, str],
    scrubber_for: Callable[[tuple[str, ...]], Scrub] | None = None,
    cfg: PiiConfig | None = None,
    subsets: dict[str, tuple[str, Callable[[str, Gold], bool]]] | None = None,
) -> dict[str, Any]:
    """Recall per gold span and precision per replaced span; `mapping`: gold label → category (others: not covered).

    `subsets`: name → (category, predicate on (text, gold span)): recall also reported on the gold spans of
    that category the predicate keeps (e.g. the names the scrubber's rules claim).
    """
    subsets = subsets or {}
    sub_n, sub_removed = Counter(), Counter()
    cfg = cfg or PiiConfig()
    default = Scrubber(cfg)
    scrubber_for = scrubber_for or (lambda known: Scrubber(cfg, known) if known else default)
    gold_n, removed, partial = Counter(), Counter(), Counter()
    nc_n, nc_removed = Counter(), Counter()
    replaced, on_gold, on_same, chars, chars_on_gold = Counter(), Counter(), Counter(), Counter(), Counter()
    misses: dict[str, list[dict[str, str]]] = defaultdict(list)
    over: list[dict[str, str]] = []
    clean = clean_changed = 0
    t0 = time.perf_counter()
    for sample in samples:
        text = sample.text
        out = scrubber_for(sample.known_authors)(text) or ""
        reps = replaced_spans(text, out)
        covered = bytearray(len(text) + 1)
        for s, e, _ in reps:
            covered[s:e] = b"\1" * (e - s)
        if not sample.gold:
            clean += 1
            clean_changed += out != text
        for g in sample.gold:
            toks = identifying_tokens(text, g)
            gone = sum(all(covered[s:e]) for s, e in toks)
            category = mapping.get(g.label)
            if category is None:
                nc_n[g.label] += 1
                nc_removed[g.label] += bool(toks) and gone == len(toks)
                continue
            gold_n[category] += 1
            ok = bool(toks) and gone == len(toks)
            for name, (sub_category, keep) in subsets.items():
                if sub_category == category and keep(text, g):
                    sub_n[name] += 1
                    sub_removed[name] += ok
            if ok:
                removed[category] += 1
            else:
                partial[category] += gone > 0
                if len(misses[category]) < 5:
                    misses[category].append({"text": text, "gold": text[g.start : g.end], "scrubbed": out})
        in_gold = bytearray(len(text) + 1)
        for g in sample.gold:
            in_gold[g.start : g.end] = b"\1" * (g.end - g.start)
        for s, e, rep in reps:
            cat = PLACEHOLDER_CATEGORY.get(rep, "other")
            hit = [mapping.get(g.label) for g in sample.gold if g.start < e and s < g.end]
            replaced[cat] += 1
            on_gold[cat] += bool(hit)
            on_same[cat] += any(h in _SAME.get(cat, {cat}) for h in hit)
            chars[cat] += e - s
            chars_on_gold[cat] += sum(in_gold[s:e])
            if not hit and len(over) < 15:
                over.append({"text": text, "replaced": text[s:e], "by": rep})
    seconds = time.perf_counter() - t0
    cats = [c for c in dict.fromkeys([*CATEGORIES, *mapping.values()]) if gold_n[c]]
    pcats = [c for c in dict.fromkeys([*PLACEHOLDER_CATEGORY.values(), *replaced]) if replaced[c]]
    n_rep, n_chars = sum(replaced.values()), sum(chars.values())
    return {
        "recall": {c: _rate(removed[c], gold_n[c]) for c in cats},
        "recall_overall": _rate(sum(removed.values()), sum(gold_n.values())),
        **(
            {
                "recall_subsets": {
                    name: {
                        "category": subsets[name][0],
                        "gold": sub_n[name],
                        "removed": sub_removed[name],
                        "recall": _rate(sub_removed[name], sub_n[name]),
                    }
                    for name in subsets
                }
            }
            if subsets
            else {}
        ),
        "span_precision": {c: _rate(on_gold[c], replaced[c]) for c in pcats},
        "span_precision_overall": _rate(sum(on_gold.values()), n_rep),
        "span_precision_same_category": {c: _rate(on_same[c], replaced[c]) for c in pcats},
        "char_precision": {c: _rate(chars_on_gold[c], chars[c]) for c in pcats},
        "char_precision_overall": _rate(sum(chars_on_gold.values()), n_chars),
        "counts": {
            "gold": {c: gold_n[c] for c in cats},
            "removed": {c: removed[c] for c in cats},
            "partial": {c: partial[c] for c in cats},
            "missed": {c: gold_n[c] - removed[c] - partial[c] for c in cats},
            "replaced": {c: replaced[c] for c in pcats},
            "replaced_on_gold": {c: on_gold[c] for c in pcats},
            "replaced_off_gold": {c: replaced[c] - on_gold[c] for c in pcats},
        },
        "not_covered": {
            label: {"gold": nc_n[label], "removed_anyway": nc_removed[label]} for label, _ in nc_n.most_common()
        },
        "texts": len(samples),
        "texts_without_pii": clean,
        "texts_without_pii_unchanged": _rate(clean - clean_changed, clean),
        "chars_per_s": round(sum(len(s.text) for s in samples) / seconds) if seconds else None,
        "misses": dict(misses),
        "over_scrubbing_examples": over,
    }


def score(items: list[Planted], cfg: PiiConfig | None = None) -> dict[str, Any]:
    """Span scores on a planted or hand-written set (gold labels are our categories)."""
    return score_spans(planted_samples(items), {c: c for c in CATEGORIES}, cfg=cfg)


def score_independent(
    sentences: int = INDEPENDENT_SENTENCES, seed: int = INDEPENDENT_SEED, cfg: PiiConfig | None = None
) -> dict[str, Any]:
    """Generate the independent set (presidio-evaluator) and score the scrubber on it."""
    samples = generate(sentences, seed)
    report = {
        "set": "presidio-evaluator's data generator: templates, values and labels written by the "
        "Presidio team, not here; the scrubber was not tuned on them",
        "generator": {**generator_info(sentences, seed), "dataset_sha256": dataset_digest(samples)},
        "mapping": MAPPING,
        "not_claimed_here": {
            "username": "no username or handle entity in the generator's templates",
            "handle": "no username or handle entity in the generator's templates",
        },
    }
    report.update(
        score_spans(
            samples,
            MAPPING,
            cfg=cfg,
            subsets={
                "name_after_self_introduction": (
                    "name",
                    lambda text, g: bool(SELF_INTRODUCTION.search(text[: g.start])),
                )
            },
        )
    )
    report["recall_subsets"]["name_after_self_introduction"]["cue"] = SELF_INTRODUCTION.pattern
    return report


def run_pii_bench(
    out: str | Path = Path("results/bench"),
    per_category: int = 200,
    seed: int = 2025,
    sentences: int = INDEPENDENT_SENTENCES,
    independent_seed: int = INDEPENDENT_SEED,
) -> dict[str, Any]:
    """Score the default scrubber on the independent set (headline), the planted regression set and the
    hand-written set; write `<out>/pii.json`."""
    planted = planted_set(per_category, seed)
    report: dict[str, Any] = {"independent": score_independent(sentences, independent_seed)}
    report["planted_regression"] = {
        "set": "regression test, not a measure: generated alongside the scrubber (its forms match the rules one "
        "for one; username items in 'thanks to X' / 'as X said' / 'X posted' forms pass X to the scrubber "
        "as a known author); its PII-free part is each sentence of pii_planted.PII_FREE twice, with and "
        "without a prefix",
        "per_category": per_category,
        "seed": seed,
        "dataset_sha256": dataset_digest(planted_samples(planted)),
        "known_author_items": sum(bool(i.known_authors) for i in planted),
        "distinct_pii_free_sentences": len(
            {s for i in planted if i.category == "none" for s in PII_FREE if i.text.endswith(s)}
        ),
        **score(planted),
    }
    report["hand_written"] = {
        "set": "34 items + 12 PII-free sentences written apart from the generator; used "
        "for one round of fixes, so no longer blind",
        **score(held_out_set()),
    }
    report.update(
        host={"python": platform.python_version(), "machine": platform.machine()},
        created_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    write_json(Path(out) / RESULT_FILE, report)
    return report


def summary(report: dict[str, Any]) -> str:
    """A few lines for the console: the independent set first."""
    ind, reg, hand = report["independent"], report["planted_regression"], report["hand_written"]
    return (
        f"independent set ({ind['generator']['package']}, {ind['generator']['sentences']} sentences, seed "
        f"{ind['generator']['seed']}):\n  recall per category {ind['recall']}\n  span precision per placeholder "
        f"{ind['span_precision']}\n  recall overall {ind['recall_overall']}, span precision overall "
        f"{ind['span_precision_overall']}, char precision {ind['char_precision_overall']}; not covered: "
        f"{ {k: v['gold'] for k, v in ind['not_covered'].items()} }\n"
        f"planted set (regression test): recall {reg['recall_overall']}, span precision "
        f"{reg['span_precision_overall']}; hand-written set: recall {hand['recall_overall']}, span precision "
        f"{hand['span_precision_overall']}"
    )
