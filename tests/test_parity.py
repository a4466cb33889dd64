"""Our official ToMBench and MotiveBench modes against replays of the official scripts (humanllm/bench/parity.py),
on fixtures in the official layouts with the quirks the official handling turns on. The same comparison runs on
the real releases with `humanllm bench parity` (results/bench/parity.json)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from humanllm.bench import parity
from humanllm.eval.benchmarks import write_motivebench_fixture, write_tombench_fixture
from humanllm.eval.benchmarks.evals_module import evals_module

TB = evals_module("tombench")


@pytest.fixture(scope="module")
def tb_dir(tmp_path_factory) -> Path:
    return write_tombench_fixture(tmp_path_factory.mktemp("tombench"), quirks=True)


@pytest.fixture(scope="module")
def mb_dir(tmp_path_factory) -> Path:
    return write_motivebench_fixture(tmp_path_factory.mktemp("motivebench"), quirks=True)


@pytest.mark.parametrize("language, asked, crashed", [("en", 15, 2), ("zh", 16, 1)])
def test_tombench_official_mode_equals_the_replay(tb_dir, language, asked, crashed):
    """Every prompt, shown order, letter map and gold; the script's crash rows (invalid JSON; en options it cannot
    read: Hidden Emotions:4, before a 2-option item) are left out by both, and their shuffles still drawn."""
    r = parity.compare_tombench(tb_dir, language)
    for field in ("prompts", "orders", "gold"):
        assert r[field] == {"equal": asked * 5, "total": asked * 5}, (field, r["differences"])
    assert r["crash_rows"] == (crashed - 1) * 5 + 1 and r["extra_rows"] == 0


def _clean_docs_as_official(monkeypatch):
    """Our clean variant, presented to the comparison as if it were the official mode."""
    read, expand = TB.read_items, TB.expand_docs
    monkeypatch.setattr(TB, "read_items", lambda root, lang, limit=None, mode="clean": read(root, lang, limit, "clean"))
    monkeypatch.setattr(TB, "expand_docs", lambda items, n, seed, mode: expand(items, n, seed, "clean"))


def test_the_fixture_tells_the_clean_variant_from_the_official_script(tb_dir, monkeypatch):
    """The quirks make a difference the comparison sees: own option counts (Hidden Emotions:5 asked in English
    with 4 options, which moves every later shuffle), stripped labels and letter-read answers."""
    _clean_docs_as_official(monkeypatch)
    en = parity.compare_tombench(tb_dir, "en", shown=1000)
    bad = {d["item"]: set(d["fields"]) for d in en["differences"]}
    assert en["orders"]["equal"] < en["orders"]["total"]
    assert "Hidden Emotions.jsonl:5" in bad and "order" in bad["Hidden Emotions.jsonl:5"]
    assert {"gold"} <= bad["False Belief Task.jsonl:4"]  # answer 'A. ': compared as written by the script
    zh = parity.compare_tombench(tb_dir, "zh")
    assert zh["prompts"]["equal"] < zh["prompts"]["total"]  # "A.抽屉" keeps its label in the script


def test_official_letter_map_follows_the_text(tb_dir):
    """Two equal options both map to the first one's letter, as the script's if-chain does."""
    items, _ = TB.read_items(tb_dir, "en", None, "official")
    twins = next(it for it in items if it["item_id"] == "Hidden Emotions.jsonl:6")
    docs = [d for d in TB.expand_docs(items, 5, 42, "official") if d["item_id"] == twins["item_id"]]
    for d in docs:
        assert all(
            m == ("A" if o == "Happy" else "ABCD"[twins["options"].index(o)]) for o, m in zip(d["options"], d["map"])
        )
    inner = next(it for it in items if it["item_id"] == "Hidden Emotions.jsonl:7")
    assert inner["options"][:2] == ["Plan Then B", "Plan A. ok"] and inner["story"].startswith(" ")


@pytest.mark.parametrize("mode", ["official", "official_cot"])
def test_motivebench_official_modes_equal_the_replay(mb_dir, mode):
    for subset in ("Persona", "Amazon", "Blog"):
        r = parity.compare_motivebench(mb_dir, subset, mode)
        assert r["prompts"]["equal"] == r["prompts"]["total"] == r["gold"]["equal"] == r["gold"]["total"] > 0
        assert r["crash_rows"] == (3 * 18 if subset == "Persona" else 0)  # the quirk scenario: the script cannot run it


def test_parsers_equal_the_replays_on_every_branch():
    r = parity.compare_parsing()
    assert all(v["equal"] == v["total"] for v in r.values()), r
    assert {parity.replay_tombench_parse(t) for t in parity.TOMBENCH_REPLIES} == set("ABCD")
    assert {parity.replay_motivebench_parse(t, False) for t in parity.MOTIVEBENCH_REPLIES} >= {None, *"ABCDEF"}


def test_bench_parity_writes_the_report(tb_dir, mb_dir, tmp_path):
    report = parity.run_parity(tb_dir, mb_dir, tmp_path)
    saved = json.loads((tmp_path / parity.RESULT_FILE).read_text())
    assert report["all_equal"] and saved["all_equal"] and saved["sources"]["tombench"]["files"] == 4
    assert str(tmp_path) not in (tmp_path / parity.RESULT_FILE).read_text()  # no machine's folders


def test_bench_parity_cli_fails_on_a_difference(tb_dir, mb_dir, tmp_path):
    """The command exits 1 when our official mode and the replay differ (a prompts.py that says otherwise)."""
    broken = tmp_path / "tb"
    subprocess.run(["cp", "-r", str(tb_dir), str(broken)], check=True)
    text = (broken / "prompts.py").read_text().replace("[Candidate Answers]", "[Options]")
    (broken / "prompts.py").write_text(text)
    cmd = [
        sys.executable,
        "-m",
        "humanllm.cli",
        "bench",
        "parity",
        f"eval.data.tombench={broken}",
        f"eval.data.motivebench={mb_dir}",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1 and "tombench en: prompts 0/" in out.stdout, out.stdout + out.stderr
