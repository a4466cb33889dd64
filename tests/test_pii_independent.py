"""The PII benchmark's span scoring, and the independent set (presidio-evaluator's generator) it is headlined on.

The figures the scorer reports are recomputed here another way (the scrubber's own `spans()` instead of
spans read off its output, a character loop instead of token positions); over-scrubbing and widened
replacements must lower span and character precision by the exact amounts they should.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from humanllm.bench.pii import (
    GENERIC,
    INDEPENDENT_SEED,
    PLACEHOLDER_CATEGORY,
    RESULT_FILE,
    planted_samples,
    replaced_spans,
    score,
    score_independent,
    score_spans,
)
from humanllm.bench.pii_independent import MAPPING, Gold, Sample, dataset_digest, generate
from humanllm.bench.pii_planted import CATEGORIES, planted_set
from humanllm.data.config import PiiConfig
from humanllm.data.pii import PLACEHOLDER, Scrubber

ROOT = Path(__file__).resolve().parents[1]
scrub = Scrubber(PiiConfig())


@pytest.fixture(scope="module")
def sample() -> list[Sample]:
    return generate(600, 11)


def test_replaced_spans_are_read_off_the_output():
    assert replaced_spans("call 415-555-0134 now", "call [PHONE] now") == [(5, 17, "[PHONE]")]
    text = "I'm Ana, ann@x.org or 415-555-0134"
    assert replaced_spans(text, scrub(text)) == [(s.start, s.end, PLACEHOLDER[s.kind]) for s in scrub.spans(text)]
    assert replaced_spans("same text", "same text") == []
    # a placeholder already in the input: difflib finds what changed
    assert replaced_spans("[NAME] said 415-555-0134", "[NAME] said [PHONE]") == [(12, 24, "[PHONE]")]


def test_over_scrubbing_lowers_span_precision():
    texts = [
        ("call me on 415-555-0134 about the car", "415-555-0134", "PHONE_NUMBER"),
        ("the email is ann.lee@example.com", "ann.lee@example.com", "EMAIL_ADDRESS"),
        ("nothing to see in the park", "", ""),
    ]
    samples = [Sample(t, (Gold(t.index(v), t.index(v) + len(v), label),) if v else ()) for t, v, label in texts]
    honest = score_spans(samples, MAPPING)
    assert honest["recall"] == {"email": 1.0, "phone": 1.0}
    assert honest["span_precision_overall"] == 1.0 and honest["char_precision_overall"] == 1.0
    assert honest["texts_without_pii_unchanged"] == 1.0

    def over(_known):  # the real scrubber, and also every "the" taken for a name
        return lambda text: re.sub(r"\bthe\b", "[NAME]", scrub(text))

    bad = score_spans(samples, MAPPING, scrubber_for=over)
    assert bad["recall"] == honest["recall"]  # it still removes every gold span...
    assert bad["counts"]["replaced_off_gold"] == {"email": 0, "phone": 0, "name": 3}
    assert bad["span_precision"]["name"] == 0.0
    assert bad["span_precision_overall"] == 0.4  # ...but 3 of its 5 replacements are no PII
    assert bad["texts_without_pii_unchanged"] == 0.0
    assert bad["over_scrubbing_examples"][0] == {"text": texts[0][0], "replaced": "the", "by": "[NAME]"}

    def wide(_known):  # the phone and the word after it: still one span on the gold, 6 characters too many
        return lambda text: re.sub(r"\[PHONE\] \w+", "[PHONE]", scrub(text))

    widened = score_spans(samples, MAPPING, scrubber_for=wide)
    assert widened["span_precision_overall"] == 1.0 and widened["recall"] == honest["recall"]
    assert widened["char_precision"]["phone"] == round(12 / 18, 4)


def _figures_computed_here(samples: list[Sample]) -> tuple[dict, dict, dict]:
    """Gold spans removed per category and replaced spans on gold, from Scrubber.spans() and a character loop."""
    gold, removed, on_gold = {}, {}, {}
    for s in samples:
        spans = scrub.spans(s.text)
        inside = {i for sp in spans for i in range(sp.start, sp.end)}
        for g in s.gold:
            cat = MAPPING.get(g.label)
            if cat is None:
                continue
            runs, run = [], []  # runs of alphanumerics: (positions, lower-cased text)
            for i in range(g.start, g.end + 1):
                if i < g.end and s.text[i].isalnum():
                    run.append(i)
                elif run:
                    runs.append((run, "".join(s.text[j] for j in run).lower()))
                    run = []
            ident = [r for r, t in runs if len(t) >= 2 and t not in GENERIC] or [r for r, _ in runs]
            gold[cat] = gold.get(cat, 0) + 1
            removed[cat] = removed.get(cat, 0) + (bool(ident) and all(i in inside for r in ident for i in r))
        for sp in spans:
            cat = PLACEHOLDER_CATEGORY[PLACEHOLDER[sp.kind]]
            hit = any(g.start < sp.end and sp.start < g.end for g in s.gold)
            on_gold.setdefault(cat, [0, 0])
            on_gold[cat][0] += hit
            on_gold[cat][1] += 1
    return gold, removed, on_gold


def test_independent_set_scores_match_a_recount(sample):
    report = score_spans(sample, MAPPING)
    gold, removed, on_gold = _figures_computed_here(sample)
    assert report["counts"]["gold"] == gold and report["counts"]["removed"] == removed
    assert report["recall"] == {c: round(removed[c] / gold[c], 4) for c in gold}
    assert report["span_precision"] == {c: round(a / n, 4) for c, (a, n) in on_gold.items()}
    # types the scrubber does not claim are counted, not dropped
    n_labelled = sum(len(s.gold) for s in sample)
    assert sum(report["counts"]["gold"].values()) + sum(v["gold"] for v in report["not_covered"].values()) == n_labelled
    assert {"CREDIT_CARD", "ORGANIZATION", "GPE"} <= set(report["not_covered"])
    # floors on this fixed sample (seed 11, 600 sentences); measured: email 19/19, url 11/11, phone 28/43,
    # address 24/275, name 9/366, span precision 1.0: a rule switched off or broken falls below them
    assert report["recall"]["email"] == 1.0 and report["recall"]["url"] == 1.0, report["misses"]
    assert report["recall"]["phone"] >= 0.6, report["misses"]["phone"]
    assert report["recall"]["address"] >= 0.06 and report["recall"]["name"] >= 0.015, report["misses"]
    assert report["span_precision_overall"] >= 0.98, report["over_scrubbing_examples"]


def test_independent_set_is_reproducible_and_not_ours(sample):
    again = generate(600, 11)
    assert dataset_digest(again) == dataset_digest(sample)
    assert dataset_digest(generate(600, 12)) != dataset_digest(sample)
    assert {g.label for s in sample for g in s.gold} >= set(MAPPING)  # Presidio's labels, not our categories
    assert not {g.label for s in sample for g in s.gold} & set(CATEGORIES)
    assert not any("\\n" in s.text for s in sample)  # the templates' escaped line breaks are real ones


def test_committed_pii_json_is_what_the_bench_gives_at_head():
    data = json.loads((ROOT / "results/bench" / RESULT_FILE).read_text())
    assert list(data)[:3] == ["independent", "planted_regression", "hand_written"]
    ind = data["independent"]
    gen = ind["generator"]
    assert gen["seed"] == INDEPENDENT_SEED and gen["package"] == "presidio-evaluator==0.3.2"
    now = score_independent(gen["sentences"], gen["seed"])
    assert now["generator"]["dataset_sha256"] == gen["dataset_sha256"]
    for key in (
        "recall",
        "recall_subsets",
        "span_precision",
        "span_precision_overall",
        "char_precision",
        "counts",
        "not_covered",
    ):
        assert now[key] == ind[key], key
    reg = data["planted_regression"]
    planted_items = planted_set(reg["per_category"], reg["seed"])
    assert reg["dataset_sha256"] == dataset_digest(planted_samples(planted_items))
    planted = score(planted_items)
    assert {k: planted[k] for k in ("recall", "span_precision", "counts")} == {
        k: reg[k] for k in ("recall", "span_precision", "counts")
    }


def test_bench_says_what_to_install_when_the_generator_is_missing(monkeypatch, tmp_path, capsys):
    from humanllm.cli import main

    monkeypatch.setitem(sys.modules, "presidio_evaluator.data_generator", None)  # import fails as if not installed
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "pii"]) == 1
    err = capsys.readouterr().err
    assert "presidio-evaluator==0.3.2" in err and "pip install -e '.[dev]'" in err
    assert not (tmp_path / "results/bench" / RESULT_FILE).exists()
