"""Unit checks of the data funnel's bookkeeping on a hand-made set of records: the exact rows of funnel.csv and
funnel.md, their order, the reasons column, and each way `reconcile` catches a lost or double-counted record.
Written against the mutants that `humanllm bench mutation` found the older tests let pass."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest

from humanllm.data.candidate import Candidate, Loaded
from humanllm.funnel import CurationFunnel, Funnel, FunnelMismatch, FunnelRow


def cand(rid: str, platform: str = "reddit", kind: str = "comment") -> Candidate:
    return Candidate(record_id=rid, platform=platform, kind=kind, author="a", source_file="f.jsonl", line=1)


def build() -> tuple[Funnel, list[Candidate]]:
    """reddit: 4 comments + 1 submission parsed, 1 comment unparsable; rules drop 2 comments, dedup 1 more.
    amazon: 2 reviews parsed; rules drop 1."""
    f = Funnel()
    red = Loaded("reddit", candidates=[cand(f"r{i}") for i in range(4)] + [cand("s0", kind="submission")])
    red.fail("comment", Path("f.jsonl"), 9, "bad_json", "line 9")
    ama = Loaded("amazon", candidates=[cand("a0", "amazon", "review"), cand("a1", "amazon", "review")])
    kept = f.parse(ama) + f.parse(red)  # loaded out of platform order: the tables are still in it
    kept = f.apply(
        "rules", kept, {"r0": ("too_short", None), "r1": ("deleted", "body [deleted]"), "a1": ("too_short", None)}
    )
    kept = f.apply("dedup", kept, {"r2": ("duplicate", "of r3")})
    return f, kept


def test_counts_per_platform_kind_and_stage():
    f, kept = build()
    assert sorted(c.record_id for c in kept) == ["a0", "r3", "s0"]
    rows = {(r.platform, r.kind, r.stage): (r.n_in, r.kept, r.rejected, dict(r.reasons)) for r in f.rows.values()}
    assert rows == {
        ("reddit", "comment", "parse"): (5, 4, 1, {"bad_json": 1}),
        ("reddit", "submission", "parse"): (1, 1, 0, {}),
        ("reddit", "comment", "rules"): (4, 2, 2, {"too_short": 1, "deleted": 1}),
        ("reddit", "submission", "rules"): (1, 1, 0, {}),
        ("reddit", "comment", "dedup"): (2, 1, 1, {"duplicate": 1}),
        ("reddit", "submission", "dedup"): (1, 1, 0, {}),
        ("amazon", "review", "parse"): (2, 2, 0, {}),
        ("amazon", "review", "rules"): (2, 1, 1, {"too_short": 1}),
        ("amazon", "review", "dedup"): (1, 1, 0, {}),
    }
    assert f.raw == {"reddit": 6, "amazon": 2}
    assert [(r.record_id, r.stage, r.reason, r.detail) for r in f.rejected] == [
        ("reddit:f.jsonl:9", "parse", "bad_json", "line 9"),
        ("a1", "rules", "too_short", None),
        ("r0", "rules", "too_short", None),
        ("r1", "rules", "deleted", "body [deleted]"),
        ("r2", "dedup", "duplicate", "of r3"),
    ]


def test_reconcile_reports_raw_kept_and_rejected_in_platform_order():
    f, kept = build()
    out = f.reconcile(kept)
    assert list(out) == ["reddit", "amazon"]
    assert out == {
        "reddit": {"raw_records": 6, "kept_records": 2, "rejected_records": 4},
        "amazon": {"raw_records": 2, "kept_records": 1, "rejected_records": 1},
    }


def test_reconcile_catches_a_lost_record():
    f, kept = build()
    with pytest.raises(FunnelMismatch, match=r"^reddit: 6 raw records but 1 kept \+ 4 rejected$"):
        f.reconcile([c for c in kept if c.record_id != "r3"])


def test_reconcile_catches_a_record_counted_twice():
    f, kept = build()
    f.raw["reddit"] += 1
    with pytest.raises(FunnelMismatch, match=r"^1 record ids appear more than once, e\.g\. \['r3'\]$"):
        f.reconcile(kept + [cand("r3")])


def test_reconcile_catches_a_row_that_does_not_add_up():
    f, kept = build()
    f.rows[("reddit", "comment", "rules")].kept += 1
    with pytest.raises(FunnelMismatch, match=r"^reddit/comment/rules: in 4 != kept 3 \+ rejected 2$"):
        f.reconcile(kept)


def test_rows_are_ordered_by_platform_kind_then_stage():
    f, _ = build()
    f._row("reddit", "comment", "zzz_unknown_stage")
    f._row("reddit", "comment", "cap")
    f._row("reddit", "comment", "activity")
    order = [(r.platform, r.kind, r.stage) for r in f.sorted_rows()]
    assert order == [
        ("reddit", "submission", "parse"),
        ("reddit", "submission", "rules"),
        ("reddit", "submission", "dedup"),
        ("reddit", "comment", "parse"),
        ("reddit", "comment", "rules"),
        ("reddit", "comment", "dedup"),
        ("reddit", "comment", "activity"),
        ("reddit", "comment", "cap"),
        ("reddit", "comment", "zzz_unknown_stage"),
        ("amazon", "review", "parse"),
        ("amazon", "review", "rules"),
        ("amazon", "review", "dedup"),
    ]


def test_written_csv_and_markdown(tmp_path):
    f, _ = build()
    f.rows[("reddit", "comment", "rules")].reasons["deleted"] += 0  # a tie: reasons sort by count, then name
    f.write(tmp_path)
    with open(tmp_path / "funnel.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["platform", "kind", "stage", "in", "kept", "rejected", "reasons"],
        ["reddit", "submission", "parse", "1", "1", "0", ""],
        ["reddit", "submission", "rules", "1", "1", "0", ""],
        ["reddit", "submission", "dedup", "1", "1", "0", ""],
        ["reddit", "comment", "parse", "5", "4", "1", "bad_json=1"],
        ["reddit", "comment", "rules", "4", "2", "2", "deleted=1; too_short=1"],
        ["reddit", "comment", "dedup", "2", "1", "1", "duplicate=1"],
        ["amazon", "review", "parse", "2", "2", "0", ""],
        ["amazon", "review", "rules", "2", "1", "1", "too_short=1"],
        ["amazon", "review", "dedup", "1", "1", "0", ""],
    ]
    assert (tmp_path / "funnel.md").read_text(encoding="utf-8") == "\n".join(
        [
            "# Data funnel",
            "",
            "| platform | raw | kept | rejected |",
            "|---|---:|---:|---:|",
            "| reddit | 6 | 2 | 4 |",
            "| amazon | 2 | 1 | 1 |",
            "| all | 8 | 3 | 5 |",
            "",
            "## reddit",
            "",
            "| kind | stage | in | kept | rejected | reasons |",
            "|---|---|---:|---:|---:|---|",
            "| submission | parse | 1 | 1 | 0 |  |",
            "| submission | rules | 1 | 1 | 0 |  |",
            "| submission | dedup | 1 | 1 | 0 |  |",
            "| comment | parse | 5 | 4 | 1 | bad_json=1 |",
            "| comment | rules | 4 | 2 | 2 | deleted=1; too_short=1 |",
            "| comment | dedup | 2 | 1 | 1 | duplicate=1 |",
            "",
            "## amazon",
            "",
            "| kind | stage | in | kept | rejected | reasons |",
            "|---|---|---:|---:|---:|---|",
            "| review | parse | 2 | 2 | 0 |  |",
            "| review | rules | 2 | 1 | 1 | too_short=1 |",
            "| review | dedup | 1 | 1 | 0 |  |",
            "",
        ]
    )


def test_reasons_sort_by_count_then_name():
    from humanllm.funnel import _reasons

    row = FunnelRow(platform="reddit", kind="comment", stage="rules")
    row.reasons.update({"b": 1, "a": 1, "c": 3})
    assert _reasons(row) == "c=3; a=1; b=1" and row.rejected == 5


def test_counts_accumulate_over_loads_and_repeated_reasons():
    f = Funnel()
    for n in range(2):  # two files of one platform, each with one good and two unparsable records
        loaded = Loaded("reddit", candidates=[cand(f"c{n}")])
        loaded.fail("comment", Path(f"f{n}"), 1, "bad_json")
        loaded.fail("comment", Path(f"f{n}"), 2, "bad_json")
        f.parse(loaded)
    assert f.raw["reddit"] == 6 and dict(f.rows[("reddit", "comment", "parse")].reasons) == {"bad_json": 4}
    kept = f.apply("rules", [cand("c0"), cand("c1")], {"c0": ("too_short", None), "c1": ("too_short", None)})
    assert kept == [] and dict(f.rows[("reddit", "comment", "rules")].reasons) == {"too_short": 2}


def test_reconcile_catches_a_kept_record_of_a_platform_never_loaded():
    f, kept = build()
    with pytest.raises(FunnelMismatch, match=r"^twitter: 0 raw records but 1 kept \+ 0 rejected$"):
        f.reconcile(kept + [cand("t0", "twitter", "tweet")])


def test_a_repeated_id_message_shows_three_examples():
    f = Funnel()
    dup = [cand(f"d{i}") for i in range(4)]
    f.raw["reddit"] = 8
    with pytest.raises(FunnelMismatch, match=r"^4 record ids appear more than once, e\.g\. \['d0', 'd1', 'd2'\]$"):
        f.reconcile(dup + dup)


def test_curation_funnel_rows_written_and_a_row_that_does_not_add_up(tmp_path):
    """The synthesis stage's funnel: rows in the order added, one csv line per reason, totals derived."""
    f = CurationFunnel()
    f.add("select", "user", 3, 3, [])
    row = f.add("judge", "style", 5, 2, ["judge:overall", "judge:fidelity", "judge:overall"])
    assert (row.rejected, dict(row.reasons)) == (3, {"judge:overall": 2, "judge:fidelity": 1})
    with pytest.raises(FunnelMismatch, match=r"^curation funnel link/qa: in 4 != kept 2 \+ rejected 1$"):
        f.add("link", "qa", 4, 2, ["orphan"])
    assert len(f.rows) == 2  # the bad row is not kept
    assert f.as_dicts()[1] == {
        "stage": "judge",
        "kind": "style",
        "in": 5,
        "kept": 2,
        "rejected": 3,
        "rejected_by_reason": {"judge:fidelity": 1, "judge:overall": 2},
    }
    f.write(tmp_path)
    assert (tmp_path / "curation_funnel.csv").read_text(encoding="utf-8").splitlines() == [
        "stage,kind,in,kept,rejected,reason,reason_count",
        "select,user,3,3,0,,0",
        "judge,style,5,2,3,judge:fidelity,1",
        "judge,style,5,2,3,judge:overall,2",
    ]
    assert (tmp_path / "curation_funnel.md").read_text(encoding="utf-8") == "\n".join(
        [
            "## Curation funnel",
            "",
            "| stage | kind | in | kept | rejected | rejected by reason |",
            "|---|---|---:|---:|---:|---|",
            "| select | user | 3 | 3 | 0 |  |",
            "| judge | style | 5 | 2 | 3 | judge:overall 2, judge:fidelity 1 |",
            "",
        ]
    )


def test_curation_funnel_logs_each_row_as_it_is_added(caplog):
    """One INFO line per added row: stage/kind, in, kept and the rejections by reason (0 when none)."""
    caplog.set_level(logging.INFO, logger="humanllm.funnel")
    f = CurationFunnel()
    f.add("select", "user", 3, 3, [])
    f.add("judge", "style", 5, 2, ["judge:overall", "judge:fidelity", "judge:overall"])
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("humanllm.funnel", "INFO", "curate select/user: in 3, kept 3, rejected 0"),
        (
            "humanllm.funnel",
            "INFO",
            "curate judge/style: in 5, kept 2, rejected {'judge:overall': 2, 'judge:fidelity': 1}",
        ),
    ]


def test_markdown_lists_what_each_input_file_was_read_as():
    """Each platform's section ends with the schema every one of its input files was read as, in load order
    and over several loads; a platform whose loader reported none gets no such lines."""
    f = Funnel()
    first = Loaded("reddit", candidates=[cand("r0")], formats=["schema 2018 (file RC_1)"])
    second = Loaded("reddit", candidates=[cand("r1")], formats=["schema 2023 (file RC_2)", "schema 2023 (file RS_2)"])
    ama = Loaded("amazon", candidates=[cand("a0", "amazon", "review")])
    for loaded in (first, ama, second):
        f.parse(loaded)
    assert f.formats == {
        "reddit": ["schema 2018 (file RC_1)", "schema 2023 (file RC_2)", "schema 2023 (file RS_2)"],
        "amazon": [],
    }
    assert f.markdown(f.sorted_rows()).split("\n") == [
        "# Data funnel",
        "",
        "| platform | raw | kept | rejected |",
        "|---|---:|---:|---:|",
        "| reddit | 2 | 2 | 0 |",
        "| amazon | 1 | 1 | 0 |",
        "| all | 3 | 3 | 0 |",
        "",
        "## reddit",
        "",
        "| kind | stage | in | kept | rejected | reasons |",
        "|---|---|---:|---:|---:|---|",
        "| comment | parse | 2 | 2 | 0 |  |",
        "",
        "Input read as: reddit: schema 2018 (file RC_1)",
        "Input read as: reddit: schema 2023 (file RC_2)",
        "Input read as: reddit: schema 2023 (file RS_2)",
        "",
        "## amazon",
        "",
        "| kind | stage | in | kept | rejected | reasons |",
        "|---|---|---:|---:|---:|---|",
        "| review | parse | 1 | 1 | 0 |  |",
        "",
    ]
