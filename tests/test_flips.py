"""Forgetting item by item: flip counts and rates on hand-made score vectors, the chance-corrected rate, and
the report's flip table (only right/wrong groups, option counts from the benchmark's units file)."""

import json
import re

import pandas as pd
import pytest

from humanllm.eval.flips import is_binary, item_flips
from humanllm.io import write_jsonl
from humanllm.report.flips import flip_frame, flips_markdown

BASE = [1, 1, 1, 1, 0, 0, 0, 1, 1, 0]
MODEL = [1, 0, 0, 1, 1, 0, 0, 1, 0, 0]  # items 1, 2, 8 lost; item 4 gained


def test_flip_counts_rates_and_intervals_on_a_hand_made_pair():
    f = item_flips(BASE, MODEL, samples=2000, seed=0, n_choices=[4] * 10)
    assert (f.n, f.base_right, f.right_to_wrong, f.wrong_to_right) == (10, 6, 3, 1)
    assert f.right_to_wrong_rate.estimate == pytest.approx(0.3)
    assert f.wrong_to_right_rate.estimate == pytest.approx(0.1)
    assert f.mean_delta.estimate == pytest.approx(0.1 - 0.3)  # the mean delta is the two rates' difference
    for ci in (f.right_to_wrong_rate, f.wrong_to_right_rate, f.mean_delta, f.chance_corrected):
        assert ci.low <= ci.estimate <= ci.high and ci.low < ci.high
    assert f.right_to_wrong_rate.low >= 0 and f.right_to_wrong_rate.high <= 1
    # 3 of 6 previously-right items lost; at chance (4 options) 6 × 3/4 = 4.5 would be
    assert f.chance_corrected.estimate == pytest.approx(3 / 4.5)
    mixed = item_flips(BASE, MODEL, n_choices=[2, 2, 4, 4, 4, 4, 4, 2, 2, 4])
    # base-right items 0, 1, 2, 3, 7, 8 have 2, 2, 4, 4, 2, 2 options
    assert mixed.chance_corrected.estimate == pytest.approx(3 / (0.5 + 0.5 + 0.75 + 0.75 + 0.5 + 0.5))
    assert item_flips(BASE, MODEL).chance_corrected is None  # options unknown: no chance level


def test_paired_intervals_resample_clusters():
    users = ["u0", "u0", "u1", "u1", "u2", "u2", "u3", "u3", "u4", "u4"]
    f = item_flips(BASE, MODEL, samples=2000, seed=0, clusters=users, n_choices=[4] * 10)
    assert f.clusters == 5 and f.right_to_wrong == 3
    assert f.right_to_wrong_rate.low <= 0.3 <= f.right_to_wrong_rate.high
    assert f.chance_corrected.low <= f.chance_corrected.estimate <= f.chance_corrected.high
    same = item_flips(BASE, BASE, samples=500)
    assert (same.right_to_wrong, same.wrong_to_right, same.right_to_wrong_rate.high) == (0, 0, 0.0)


def test_flips_refuse_scores_that_are_not_right_or_wrong():
    assert is_binary([0, 1, 1.0]) and not is_binary([0, 0.5])
    with pytest.raises(ValueError, match="0/1"):
        item_flips([1, 0.5], [1, 0])
    with pytest.raises(ValueError, match="same items"):
        item_flips([1, 0], [1])


def _evaluation(root, label, kind, rows, units=None):
    folder = root / label
    folder.mkdir()
    write_jsonl(folder / "items.jsonl", rows)
    (folder / "scores.json").write_text(json.dumps({"scores": {}}))
    if units is not None:
        (folder / "bigbench").mkdir()
        units.to_csv(folder / "bigbench" / "units.csv", index=False)
    return {"label": label, "kind": kind, "alpha": 0.5 if kind == "merged" else None, "eval_path": str(folder)}


def test_report_flip_table_takes_right_wrong_groups_and_option_counts(tmp_path):
    def rows(bb, mb):
        return [
            {"suite": "bigbench", "task": "navigate", "metric": "accuracy", "item_id": str(i), "value": v}
            for i, v in enumerate(bb)
        ] + [
            {"suite": "motivebench", "task": "all.all", "metric": "accuracy", "item_id": str(i), "value": v}
            for i, v in enumerate(mb)
        ]  # averages over orderings: no flips

    units = pd.DataFrame({"task": "navigate", "unit_id": [str(i) for i in range(10)], "score": BASE, "n_choices": 2})
    index = {
        "evaluations": [
            _evaluation(tmp_path, "base", "base", rows(BASE, [0.5, 1.0]), units),
            _evaluation(tmp_path, "merged", "merged", rows(MODEL, [0.25, 1.0])),
        ]
    }
    frame = flip_frame(index, samples=500, confidence=0.95, seed=0)
    assert list(frame.suite) == ["bigbench"]
    row = frame.iloc[0]
    assert (row.right_to_wrong, row.wrong_to_right, row.base_right) == (3, 1, 6)
    assert row.rw_rate == pytest.approx(0.3) and row.rw_low <= row.rw_rate <= row.rw_high
    assert row.chance_corrected == pytest.approx(3 / (6 * 0.5))
    md = flips_markdown(frame, 0.95)
    first_row = re.search(r"\| merged +\| bigbench +\| navigate", md)
    assert first_row and md.index("## Forgetting: right→wrong flips on general reasoning") < first_row.start()
    assert "0.300 [" in md and "chance-corrected" in md
