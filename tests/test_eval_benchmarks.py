"""MotiveBench / ToMBench: official schemas, option orderings, votes, metrics, lm-eval end to end."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import urllib.error
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import pandas as pd
import pytest

from humanllm.evaluate.benchmarks import (
    BenchmarkDataInvalid,
    BenchmarkDataMissing,
    BenchmarkFetchError,
    compare,
    run_motivebench,
    run_tombench,
    write_motivebench_fixture,
    write_tombench_fixture,
)
from humanllm.evaluate.benchmarks import fetch, motivebench, tombench
from humanllm.evaluate.benchmarks.orderings import (
    fixed_orderings,
    item_shuffles,
    majority_vote,
    original_index,
    parse_answer_letter,
    remap_gold,
    strip_label,
)
from humanllm.evaluate.config import BootstrapConfig, MotiveBenchConfig, ToMBenchConfig
from humanllm.evaluate.guard import benchmark_name

LABEL = re.compile(r"^[A-F]\s*[.:]\s*")


# ---------------------------------------------------------------- data fixtures


@pytest.fixture(scope="module")
def mb_dir(tmp_path_factory) -> Path:
    return write_motivebench_fixture(tmp_path_factory.mktemp("motivebench"), scenarios_per_subset=3)


@pytest.fixture(scope="module")
def tb_dir(tmp_path_factory) -> Path:
    return write_tombench_fixture(tmp_path_factory.mktemp("tombench"))


# ---------------------------------------------------------------- parsing the official schemas


def test_motivebench_fixture_is_in_the_official_layout(mb_dir):
    for subset in ("Persona", "Amazon", "Blog"):
        records = json.loads((mb_dir / subset / f"{subset}_questions.json").read_text(encoding="utf-8"))
        assert len(records) == 3
        for rec in records:
            assert list(rec) == [
                "idx", "Motivation Reasoning Question", "Options 1", "Correct Answer 1",
                "Behavior Reasoning Question", "Options 2", "Correct Answer 2",
                "Motivation and Behavior Reasoning Question", "Options 3", "Correct Answer 3",
            ]  # fmt: skip
            for k in (1, 2, 3):
                assert [o[:3] for o in rec[f"Options {k}"]] == ["A. ", "B. ", "C. ", "D. ", "E. ", "F. "]
                assert rec[f"Correct Answer {k}"] in "ABCDEF"
    assert benchmark_name(mb_dir / "Blog" / "Blog_questions.json") == "motivebench"


def test_motivebench_questions_parse(mb_dir):
    raw = json.loads((mb_dir / "Amazon" / "Amazon_questions.json").read_text(encoding="utf-8"))
    qs = motivebench.load_questions(mb_dir, "Amazon")
    assert len(qs) == 9 and len({q.item_id for q in qs}) == 9
    assert [q.question_type for q in qs[:3]] == ["motivation", "behavior", "both"]
    q = qs[4]  # scenario 1, behavior
    assert q.item_id == "Amazon/1/behavior"
    assert q.options[q.gold] == LABEL.sub("", raw[1]["Options 2"]["ABCDEF".index(raw[1]["Correct Answer 2"])])
    assert not any(o.startswith(("A.", "B.")) for o in q.options)
    assert len(motivebench.load_questions(mb_dir, "Amazon", limit=2)) == 6


def test_motivebench_schema_errors_name_the_key(tmp_path):
    root = write_motivebench_fixture(tmp_path / "mb", 1)
    path = root / "Persona" / "Persona_questions.json"
    rec = json.loads(path.read_text())[0]
    del rec["Options 2"]
    path.write_text(json.dumps([rec]))
    with pytest.raises(BenchmarkDataInvalid, match="Options 2"):
        motivebench.load_questions(root, "Persona")
    rec["Options 2"] = rec["Options 1"][:5]
    path.write_text(json.dumps([rec]))
    with pytest.raises(BenchmarkDataInvalid, match="6 options"):
        motivebench.load_questions(root, "Persona")


def test_tombench_fixture_keys_nan_and_null(tb_dir):
    lines = (tb_dir / "data" / "Faux-pas Recognition Test.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"选项C": NaN' in lines[0]  # the official files spell a missing option NaN ...
    hidden = json.loads((tb_dir / "data" / "Hidden Emotions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert hidden["OPTION-C"] is None and hidden["选项D"] is None  # ... or null
    assert {"能力\nABILITY", "序号\nINDEX", "答案\nANSWER", "故事", "问题", "STORY", "QUESTION"} <= hidden.keys()
    assert benchmark_name(tb_dir / "data" / "Hidden Emotions.jsonl") == "tombench"


def test_tombench_items_parse_in_both_languages(tb_dir):
    en = tombench.load_items(tb_dir, "en")
    zh = tombench.load_items(tb_dir, "zh")
    assert len(en) == len(zh) == 8
    assert sorted({len(i.options) for i in en}) == [2, 4]
    faux = {i.item_id: i for i in zh if i.task == "Faux-pas Recognition Test"}
    first = faux["Faux-pas Recognition Test/1"]
    assert first.options == ("有人说了不合适的话", "没有人说不合适的话")  # "A. " and "B: " labels both stripped
    assert first.gold == 0 and first.ability_category == "Non-Literal Communication"
    assert "小王" in first.story
    hidden = [i for i in en if i.task == "Hidden Emotions"]
    assert hidden[0].options == ("Disappointed", "Happy") and hidden[0].index == 1
    multi = [i for i in en if "Second-order" in i.ability][0]
    assert multi.ability == "Belief: Location false beliefs Belief: Second-order beliefs"
    assert multi.ability_category == "Belief"
    assert len(tombench.load_items(tb_dir, "en", limit=1)) == 3  # one per file


def test_tombench_rejects_bad_answers(tmp_path):
    path = write_tombench_fixture(tmp_path / "t") / "data" / "Hidden Emotions.jsonl"
    rec = json.loads(path.read_text().splitlines()[0])
    rec["答案\nANSWER"] = "C"  # only two options
    with pytest.raises(BenchmarkDataInvalid, match="only 2 options"):
        tombench.parse_record(rec, "Hidden Emotions", 1, "en")
    rec["答案\nANSWER"], rec["OPTION-C"], rec["OPTION-D"] = "D", None, "Sad"  # a gap would shift the letters
    with pytest.raises(BenchmarkDataInvalid, match="options A, B"):
        tombench.parse_record(rec, "Hidden Emotions", 1, "en")
    del rec["STORY"]
    with pytest.raises(BenchmarkDataInvalid, match="STORY"):
        tombench.parse_record(rec, "Hidden Emotions", 1, "en")


def test_guard_spots_benchmark_files_even_compressed(tmp_path, mb_dir, tb_dir):
    import gzip
    import shutil

    src = tb_dir / "data" / "Faux-pas Recognition Test.jsonl"  # NaN in the first line
    with src.open("rb") as f, gzip.open(tmp_path / "faux.jsonl.gz", "wb") as g:
        shutil.copyfileobj(f, g)
    assert benchmark_name(tmp_path / "faux.jsonl.gz") == "tombench"
    shutil.copy(mb_dir / "Persona" / "Persona_questions.json", tmp_path / "renamed.json")
    assert benchmark_name(tmp_path / "renamed.json") == "motivebench"
    big = [{"title": "post", "selftext": "x" * 1000}] * 200  # a JSON list of ordinary records
    (tmp_path / "posts.json").write_text(json.dumps(big))
    (tmp_path / "posts.jsonl").write_text("\n".join(json.dumps(r) for r in big))
    assert benchmark_name(tmp_path / "posts.json") is None and benchmark_name(tmp_path / "posts.jsonl") is None
    assert benchmark_name(tmp_path / "missing.json") is None


# ---------------------------------------------------------------- orderings, parsing, votes


def test_fixed_orderings_identity_first_distinct_deterministic():
    perms = fixed_orderings(6, 18, seed=0)
    assert perms[0] == (0, 1, 2, 3, 4, 5)
    assert len(set(perms)) == 18 and all(sorted(p) == list(range(6)) for p in perms)
    assert perms == fixed_orderings(6, 18, seed=0)
    assert perms != fixed_orderings(6, 18, seed=1)
    assert fixed_orderings(6, 5, seed=0) == perms[:5]  # more orderings extend, never reshuffle, the list
    assert len(fixed_orderings(3, 6)) == 6
    with pytest.raises(ValueError, match="only 6"):
        fixed_orderings(3, 7)


def test_gold_remap_under_every_permutation():
    options = ["o0", "o1", "o2", "o3", "o4", "o5"]
    for perm in itertools.permutations(range(6)):
        shown = [options[i] for i in perm]
        for gold in range(6):
            new = remap_gold(gold, perm)
            assert shown[new] == options[gold]
            assert original_index(new, perm) == gold


def test_expanded_docs_keep_the_right_answer(mb_dir):
    qs = motivebench.load_questions(mb_dir, "Persona")
    docs = motivebench.expand_docs(qs, orderings=18, seed=0)
    assert len(docs) == len(qs) * 18
    truth = {q.item_id: q.options[q.gold] for q in qs}
    for d in docs:
        assert d["options"][d["gold"]] == truth[d["item_id"]]
        assert d["gold_letter"] == "ABCDEF"[d["gold"]]
    by_order = {d["ordering"]: tuple(d["perm"]) for d in docs}
    assert list(by_order.values()) == fixed_orderings(6, 18, 0)  # same orderings for every question
    golds = {d["gold_letter"] for d in docs if d["item_id"] == "Persona/0/motivation"}
    assert len(golds) > 3  # the answer really moves around


def test_item_shuffles_balance_and_determinism():
    two = item_shuffles(2, 5, "False Belief Task/1")
    assert set(two) == {(0, 1), (1, 0)} and two[0] == two[2] == two[4] != two[1] == two[3]
    four = item_shuffles(4, 5, "x")
    assert len(set(four)) == 5 and four == item_shuffles(4, 5, "x")
    assert four != item_shuffles(4, 5, "y") and four != item_shuffles(4, 5, "x", seed=1)


def test_tombench_docs_remap_gold_per_shuffle(tb_dir):
    items = tombench.load_items(tb_dir, "zh")
    docs = tombench.expand_docs(items, shuffles=5)
    assert len(docs) == 5 * len(items)
    truth = {i.item_id: i.options[i.gold] for i in items}
    for d in docs:
        assert d["options"][d["gold"]] == truth[d["item_id"]]
        assert d["choices"] == list("ABCD"[: len(d["options"])])
        assert d["orig_gold_letter"] == "ABCD"[[i for i in items if i.item_id == d["item_id"]][0].gold]


@pytest.mark.parametrize(
    ("reply", "n", "expected"),
    [
        ("B", 6, "B"), ("  C.", 6, "C"), ("[[D]]", 4, "D"), ("The answer is E.", 6, "E"), ("Answer: (F)", 6, "F"),
        ("**B**", 4, "B"), ("答案是C", 4, "C"), ("答案：B", 2, "B"), ("A good choice is C", 6, "C"),
        ("A person would do D", 6, "D"), ("I think A.", 6, "A"), ("A", 2, "A"), ("no idea", 6, None),
        ("E", 4, None), ("[[C]]", 2, None), ("Option B, because", 6, "B"),
    ],
)  # fmt: skip
def test_parse_answer_letter(reply, n, expected):
    assert parse_answer_letter(reply, n) == expected


def test_majority_vote():
    assert majority_vote(["A", "B", "B", "C", "B"]) == "B"
    assert majority_vote(["C", "A", "A", "C", "D"]) == "C"  # tie: the earliest shuffle's answer wins
    assert majority_vote([None, None, "A"]) is None
    with pytest.raises(ValueError):
        majority_vote([])


def test_strip_label():
    assert strip_label("A. Backpack") == "Backpack"
    assert strip_label("B: 没有") == "没有"
    assert strip_label("C．盒子") == "盒子"
    assert strip_label("Apple pie") == "Apple pie"


# ---------------------------------------------------------------- metrics on hand-made results


def _mb_items(table: dict[tuple[str, int, str], list[int]]) -> pd.DataFrame:
    rows = []
    for (subset, scen, qtype), per_order in table.items():
        for k, c in enumerate(per_order):
            rows.append({"item_id": f"{subset}/{scen}/{qtype}", "subset": subset, "scenario": str(scen),
                         "question_type": qtype, "ordering": k, "correct": c})  # fmt: skip
    return pd.DataFrame(rows)


def test_motivebench_metrics_exact():
    items = _mb_items({
        ("Persona", 0, "motivation"): [1, 1], ("Persona", 0, "behavior"): [1, 0], ("Persona", 0, "both"): [1, 1],
        ("Persona", 1, "motivation"): [0, 1], ("Persona", 1, "behavior"): [0, 0], ("Persona", 1, "both"): [1, 0],
        ("Amazon", 0, "motivation"): [1, 1], ("Amazon", 0, "behavior"): [1, 1], ("Amazon", 0, "both"): [1, 1],
    })  # fmt: skip
    units, summary = motivebench.summarize(items, samples=200)
    s = summary.set_index(["subset", "metric", "question_type"])
    expected = {  # (mean over orderings, std ddof=0, min, max, units)
        ("Persona", "accuracy", "motivation"): (0.75, 0.25, 0.5, 1.0, 2),
        ("Persona", "accuracy", "behavior"): (0.25, 0.25, 0.0, 0.5, 2),
        ("Persona", "accuracy", "both"): (0.75, 0.25, 0.5, 1.0, 2),
        ("Persona", "accuracy", "all"): (7 / 12, 1 / 12, 0.5, 4 / 6, 6),
        ("Persona", "all_correct", "all"): (0.25, 0.25, 0.0, 0.5, 2),
        ("Amazon", "all_correct", "all"): (1.0, 0.0, 1.0, 1.0, 1),
        ("all", "accuracy", "motivation"): (2.5 / 3, 1 / 6, 2 / 3, 1.0, 3),
        ("all", "all_correct", "all"): (0.5, 1 / 6, 1 / 3, 2 / 3, 3),
    }
    for key, (mean, std, lo, hi, n) in expected.items():
        row = s.loc[key]
        assert row["estimate"] == pytest.approx(mean) and row["std"] == pytest.approx(std), key
        assert (row["min"], row["max"], row["n"], row["orderings"]) == (pytest.approx(lo), pytest.approx(hi), n, 2), key
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    assert list(summary["subset"].unique()) == ["Persona", "Amazon", "all"]
    assert len(summary) == 2 * 5 + 5  # per subset: 4 accuracy rows + all_correct; pooled likewise
    scen = units[(units["metric"] == "all_correct") & (units["subset"] == "Persona")]
    assert dict(zip(scen["unit_id"], scen["score"])) == {"Persona/0": 0.5, "Persona/1": 0.0}


def test_all_correct_needs_complete_scenarios():
    items = _mb_items({("Persona", 0, "motivation"): [1], ("Persona", 0, "behavior"): [1]})
    with pytest.raises(ValueError, match="all three"):
        motivebench.summarize(items, samples=10)


def _tb_items(spec: list[tuple[str, str, str, str, list[str | None]]]) -> pd.DataFrame:
    rows = []
    for item_id, task, ability, gold, preds in spec:
        for k in reversed(range(len(preds))):  # rows out of shuffle order on purpose
            rows.append({"language": "en", "item_id": item_id, "task": task, "ability": ability,
                         "ability_category": ability.split(":")[0], "orig_gold_letter": gold, "shuffle": k,
                         "pred_orig": preds[k], "correct": int(preds[k] == gold)})  # fmt: skip
    return pd.DataFrame(rows)


def test_tombench_majority_vote_metrics_exact():
    items = _tb_items([
        ("T1/1", "T1", "Belief: X", "A", ["A", "B", "A"]),  # vote A: right
        ("T1/2", "T1", "Belief: Y", "B", ["C", "B", "C"]),  # vote C: wrong
        ("T2/1", "T2", "Emotion: Z", "A", [None, None, "A"]),  # unparsed replies win: wrong
        ("T2/2", "T2", "Emotion: Z", "B", ["B", "A", None]),  # three-way tie: first shuffle (B) wins
    ])  # fmt: skip
    votes = tombench.votes(items).set_index("item_id")
    assert votes["vote"].fillna("-").to_dict() == {"T1/1": "A", "T1/2": "C", "T2/1": "-", "T2/2": "B"}
    units, summary = tombench.summarize(items, samples=200)
    s = summary.set_index(["level", "group"])
    assert s.loc[("task", "T1"), "estimate"] == 0.5 and s.loc[("task", "T1"), "shuffle_accuracy"] == 0.5
    assert s.loc[("task", "T2"), "estimate"] == 0.5
    assert s.loc[("task", "T2"), "shuffle_accuracy"] == pytest.approx(1 / 3)
    assert s.loc[("ability", "Belief: Y"), "estimate"] == 0.0 and s.loc[("ability", "Emotion: Z"), "n"] == 2
    assert s.loc[("ability_category", "Belief"), "estimate"] == 0.5
    assert s.loc[("all", "all"), "estimate"] == 0.5
    assert s.loc[("all", "all"), "shuffle_accuracy"] == pytest.approx(5 / 12)
    assert list(summary["level"].unique()) == ["task", "ability", "ability_category", "all"]
    assert len(units) == 4 * 4  # every item once per level


# ---------------------------------------------------------------- missing data, fetch


def test_missing_data_errors_name_the_config_key(tmp_path, mb_dir):
    cfg = MotiveBenchConfig(enabled=True)
    with pytest.raises(BenchmarkDataMissing, match=r"eval\.data\.motivebench is not set.*humanllm fetch benchmarks"):
        run_motivebench(None, cfg, None, tmp_path / "out", apply_chat_template=False)
    with pytest.raises(BenchmarkDataMissing, match=r"eval\.data\.motivebench = .*nowhere: no such folder"):
        run_motivebench(None, cfg, tmp_path / "nowhere", tmp_path / "out", apply_chat_template=False)
    partial = write_motivebench_fixture(tmp_path / "partial", 1)
    (partial / "Blog" / "Blog_questions.json").unlink()
    with pytest.raises(BenchmarkDataMissing, match="Blog/Blog_questions.json"):
        run_motivebench(None, cfg, partial, tmp_path / "out", apply_chat_template=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkDataMissing, match=r"eval\.data\.tombench = .*no \*\.jsonl files"):
        run_tombench(None, ToMBenchConfig(enabled=True), tmp_path / "empty", tmp_path / "out", False)
    with pytest.raises(BenchmarkDataMissing, match=r"eval\.data\.tombench is not set"):
        tombench.lm_eval_dataset("en", version=1.0)  # lm-eval CLI use without --metadata
    assert not (tmp_path / "out").exists()  # nothing ran


def _zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ToMBench-main/README.md", "readme")
        for name, blob in files.items():
            zf.writestr(f"ToMBench-main/data/{name}", blob)
    return buf.getvalue()


class _Resp(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_fetch_tombench_builds_the_official_layout(tmp_path, tb_dir, monkeypatch):
    files = {f"{n}.jsonl": b"{}\n" for n in fetch.TOMBENCH_FILES}
    files.update({p.name: p.read_bytes() for p in (tb_dir / "data").glob("*.jsonl")})
    urls = []

    def fake_urlopen(url, timeout):
        urls.append(url)
        return _Resp(_zip_of(files))

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    dest = fetch.fetch_benchmarks(tmp_path / "bench", which=("tombench",))["tombench"]
    assert urls == ["https://github.com/zhchen18/ToMBench/archive/refs/heads/main.zip"]
    assert sorted(p.name for p in (dest / "data").iterdir()) == sorted(files)
    first = json.loads((dest / "data" / "Hidden Emotions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert tombench.parse_record(first, "Hidden Emotions", 1, "zh").options == ("失望", "开心")
    assert [p.name for p in (tmp_path / "bench").iterdir()] == ["tombench"]  # no temporary folder left


def test_fetch_errors_clearly_when_offline(tmp_path, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(BenchmarkFetchError, match=r"tombench .*internet.*eval\.data\.tombench"):
        fetch.fetch_tombench(tmp_path / "tb")
    import huggingface_hub
    from huggingface_hub.errors import OfflineModeIsEnabled

    def hub_offline(*args, **kwargs):
        raise OfflineModeIsEnabled("offline mode is enabled")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", hub_offline)
    with pytest.raises(BenchmarkFetchError, match=r"motivebench .*chicosirius/MotiveBench.*eval\.data\.motivebench"):
        fetch.fetch_benchmarks(tmp_path / "b", which=("motivebench",))
    assert not (tmp_path / "tb").exists() and list((tmp_path / "b").iterdir()) == []
    with pytest.raises(BenchmarkFetchError, match="OfflineModeIsEnabled"):
        motivebench.resolve_data_dir("hf:chicosirius/MotiveBench")  # the config's hf: form, same path


def test_fetch_motivebench_from_hub_snapshot(tmp_path, monkeypatch):
    import huggingface_hub

    def fake_snapshot(repo_id, repo_type, allow_patterns, local_dir):
        assert (repo_id, repo_type) == ("chicosirius/MotiveBench", "dataset")
        write_motivebench_fixture(local_dir, 2)
        (Path(local_dir) / ".cache").mkdir()
        return str(local_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    dest = fetch.fetch_motivebench(tmp_path / "mb")
    assert sorted(p.name for p in dest.iterdir()) == ["Amazon", "Blog", "Persona"]
    assert len(motivebench.load_questions(dest, "Blog")) == 6


# ---------------------------------------------------------------- end to end through lm-eval


def _gold_texts(mb_dir: Path, tb_dir: Path) -> dict[str, str]:
    """question text -> gold option text, read straight from the raw files (independent of our loaders)."""
    strip = lambda s: LABEL.sub("", s).strip()  # noqa: E731
    gold = {}
    for path in mb_dir.glob("*/*_questions.json"):
        for rec in json.loads(path.read_text(encoding="utf-8")):
            for k, q in enumerate(["Motivation Reasoning Question", "Behavior Reasoning Question",
                                   "Motivation and Behavior Reasoning Question"], 1):  # fmt: skip
                gold[rec[q]] = strip(rec[f"Options {k}"]["ABCDEF".index(rec[f"Correct Answer {k}"])])
    for path in (tb_dir / "data").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            i = "ABCD".index(rec["答案\nANSWER"])
            gold[rec["QUESTION"]] = strip(rec[f"OPTION-{'ABCD'[i]}"])
            gold[rec["问题"]] = strip(rec[f"选项{'ABCD'[i]}"])
    return gold


def _oracle_lm(gold: dict[str, str], wrong: bool = False):
    """An lm-eval LM that reads the displayed options and picks the gold one (or never the gold one)."""
    from lm_eval.api.model import LM

    class Oracle(LM):
        def _letter(self, context: str) -> str:
            question = max((q for q in gold if q in context), key=len)
            shown = dict(re.findall(r"^([A-F])\. (.*)$", context, flags=re.M))
            right = next(letter for letter, text in shown.items() if text == gold[question])
            return next(letter for letter in shown if letter != right) if wrong else right

        def loglikelihood(self, requests):
            return [(0.0 if r.args[1].strip() == self._letter(r.args[0]) else -5.0, False) for r in requests]

        def generate_until(self, requests):
            return [f"The answer is {self._letter(r.args[0])}." for r in requests]

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

    return Oracle()


@pytest.mark.parametrize("mode", ["loglikelihood", "generate"])
def test_oracle_scores_one_and_adversary_zero_through_lm_eval(mode, mb_dir, tb_dir, tmp_path):
    """Every ordering and shuffle goes through lm-eval; only a correct gold remap gives exactly 1.0 / 0.0."""
    gold = _gold_texts(mb_dir, tb_dir)
    boot = BootstrapConfig(samples=200)
    results = {}
    for name, wrong in (("oracle", False), ("adversary", True)):
        lm = _oracle_lm(gold, wrong)
        mb = run_motivebench(lm, MotiveBenchConfig(enabled=True, orderings=6, mode=mode), mb_dir,
                             tmp_path / name / "mb", apply_chat_template=False, bootstrap=boot)  # fmt: skip
        tb = run_tombench(lm, ToMBenchConfig(enabled=True, languages=["en", "zh"], shuffles=5, mode=mode), tb_dir,
                          tmp_path / name / "tb", apply_chat_template=False, bootstrap=boot)  # fmt: skip
        expected = 0.0 if wrong else 1.0
        assert len(mb.items) == 3 * 3 * 3 * 6 and len(tb.items) == 2 * 8 * 5
        assert (mb.summary["estimate"] == expected).all() and (mb.summary["std"] == 0).all()
        assert (tb.summary["estimate"] == expected).all() and (tb.summary["shuffle_accuracy"] == expected).all()
        assert mb.value(subset="all", metric="all_correct", question_type="all") == expected
        assert all(v["acc,none"] == expected for v in mb.lm_eval.values())
        assert mb.items["gold_letter"].nunique() == 6  # the gold really moved across orderings
        results[name] = (mb, tb)
    diff = compare(results["adversary"][0], results["oracle"][0], samples=200)
    assert (diff["diff"] == 1.0).all() and diff["excludes_zero"].all()
    same = compare(results["oracle"][1], results["oracle"][1], samples=200)
    assert (same["diff"] == 0.0).all() and not same["excludes_zero"].any()


@pytest.fixture(scope="session")
def tiny_lm(tiny_model_dir):
    """The project's 0.4M-parameter random Llama (ChatML template), loaded once into lm-eval's HFLM."""
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype="float32").eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    return HFLM(pretrained=model, tokenizer=tokenizer, batch_size=16, device="cpu")


def test_tiny_model_motivebench_end_to_end(tiny_lm, mb_dir, tmp_path):
    boot = BootstrapConfig(samples=300)
    mc = run_motivebench(tiny_lm, MotiveBenchConfig(enabled=True, orderings=3, limit=2), mb_dir, tmp_path / "mc",
                         apply_chat_template=False, bootstrap=boot)  # fmt: skip
    assert len(mc.items) == 3 * 2 * 3 * 3
    for task, res in mc.lm_eval.items():  # our per-response scoring agrees with lm-eval's acc
        subset = task.split("_")[1].capitalize()
        assert mc.items.loc[mc.items["subset"] == subset, "correct"].mean() == pytest.approx(res["acc,none"])
    assert mc.items["pred"].isin(list("ABCDEF")).all()
    assert ((mc.summary["ci_low"] <= mc.summary["estimate"]) & (mc.summary["estimate"] <= mc.summary["ci_high"])).all()
    saved = pd.read_csv(mc.files["items_csv"])
    assert len(saved) == len(mc.items) and saved["correct"].sum() == mc.items["correct"].sum()
    assert len(Path(mc.files["items_jsonl"]).read_text(encoding="utf-8").splitlines()) == len(mc.items)
    run = json.loads(Path(mc.files["run_json"]).read_text())
    assert run["config"]["orderings"] == 3 and run["config"]["data_dir"] == str(mb_dir)

    cfg = MotiveBenchConfig(enabled=True, subsets=["Blog"], orderings=2, limit=1, mode="generate")
    gen = run_motivebench(tiny_lm, cfg, mb_dir, tmp_path / "gen", apply_chat_template=True, bootstrap=boot)
    assert len(gen.items) == 3 * 2 and gen.items["response"].map(len).gt(0).all()
    reparsed = [parse_answer_letter(r, 6) for r in gen.items["response"]]
    assert [p if isinstance(p, str) else None for p in gen.items["pred"]] == reparsed
    assert gen.items["correct"].mean() == pytest.approx(gen.lm_eval["motivebench_blog_gen"]["acc,none"])


def test_tiny_model_tombench_end_to_end(tiny_lm, tb_dir, tmp_path):
    cfg = ToMBenchConfig(enabled=True, languages=["en", "zh"], shuffles=3)
    boot = BootstrapConfig(samples=300)
    res = run_tombench(tiny_lm, cfg, tb_dir, tmp_path / "tb", apply_chat_template=True, bootstrap=boot)
    assert len(res.items) == 2 * 8 * 3
    for lang in ("en", "zh"):
        mine = res.items.loc[res.items["language"] == lang, "correct"].mean()
        assert mine == pytest.approx(res.lm_eval[f"tombench_{lang}"]["acc,none"])
    two = res.items[res.items["item_id"] == "Hidden Emotions/1"]
    assert set(two["pred"]) <= {"A", "B"}  # 2-option items are scored over two letters only
    voted = tombench.votes(res.items)
    overall = res.summary.set_index(["language", "level", "group"])
    for lang in ("en", "zh"):
        vote_accuracy = voted.loc[voted["language"] == lang, "correct"].mean()
        assert overall.loc[(lang, "all", "all"), "estimate"] == pytest.approx(vote_accuracy)
    gen = run_tombench(tiny_lm, ToMBenchConfig(enabled=True, shuffles=1, limit=1, mode="generate"), tb_dir,
                       tmp_path / "gen", apply_chat_template=False)  # fmt: skip
    assert len(gen.items) == 3 and set(gen.summary["language"]) == {"en"}
