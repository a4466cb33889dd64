"""MotiveBench / ToMBench: official files with their quirks, the official protocols checked against
independent re-implementations of the published scorers, metrics, and lm-eval end to end."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from humanllm.eval.benchmarks import (
    benchmarks,
    compare,
    preflight,
    run_benchmark,
    write_motivebench_fixture,
    write_tombench_fixture,
)
from humanllm.eval.benchmarks.errors import BenchmarkDataMissing
from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.benchmarks.fixtures import QUIRK_LINES
from humanllm.eval.config import EvalConfig

MB, TB = evals_module("motivebench"), evals_module("tombench")


@pytest.fixture(scope="module")
def mb_dir(tmp_path_factory) -> Path:
    return write_motivebench_fixture(tmp_path_factory.mktemp("motivebench"), scenarios_per_subset=3, quirks=True)


@pytest.fixture(scope="module")
def tb_dir(tmp_path_factory) -> Path:
    return write_tombench_fixture(tmp_path_factory.mktemp("tombench"), quirks=True)


def eval_cfg(mb_dir: Path | None, tb_dir: Path | None, **over) -> EvalConfig:
    base = {
        "name": "t",
        "bootstrap": {"samples": 200},
        "motivebench": {"enabled": mb_dir is not None, "mode": "loglikelihood", "orderings": 6},
        "tombench": {"enabled": tb_dir is not None, "mode": "loglikelihood"},
        "data": {"motivebench": str(mb_dir) if mb_dir else None, "tombench": str(tb_dir) if tb_dir else None},
    }
    for key, value in over.items():
        base[key] = {**base.get(key, {}), **value}
    return EvalConfig.model_validate(base)


# ---------------------------------------------------------------- the official files, read as they are


def test_preflight_lists_every_quirk_with_file_and_line(mb_dir, tb_dir):
    report = preflight(eval_cfg(mb_dir, tb_dir))
    found = {(i["file"], i["line"]): f"{i['what']}, {i['action']}" for i in report.issues["tombench"]}
    for file, lines in QUIRK_LINES.items():
        for line, what in lines.items():
            assert what in found[(file, line)], (file, line, found.get((file, line)))
    assert "read as 'A'" in found[("False Belief Task.jsonl", 4)]
    assert found[("False Belief Task.jsonl", 6)].endswith("excluded")
    text = report.text()
    assert "tombench: False Belief Task.jsonl:7: answer 'D' is not one of AB, excluded" in text
    spaced = [i for i in report.issues["motivebench"] if i["what"] == "motivation: answer written 'D. '"]
    assert len(spaced) == 1 and spaced[0]["action"] == "read as 'D'" and spaced[0]["file"] == "Persona_questions.json"
    raw = (mb_dir / "Persona" / "Persona_questions.json").read_text().splitlines()
    assert raw[spaced[0]["line"] - 1].strip() == "{" and '"idx": 3' in raw[spaced[0]["line"]]  # its own line
    assert any(i["what"].startswith("both: 'Options 3' has 5 usable") for i in report.issues["motivebench"])


def test_quirky_items_parse_the_clean_way(tb_dir, mb_dir):
    en, _ = TB.read_items(tb_dir, "en")
    zh, _ = TB.read_items(tb_dir, "zh")
    by_id = {(it["language"], it["item_id"]): it for it in en + zh}
    spaced = by_id[("en", "False Belief Task.jsonl:4")]
    assert spaced["gold"] == 0 and spaced["options"] == ["Drawer", "Basket", "Box", "Backpack"]  # "A. " labels gone
    assert by_id[("zh", "False Belief Task.jsonl:5")]["options"][0] == "抽屉"  # "A.抽屉"
    assert ("en", "False Belief Task.jsonl:6") not in by_id and ("en", "False Belief Task.jsonl:7") not in by_id
    assert len(by_id[("en", "Hidden Emotions.jsonl:5")]["options"]) == 4  # languages keep their own options
    assert len(by_id[("zh", "Hidden Emotions.jsonl:5")]["options"]) == 2
    assert len(by_id[("en", "Faux-pas Recognition Test.jsonl:1")]["options"]) == 2  # NaN options are absent
    persona, _ = MB.read_questions(mb_dir, "Persona")
    quirky = [q for q in persona if q["scenario"] == "3"]
    assert [q["question_type"] for q in quirky] == ["motivation", "behavior"]  # the NaN-option question excluded
    assert all(not re.match(r"^[A-F]\. ", o) for q in quirky for o in q["options"])


def test_missing_folder_names_the_config_key(tmp_path, mb_dir):
    with pytest.raises(BenchmarkDataMissing, match="eval.data.tombench"):
        preflight(eval_cfg(mb_dir, tmp_path / "nowhere"))
    with pytest.raises(BenchmarkDataMissing, match="no Persona/Persona_questions.json"):
        preflight(eval_cfg(tmp_path, None))


# ---------------------------------------------------------------- official protocols vs the published rules


def official_motivebench_answer(reply: str) -> str:
    """client_eval.py, line for line (non-CoT)."""
    answer = reply.strip("assistant\n\n").strip()  # noqa: B005 (client_eval.py's character-set strip)
    return answer.strip(".").strip("'").strip('"').strip("*").strip("*")[0].upper()


def official_rearrange(options: list[str], order: list[int]) -> tuple[list[str], str]:
    labels = ["A", "B", "C", "D", "E", "F"]
    rearranged = [options[i - 1] for i in order]
    return [f"{labels[i]}. {o.split('. ', 1)[1]}" for i, o in enumerate(rearranged)], ""


REPLIES = ["A", "b", "**C**", "'D'", "E.", "F", "assistant\n\nB", "nice, A", "The answer is C", " . ", "sure: D",
           "  E  ", "\"F\"", "tA"]  # fmt: skip


def test_motivebench_official_parse_and_scores_match_client_eval(mb_dir):
    questions, _ = MB.read_questions(mb_dir, "Amazon")
    docs = MB.expand_docs(questions, 18, "official")
    rng = random.Random(7)
    replies = [rng.choice(REPLIES) for _ in docs]
    ours = [MB.process_results(d, [r]) for d, r in zip(docs, replies)]
    raw = json.loads((mb_dir / "Amazon" / "Amazon_questions.json").read_text())
    acc_all, per_order_acc = [], []
    for k, order in enumerate(MB.ORDERINGS):  # the official loop: ordering, then scenario, then its 3 questions
        assert [o - 1 for o in order] == docs[k * len(questions)]["perm"]
        scen_right = []
        for s, item in enumerate(raw):
            right = []
            for j, key in enumerate(["1", "2", "3"]):
                doc_i = k * len(questions) + 3 * s + j
                gold = chr(order.index(ord(item[f"Correct Answer {key}"]) - ord("A") + 1) + ord("A"))
                shown, _ = official_rearrange(item[f"Options {key}"], list(order))
                assert MB.doc_to_text(docs[doc_i]).count(str(shown)) == 1  # the official option string, verbatim
                try:
                    theirs = official_motivebench_answer(replies[doc_i])
                except IndexError:  # the official script crashes here; we count the reply unparsed and wrong
                    theirs = None
                assert ours[doc_i]["acc"] == float(theirs == gold)
                assert ours[doc_i]["unparsed"] == float(theirs is None)
                right.append(theirs == gold)
            scen_right.append(all(right))
            per_order_acc.extend(right)
        acc_all.append(sum(scen_right) / len(scen_right))
    assert MB.all_three_correct([r["all_three_correct"] for r in ours]) == pytest.approx(sum(acc_all) / 18)
    assert sum(r["acc"] for r in ours) / len(ours) == pytest.approx(sum(per_order_acc) / len(per_order_acc))


def official_extract_answer(text: str) -> str:
    """get_results.py's extract_answer, as published."""
    for pat in ("[[A]]", "[[B]]", "[[C]]", "[[D]]"):
        if pat in text:
            return pat[2]
    for pat in ("[A]", "[B]", "[C]", "[D]"):
        if pat in text:
            return pat[1]
    for i in range(len(text) - 1, -1, -1):
        if text[i] in "ABCD":
            return text[i]
    return "A"


def official_most_common(lst: list[str]) -> str:
    freq: dict[str, int] = {}
    for item in lst:
        freq[item] = freq.get(item, 0) + 1
    return max(freq, key=freq.get)


TOM_REPLIES = ["[[A]]", "[[B]]", "[C]", "D", "I think [[B]] or [[A]]", "no idea", "Answer: C.", "[[D]]", "BAD", ""]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_tombench_official_parse_and_vote_match_the_scripts(tb_dir, language):
    """Replies parsed, mapped back by the shown text and voted as get_results.py does, against the answer
    field as written (prompts and shuffles: tests/test_parity.py)."""
    items, _ = TB.read_items(tb_dir, language, None, "official")
    docs = TB.expand_docs(items, 5, 42, "official")
    rng = random.Random(3)
    replies = [rng.choice(TOM_REPLIES) for _ in docs]
    ours = [TB.process_results(d, [r]) for d, r in zip(docs, replies)]
    options = {it["item_id"]: it["options"] for it in items}
    preds: dict[str, list[str]] = {}
    for doc, reply, got in zip(docs, replies, ours):
        mapping = {"A": "", "B": "", "C": "", "D": ""}
        for shown, text in zip("ABCD", doc["options"]):  # the script's if-chain: the first option with this text
            mapping[shown] = "ABCD"[options[doc["item_id"]].index(text)]
        preds.setdefault(doc["item_id"], []).append(mapping[official_extract_answer(reply)])
        assert got["vote_acc"][2] == preds[doc["item_id"]][-1]
    gold = {it["item_id"]: it["answer"] for it in items}
    right = [official_most_common(p) == gold[i] for i, p in preds.items()]
    assert TB.vote_accuracy([r["vote_acc"] for r in ours]) == pytest.approx(sum(right) / len(right))
    assert sum(r["unparsed"] for r in ours) == sum(not re.search("[ABCD]", r) for r in replies)
    assert gold["False Belief Task.jsonl:4"] == "A. " and "False Belief Task.jsonl:4" in preds  # asked, never right


def test_majority_vote_first_seen_wins_ties():
    assert TB.majority_vote(["B", "A", "A", "B", "C"]) == "B"
    assert TB.majority_vote(["", "C", "C"]) == "C"
    assert TB.vote_accuracy([("x", 1, "A", "A"), ("x", 0, "B", "A"), ("y", 0, "", "B")]) == 0.0  # x: tie -> B


# ---------------------------------------------------------------- end to end through lm-eval


def _oracle_lm(gold: dict[str, str], wrong: bool = False):
    """An lm-eval LM that finds the item's gold option text in the prompt and answers its displayed letter
    (or, as the adversary, another letter). `gold` maps question text -> gold option text."""
    from lm_eval.api.model import LM

    class Oracle(LM):
        def _letter(self, context: str) -> str:
            key = max((q for q in gold if q in context), key=len)
            right = re.search(r"([A-F])\. " + re.escape(gold[key]) + r"(?=['\n]|$)", context).group(1)
            return ("B" if right == "A" else "A") if wrong else right

        def loglikelihood(self, requests):
            return [(0.0 if r.args[1].strip() == self._letter(r.args[0]) else -5.0, False) for r in requests]

        def generate_until(self, requests):
            return [
                f"[[{self._letter(r.args[0])}]]" if "[[" in r.args[0] else self._letter(r.args[0]) for r in requests
            ]

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

    return Oracle()


def _gold_texts(mb_dir: Path, tb_dir: Path) -> dict[str, str]:
    gold = {}
    for subset in ("Persona", "Amazon", "Blog"):
        for q in MB.read_questions(mb_dir, subset)[0]:
            gold[q["question"]] = q["options"][q["gold"]]
    for lang in ("en", "zh"):
        for it in TB.read_items(tb_dir, lang)[0]:
            gold[f"{it['story']}\n\n{TB.HEADERS[lang][1]}\n{it['question']}"] = it["options"][it["gold"]]
    return gold


@pytest.mark.parametrize("mode, tb_mode", [("loglikelihood", "loglikelihood"), ("official", "clean")])
def test_oracle_scores_one_and_adversary_zero_through_lm_eval(mode, tb_mode, mb_dir, tb_dir, tmp_path):
    """Every ordering and shuffle goes through lm-eval; only a correct gold remap gives exactly 1.0 / 0.0,
    and lm-eval's own aggregations (vote, all orderings, all three) agree with our summaries."""
    e = eval_cfg(mb_dir, tb_dir, motivebench={"mode": mode, "orderings": 3}, tombench={"mode": tb_mode, "shuffles": 3})
    reg = benchmarks()
    results = {}
    for name, wrong in (("oracle", False), ("adversary", True)):
        lm = _oracle_lm(_gold_texts(mb_dir, tb_dir), wrong)
        mb = run_benchmark(reg["motivebench"], lm, e, tmp_path / name / "mb", apply_chat_template=False)
        tb = run_benchmark(reg["tombench"], lm, e, tmp_path / name / "tb", apply_chat_template=False)
        expected = 0.0 if wrong else 1.0
        assert len(mb.items) == (27 + 2) * 3  # 27 fixture questions + 2 of the quirk scenario, x 3 orderings
        assert (mb.summary["estimate"] == expected).all()
        assert (tb.summary["estimate"] == expected).all() and (tb.summary["unparsed"] == 0).all()
        for agg in mb.lm_eval.values():
            assert agg["acc,none"] == agg["all_orderings_correct,none"] == agg["all_three_correct,none"] == expected
        for agg in tb.lm_eval.values():
            assert agg["vote_acc,none"] == agg["acc,none"] == expected
        assert mb.items["gold_letter"].nunique() == 6  # the gold really moved across orderings
        every = mb.units[mb.units.metric == "all_orderings_correct"]  # options for the flips' chance correction
        assert (every.n_choices == 6**3).all() and mb.units[
            mb.units.metric != "all_orderings_correct"
        ].n_choices.isna().all()
        assert set(tb.units.n_choices) == {2, 4}
        results[name] = (mb, tb)
    diff = compare(results["adversary"][0], results["oracle"][0], samples=200)
    assert (diff["diff"] == 1.0).all() and diff["excludes_zero"].all()


def test_tombench_official_oracle_is_right_where_the_script_can_be(tb_dir, tmp_path):
    """Official mode through lm-eval: an oracle that always picks the gold text wins every item except the
    three whose answer field the script's raw comparison can never match ('A. ', 'C.', 'D' of two options)."""
    e = eval_cfg(None, tb_dir, tombench={"mode": "official", "shuffles": 3})
    gold = {}
    for lang in ("en", "zh"):
        for it in TB.read_items(tb_dir, lang, None, "official")[0]:
            letter = it["answer"].strip(" .")
            text = it["options"][min("ABCD".index(letter), len(it["options"]) - 1)]
            gold[f"{it['story']}\n\n{TB.HEADERS[lang][1]}\n{it['question']}"] = text
    tb = run_benchmark(benchmarks()["tombench"], _oracle_lm(gold), e, tmp_path / "tb", apply_chat_template=False)
    units = tb.units[tb.units.level == "all"]
    never = {"False Belief Task.jsonl:4", "False Belief Task.jsonl:5", "False Belief Task.jsonl:7"}
    for lang, asked in units.groupby("language"):
        scores = asked.set_index("unit_id")["score"]
        assert set(scores.index) >= never and ("Hidden Emotions.jsonl:4" in scores.index) == (lang == "zh")
        assert all(scores[i] == (0 if i in never else 1) for i in scores.index), (lang, scores.to_dict())


@pytest.fixture(scope="session")
def tiny_lm(tiny_model_dir):
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype="float32").eval()
    return HFLM(pretrained=model, tokenizer=AutoTokenizer.from_pretrained(tiny_model_dir), batch_size=16, device="cpu")


def test_tiny_model_official_mode_agrees_with_lm_eval(tiny_lm, mb_dir, tb_dir, tmp_path):
    e = eval_cfg(
        mb_dir,
        tb_dir,
        motivebench={"mode": "official", "orderings": 2, "limit": 1, "subsets": ["Blog"]},
        tombench={"mode": "official", "shuffles": 3, "limit": 2},
    )
    reg = benchmarks()
    mb = run_benchmark(reg["motivebench"], tiny_lm, e, tmp_path / "mb", apply_chat_template=True)
    assert len(mb.items) == 3 * 2
    agg = mb.lm_eval["motivebench_blog_official"]
    assert mb.items["correct"].mean() == pytest.approx(agg["acc,none"])
    assert mb.items["pred"].tolist() == [MB.official_answer(r) for r in mb.items["response"]]
    tb = run_benchmark(reg["tombench"], tiny_lm, e, tmp_path / "tb", apply_chat_template=True)
    overall = tb.summary.set_index(["language", "level", "group"])
    for lang in ("en", "zh"):
        assert overall.loc[(lang, "all", "all"), "estimate"] == pytest.approx(
            tb.lm_eval[f"tombench_{lang}_official"]["vote_acc,none"]
        )
    saved = pd.read_csv(tb.files["items_csv"])
    assert len(saved) == len(tb.items) and json.loads(Path(tb.files["run_json"]).read_text())["config"]["seed"] == 0


def test_motivebench_cot_and_parse_llm_run_beside_official(tiny_lm, mb_dir, tmp_path):
    """official_cot (the CoT prompt, the reply's last character) and parse_llm (the endpoint reads the letter;
    here the fault-injecting test server, which answers 'reply <hash>' to any text request) beside the plain
    official mode, in one run, each under its own score names."""
    from humanllm.eval.social import flatten
    from humanllm.llm import LLMConfig, make_backend
    from humanllm.llm.testing import FaultServer

    e = eval_cfg(
        mb_dir,
        None,
        motivebench={
            "mode": "official",
            "extra_modes": ["official_cot", "parse_llm"],
            "orderings": 1,
            "limit": 1,
            "subsets": ["Blog"],
            "parse_max_tokens": 8,
        },
    )
    with FaultServer() as server:
        cfg = LLMConfig(name="parser", base_url=server.base_url, model=server.model, cache_dir=str(tmp_path / "cache"))
        with make_backend(cfg) as llm:
            mb = run_benchmark(
                benchmarks()["motivebench"], tiny_lm, e, tmp_path / "mb", apply_chat_template=True, llm=llm
            )
        bodies = list(server.bodies)
    items = mb.items.set_index("protocol")
    assert sorted(mb.items["protocol"].unique()) == ["official", "official_cot", "parse_llm"]
    assert all(len(items.loc[[p]]) == 3 for p in ("official", "official_cot", "parse_llm"))
    cot = items.loc[["official_cot"]]
    assert cot["pred"].tolist() == [MB.official_answer(r, cot=True) for r in cot["response"]]
    parse = items.loc[["parse_llm"]]
    assert [b["messages"] for b in bodies] == [
        [{"role": "system", "content": MB.PARSE_SYSTEM}, {"role": "user", "content": MB.parse_input(r)}]
        for r in parse["response"]
    ]
    assert all(b["max_tokens"] == 8 for b in bodies)
    assert parse["pred"].tolist() == ["R"] * 3 and parse["parsed"].all() and (parse["correct"] == 0).all()
    scores, _ = flatten(mb)
    assert (
        "motivebench/Blog.motivation/accuracy" in scores
        and "motivebench/official_cot.Blog.motivation/accuracy" in scores
    )
    assert scores["motivebench/parse_llm.all.all/accuracy"] == 0.0
    assert "The last line of your reply" in MB.doc_to_text(
        MB.expand_docs(MB.read_questions(mb_dir, "Blog")[0], 1, "official_cot")[0]
    )


def test_parse_llm_without_an_endpoint_is_a_clear_error(mb_dir):
    items = pd.DataFrame([{"protocol": "parse_llm", "response": "A", "pred": "A", "gold_letter": "A"}])
    e = eval_cfg(mb_dir, None, motivebench={"mode": "parse_llm"})
    with pytest.raises(ValueError, match="parse_llm needs the `llm` endpoint"):
        benchmarks()["motivebench"].reparse(items, e, None)
    with pytest.raises(ValueError, match="extra_modes repeats a mode"):
        eval_cfg(mb_dir, None, motivebench={"mode": "official", "extra_modes": ["official"]})
