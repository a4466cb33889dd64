"""PII scrubbing: every category on varied formats, look-alikes left alone, toggles, the planted regression set
and the bench's json (headline: the independent set, tests/test_pii_independent.py)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from humanllm.bench.pii import planted_samples, run_pii_bench, score, score_spans
from humanllm.bench.pii_independent import MAPPING, dataset_digest, generate
from humanllm.bench.pii_planted import CATEGORIES, HELD_OUT, PII_FREE, held_out_set, planted_set
from humanllm.data.config import PiiConfig
from humanllm.data.pii import Scrubber

scrub = Scrubber(PiiConfig())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail jane.doe+news@Mail.CO.UK today", "mail [EMAIL] today"),
        ("jane [at] fastmail [dot] fm", "[EMAIL]"),
        ("ring (415) 555-0134 ext. 12 now", "ring [PHONE] now"),
        ("ring +44 20 7946 0958 now", "ring [PHONE] now"),
        ("ring 07700 900123 now", "ring [PHONE] now"),
        ("ring +33 1 23 45 67 89 now", "ring [PHONE] now"),
        ("see https://x.substack.com/p/a-b.", "see [URL]."),
        ("cc @night_owl and /u/Pixel-Storm", "cc [USER] and [USER]"),
        ("my gamertag is xRustyPandax btw", "my gamertag is [USER] btw"),
        ("add me on discord: owl.echo#4411 ok", "add me on discord: [USER] ok"),
        ("I live at 221B Baker Street, London NW1 6XE now", "I live at [ADDRESS] now"),
        ("send it to 55 W 46th St Apt 12C, New York, NY 10036 please", "send it to [ADDRESS] please"),
        ("ship to 12 elm street, austin tx 78701 thanks", "ship to [ADDRESS] thanks"),
        ("Hi, my name is Ana O'Brien-Lopez and I bake", "Hi, my name is [NAME] and I bake"),
        ("my name is john, new here", "my name is [NAME], new here"),
    ],
)
def test_each_category_is_replaced_by_its_placeholder(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    PII_FREE
    + [
        "my name is mud in this town",
        "Call me when you land",
        "I walked 2 blocks down Main Street",
        "build 10.0.19045.3693 on 2024-01-15, $1,299.99",
        "Serial SN-4455-7788-99",
        "Ping @everyone please",
    ],
)
def test_look_alikes_are_left_alone(text):
    assert scrub(text) == text


def test_known_authors_with_dots_and_toggles():
    s = Scrubber(PiiConfig(), known=["lars.dubois", "Bob", "the"])
    assert s("as lars.dubois said, Bob and the rest") == "as [USER] said, Bob and the rest"
    text = "my name is Ana and I live at 12 Oak Lane"
    assert Scrubber(PiiConfig(names=False, addresses=False))(text) == text
    assert Scrubber(PiiConfig(addresses=False))(text) == "my name is [NAME] and I live at 12 Oak Lane"
    assert Scrubber(PiiConfig(enabled=False))("a@b.com") == "a@b.com"


def test_planted_regression_set_on_an_unseen_seed():
    """Regression test, not a measure: the planted set was written alongside the scrubber."""
    report = score(planted_set(per_category=60, seed=77))
    assert set(report["recall"]) == set(CATEGORIES)
    assert report["counts"]["gold"] == {c: 60 for c in CATEGORIES}
    assert report["recall_overall"] >= 0.99, report["misses"]
    assert min(report["recall"].values()) >= 0.95, report["misses"]
    assert report["span_precision_overall"] == 1.0, report["over_scrubbing_examples"]
    assert report["texts_without_pii_unchanged"] == 1.0, report["over_scrubbing_examples"]


def test_bench_writes_pii_json_headline_first(tmp_path):
    run_pii_bench(tmp_path, per_category=20, seed=3, sentences=150, independent_seed=5)
    data = json.loads((tmp_path / "pii.json").read_text())
    assert list(data)[:3] == ["independent", "planted_regression", "hand_written"]
    ind = data["independent"]
    assert ind["generator"]["sentences"] == 150 and ind["generator"]["seed"] == 5
    expected = score_spans(generate(150, 5), MAPPING)
    assert ind["recall"] == expected["recall"] and ind["span_precision"] == expected["span_precision"]
    assert ind["counts"] == expected["counts"] and ind["not_covered"] == expected["not_covered"]
    reg = data["planted_regression"]
    assert reg["counts"]["gold"] == {c: 20 for c in CATEGORIES} and "regression test" in reg["set"]
    assert reg["dataset_sha256"] == dataset_digest(planted_samples(planted_set(20, 3)))
    assert reg["recall"] == score(planted_set(20, 3))["recall"]
    # the planted PII-free part: 80 texts, 40 distinct sentences (each with and without a prefix)
    assert reg["texts_without_pii"] == 2 * len(PII_FREE) == 80 and reg["distinct_pii_free_sentences"] == 40
    hand = data["hand_written"]
    assert hand["counts"]["gold"] == dict(Counter(c for c, _, _ in HELD_OUT if c != "none"))
    assert hand["recall"] == score(held_out_set())["recall"]
