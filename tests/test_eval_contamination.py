"""Contamination: n-gram overlap flags benchmark items copied into training text, not unrelated ones."""

from __future__ import annotations

import pytest

from humanllm.eval.benchmarks import benchmarks, write_motivebench_fixture, write_tombench_fixture
from humanllm.eval.config import EvalConfig
from humanllm.eval.contamination import (
    BenchmarkText,
    contamination_report,
    iter_ngrams,
    words,
)

UNRELATED = (
    "I bought this blender last spring and it still works well. The motor is loud but the jar is sturdy, "
    "and cleaning takes two minutes. Would buy again for the price, although the lid could seal better."
)


def benchmark_texts(name: str, folder) -> list[BenchmarkText]:
    """The texts a registered benchmark declares for the contamination check."""
    e = EvalConfig.model_validate({"name": "t", name: {"enabled": True}, "data": {name: str(folder)}})
    return benchmarks()[name].contamination_texts(e)


def test_words_and_ngrams():
    assert words("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]
    assert words("小明去了厨房 kitchen") == ["小", "明", "去", "了", "厨", "房", "kitchen"]
    assert list(iter_ngrams("a b c d", 3)) == [("a", "b", "c"), ("b", "c", "d")]
    assert list(iter_ngrams("a b", 3)) == []


def test_copied_item_is_flagged_and_unrelated_is_not(tmp_path):
    items = benchmark_texts("motivebench", write_motivebench_fixture(tmp_path / "mb", 2))
    assert len(items) == 3 * 2 * 3 and {it.group for it in items} == {"Persona", "Amazon", "Blog"}
    copied = items[4]
    corpus = iter(["An ordinary post.\n" + copied.text.upper() + "\nThanks for reading!", UNRELATED])  # streamed once
    report = contamination_report(corpus, items, n=8, threshold=0.5)
    row = report.items.set_index("item_id").loc[copied.item_id]
    assert row["overlap"] == 1.0 and row["flagged"] and row["n_ngrams"] > 10
    assert report.flagged()["item_id"].tolist() == [copied.item_id]
    others = report.items[report.items["item_id"] != copied.item_id]
    assert others["overlap"].max() < 0.5  # fixture items share template words, never a whole item
    summary = report.summary.set_index("group")
    assert summary.loc[copied.group, "flagged"] == 1 and summary["flagged"].sum() == 1
    assert summary.loc[copied.group, "share_flagged"] == pytest.approx(1 / 6)


def test_partial_copy_ratio_and_threshold():
    item = BenchmarkText("tombench", "T", "en:T/1", " ".join(f"w{i}" for i in range(40)))
    half = " ".join(f"w{i}" for i in range(20))  # words 0-19: 13 of the item's 33 13-grams
    report = contamination_report([half], [item], n=8, threshold=0.3)
    row = report.items.iloc[0]
    assert (row["n_ngrams"], row["n_overlap"]) == (33, 13) and row["overlap"] == pytest.approx(13 / 33)
    assert row["flagged"]
    assert not contamination_report([half], [item], n=8, threshold=0.5).items.iloc[0]["flagged"]
    assert contamination_report([half], [item], n=21).items.iloc[0]["n_overlap"] == 0  # n larger than the copy
    with pytest.raises(ValueError, match="threshold"):
        contamination_report([], [item], threshold=0)


def test_chinese_tombench_items_match_on_characters(tmp_path):
    items = benchmark_texts("tombench", write_tombench_fixture(tmp_path / "tb"))
    assert len(items) == 16 and items[0].item_id.startswith("en:")
    zh = next(it for it in items if it.item_id == "zh:False Belief Task.jsonl:1")
    report = contamination_report(["网上看到的故事：" + zh.text], items, n=13, threshold=0.8)
    flagged = set(report.flagged()["item_id"])
    assert zh.item_id in flagged and not any(i.startswith("en:") for i in flagged)
    saved = report.save(tmp_path / "out")
    assert saved["items"].read_text(encoding="utf-8").count("\n") == len(items) + 1
