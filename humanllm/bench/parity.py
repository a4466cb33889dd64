"""Parity of our `official` benchmark modes with the official scripts, replayed from their documented behaviour.

    humanllm bench parity    # -> results/bench/parity.json

The replays below are written from what the official scripts do (ToMBench run_huggingface.py +
get_results.py, MotiveBench client_eval.py), independently of evals/*/utils.py, and in the scripts' own
shape: walk the files, seed once per language, draw one shuffle per item and try, build the prompt by
formatting the official template, map the shown letters back by text. Our official mode is then compared
with them prompt by prompt (system + user text), shown order by shown order (texts and the letter map)
and gold by gold; and both official parsers on a fixed set of replies that takes every branch.
The official prompt strings of ToMBench are read (never run) from the checkout's prompts.py.
"""

from __future__ import annotations

import ast
import json
import math
import os
import random
from pathlib import Path
from typing import Any

from humanllm.data.corpus_fetch import fileset_digest
from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.io import write_json
from humanllm.report.provenance import git_state

RESULT_FILE = "parity.json"
TOMBENCH_KEYS = {"zh": ("故事", "问题", "选项"), "en": ("STORY", "QUESTION", "OPTION-")}
TOMBENCH_TEMPLATES = {  # prompts.py name -> role
    "system": "SystemEvaluatePrompt_{lang}", "4": "UserEvaluatePrompt4Choices_{lang}", "2": "UserEvaluatePrompt2Choices_{lang}",
}  # fmt: skip


def official_prompts(root: Path) -> dict[str, str]:
    """The module-level string constants of the checkout's prompts.py (parsed, not executed)."""
    for path in (root / "prompts.py", root.parent / "prompts.py"):
        if path.is_file():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            return {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                    for t in node.targets if isinstance(t, ast.Name)}  # fmt: skip
    raise FileNotFoundError(f"tombench: no prompts.py in {root} or {root.parent} (part of the official checkout)")


def _unused(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def replay_tombench(root: Path, language: str, tries: int = 5, seed: int = 42) -> list[dict[str, Any]]:
    """run_huggingface.py for one language: one row per item and try, in the order the script asks them.
    Files in name order (the script's os.listdir order is the file system's). Where the script would crash
    (a shown option that is not text) the row says so and the shuffle is still drawn."""
    prompts = official_prompts(root)
    data = root / "data" if (root / "data").is_dir() else root
    story_key, question_key, option_prefix = TOMBENCH_KEYS[language]
    rng = random.Random(seed)  # the script's random.seed(seed) once per run, on a stream of its own
    rows = []
    for name in sorted(f for f in os.listdir(data) if f.endswith(".jsonl")):
        with open(data / name, encoding="utf-8-sig") as f:
            lines = [(i, _json_or_none(t)) for i, t in enumerate(f.read().splitlines(), 1) if t.strip()]
        for line, d in lines:
            if not isinstance(d, dict):  # the script stops at json.loads; nothing is drawn for it
                rows.append({"item": f"{name}:{line}", "try": None, "crash": True})
                continue
            letters = "AB" if _unused(d.get("选项C")) else "ABCD"
            raw = [d.get(option_prefix + c) for c in letters]
            crash = not all(isinstance(v, str) for v in raw)
            for j in range(tries):
                choices = ["" if crash else v.replace(c + ". ", "") for c, v in zip(letters, raw)]
                originals = list(choices)
                rng.shuffle(choices)
                mapping = {c: "" for c in "ABCD"}
                for shown, text in zip("ABCD", choices):
                    mapping[shown] = next(c for c, t in zip(letters, originals) if t == text)
                fields = {f"choice_{c.lower()}": t for c, t in zip("abcd", choices)}
                user = prompts[TOMBENCH_TEMPLATES[str(len(letters))].format(lang=language)].format(
                    story=d.get(story_key), question=d.get(question_key), **fields
                )
                rows.append({"item": f"{name}:{line}", "try": j, "crash": crash, "order": choices, "map": mapping,
                             "system": prompts[TOMBENCH_TEMPLATES["system"].format(lang=language)], "user": user,
                             "gold": d.get("答案\nANSWER")})  # fmt: skip
    return rows


def ours_tombench(root: Path, language: str, tries: int = 5, seed: int = 42) -> dict[tuple, dict[str, Any]]:
    """Our official mode's lm-eval docs, keyed (item, try)."""
    u = evals_module("tombench")
    items, _ = u.read_items(root, language, None, "official")
    return {(d["item_id"], d["shuffle"]): {"order": d["options"], "map": dict(zip("ABCD", d["map"])),
                                           "system": d["system"], "user": u.doc_to_text(d), "gold": d["orig_gold_letter"]}
            for d in u.expand_docs(items, tries, seed, "official")}  # fmt: skip


def _counts(pairs: list[tuple[Any, Any]]) -> dict[str, int]:
    return {"equal": sum(a == b for a, b in pairs), "total": len(pairs)}


def compare_tombench(root: Path, language: str, tries: int = 5, seed: int = 42, shown: int = 5) -> dict[str, Any]:
    """prompts / orders / gold equal over total for one language; rows where the script would crash must be
    left out by our side too (counted as `crash_rows`); the first `shown` differences are listed."""
    replay, ours = replay_tombench(root, language, tries, seed), ours_tombench(root, language, tries, seed)
    asked = [r for r in replay if not r["crash"]]
    got = [ours.get((r["item"], r["try"]), {}) for r in asked]
    out = {
        "prompts": _counts([((r["system"], r["user"]), (g.get("system"), g.get("user"))) for r, g in zip(asked, got)]),
        "orders": _counts([((r["order"], r["map"]), (g.get("order"), g.get("map"))) for r, g in zip(asked, got)]),
        "gold": _counts([(r["gold"], g.get("gold")) for r, g in zip(asked, got)]),
        "crash_rows": len(replay) - len(asked), "extra_rows": len(ours) - sum(bool(g) for g in got),
    }  # fmt: skip
    out["differences"] = [
        {
            "item": r["item"],
            "try": r["try"],
            "fields": [k for k in ("order", "map", "user", "gold") if r[k] != g.get(k)],
        }
        for r, g in zip(asked, got)
        if any(r[k] != g.get(k) for k in ("order", "map", "user", "gold"))
    ][:shown]
    return out


MOTIVEBENCH_QUESTIONS = (  # (question key, options key, answer key, the name the prompt gives it)
    ("Motivation Reasoning Question", "Options 1", "Correct Answer 1", "Motivational Reasoning Question"),
    ("Behavior Reasoning Question", "Options 2", "Correct Answer 2", "Behavioral Reasoning Question"),
    ("Motivation and Behavior Reasoning Question", "Options 3", "Correct Answer 3",
     "Motivational and Behavioral Reasoning Question"),
)  # fmt: skip
MOTIVEBENCH_PROMPT = (
    "The following is a {name}. Based on the content of the given question, please infer the most "
    "likely answer and output the answer index.\n\n{question}\nOptions: {options}\n\n{ask}"
)
MOTIVEBENCH_ASK = {
    "official": "Please answer this multiple-choice question. The result can only return **one character without "
                "any other explanation**.",
    "official_cot": "Please first think step by step, conduct analysis on the answers to the questions, output the "
                    "reasoning process, and finally output the most likely option letter. **The last line of your "
                    "reply should only contain one character of your final choice.**",
}  # fmt: skip


def replay_motivebench(root: Path, subset: str, orders: list[list[int]], mode: str) -> list[dict[str, Any]]:
    """client_eval.py's load_questions_from_hf for every order of `orders`: one row per (ordering, question);
    `crash` where the script cannot build it (an unlabelled or missing option, an answer that is not one letter)."""
    with open(root / subset / f"{subset}_questions.json", encoding="utf-8-sig") as f:
        data = json.load(f)
    rows = []
    for k, order in enumerate(orders):
        for pos, item in enumerate(data):
            for qkey, okey, akey, name in MOTIVEBENCH_QUESTIONS:
                key = (k, str(item.get("idx", pos)), name)
                try:
                    moved = [item[okey][i - 1] for i in order]
                    shown = [f"{'ABCDEF'[i]}. {o.split('. ', 1)[1]}" for i, o in enumerate(moved)]
                    gold = "ABCDEF"[order.index(ord(item[akey]) - ord("A") + 1)]
                except (AttributeError, IndexError, KeyError, TypeError, ValueError):  # where the script crashes
                    rows.append({"key": key, "crash": True})
                    continue
                user = MOTIVEBENCH_PROMPT.format(
                    name=name, question=item[qkey], options=str(shown), ask=MOTIVEBENCH_ASK[mode]
                )
                rows.append({"key": key, "crash": False, "system": "You ara a helpful AI assistant.", "user": user,
                             "gold": gold})  # fmt: skip
    return rows


def compare_motivebench(root: Path, subset: str, mode: str = "official") -> dict[str, Any]:
    u = evals_module("motivebench")
    orders = [list(o) for o in u.ORDERINGS]
    names = {qtype: spec[3] for qtype, spec in u.QUESTIONS.items()}
    questions, _ = u.read_questions(root, subset)
    ours = {
        (d["ordering"], d["scenario"], names[d["question_type"]]): d
        for d in u.expand_docs(questions, len(orders), mode)
    }
    every = replay_motivebench(root, subset, orders, mode)
    replay = [r for r in every if not r["crash"]]
    got = [ours.get(r["key"]) for r in replay]
    return {
        "prompts": _counts([((r["system"], r["user"]), (g["system"], u.doc_to_text(g)) if g else None)
                            for r, g in zip(replay, got)]),
        "gold": _counts([(r["gold"], g["gold_letter"] if g else None) for r, g in zip(replay, got)]),
        "crash_rows": len(every) - len(replay),
    }  # fmt: skip


# Reply strings that take every branch of both official parsers.
TOMBENCH_REPLIES = ("[[A]]", "[[B]]", "[[C]]", "The answer is [[D]].", "[[B]] then [[A]]", "[A]", "[B]", "so [C]",
                    "[D]", "[B] or [[C]]", "Answer", "I pick B", "A or C", "Dd", "answer: b", "", "[[E]] none",
                    "[a]")  # fmt: skip
MOTIVEBENCH_REPLIES = ("A", "b", "C.", "'D'", '"E"', "**F**", "assistant\n\nA", "  sB ", "...", "", "*'", "ta",
                       "Reasoning...\nThe answer is C", "so **b**.", "final: e'", "assistant")  # fmt: skip


def replay_tombench_parse(text: str) -> str:
    """get_results.py extract_answer."""
    for wrapped in ("[[{}]]", "[{}]"):
        hit = [c for c in "ABCD" if wrapped.format(c) in text]
        if hit:
            return hit[0]
    last = [c for c in text if c in "ABCD"]
    return last[-1] if last else "A"


def replay_motivebench_parse(reply: str, cot: bool) -> str | None:
    """client_eval.py: the strip chain, then the first (CoT: last) character upper-cased; None where it crashes."""
    text = reply.strip("assistant\n\n").strip()  # noqa: B005 (client_eval.py's character-set strip)
    for chars in (".", "'", '"', "*", "*"):
        text = text.strip(chars)
    if not text:
        return None
    return (text[-1] if cot else text[0]).upper()


def compare_parsing() -> dict[str, Any]:
    tom, mb = evals_module("tombench"), evals_module("motivebench")
    return {
        "tombench": _counts([(replay_tombench_parse(r), tom.extract_answer(r)[0]) for r in TOMBENCH_REPLIES]),
        "motivebench_official": _counts([(replay_motivebench_parse(r, False), mb.official_answer(r))
                                         for r in MOTIVEBENCH_REPLIES]),
        "motivebench_official_cot": _counts([(replay_motivebench_parse(r, True), mb.official_answer(r, cot=True))
                                             for r in MOTIVEBENCH_REPLIES]),
    }  # fmt: skip


def run_parity(tombench: Path | None, motivebench: Path | None, out_dir: Path | None = None) -> dict[str, Any]:
    """Compare every benchmark whose folder is given and present; write out_dir/parity.json when out_dir is set."""
    report: dict[str, Any] = {"parsing": compare_parsing()}
    if tombench and Path(tombench).is_dir():
        report["tombench"] = {lang: compare_tombench(Path(tombench), lang) for lang in ("en", "zh")}
    else:
        report["tombench"] = {"not_run": f"no ToMBench folder ({tombench}); set eval.data.tombench"}
    if motivebench and Path(motivebench).is_dir():
        mb = evals_module("motivebench")
        report["motivebench"] = {mode: {s: compare_motivebench(Path(motivebench), s, mode) for s in mb.SUBSETS}
                                 for mode in ("official", "official_cot")}  # fmt: skip
    else:
        report["motivebench"] = {"not_run": f"no MotiveBench folder ({motivebench}); set eval.data.motivebench"}
    report["all_equal"] = all_equal(report)
    if out_dir is not None:
        state = git_state(["humanllm/bench/parity.py", "evals/tombench", "evals/motivebench"], untracked=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        sources = {
            "tombench": _fingerprint(tombench, "*.jsonl", "prompts.py"),
            "motivebench": _fingerprint(motivebench, "*_questions.json"),
        }
        write_json(
            out_dir / RESULT_FILE,
            {**report, "sources": sources, "commit": state and state[0], "uncommitted_changes": state and state[1]},
        )
    return report


def _fingerprint(root: Path | None, *patterns: str) -> dict[str, Any] | None:
    """The files compared (names relative to the folder) and one sha256 over them (the corpus pin's digest)."""
    if not root or not Path(root).is_dir():
        return None
    files = sorted({p for pat in patterns for p in Path(root).rglob(pat) if p.is_file()})
    return {
        "files": len(files),
        "sha256": fileset_digest((f.relative_to(root).as_posix(), f.read_bytes()) for f in files),
    }


def all_equal(report: Any) -> bool:
    """Every equal/total pair in the report is equal, and nothing is extra."""
    if isinstance(report, dict):
        if "equal" in report and "total" in report:
            return report["equal"] == report["total"]
        return (
            all(all_equal(v) for k, v in report.items() if k not in ("differences", "all_equal"))
            and report.get("extra_rows", 0) == 0
        )
    return True


def summary(report: dict[str, Any]) -> str:
    """One line per benchmark and language/subset: prompts, orders and gold equal/total."""
    lines = ["parsing: " + ", ".join(f"{k} {v['equal']}/{v['total']}" for k, v in report["parsing"].items())]
    for lang, r in report["tombench"].items():
        lines.append(
            f"tombench {lang}: "
            + (
                r
                if isinstance(r, str)
                else ", ".join(f"{k} {r[k]['equal']}/{r[k]['total']}" for k in ("prompts", "orders", "gold"))
            )
        )
    for mode, subsets in report["motivebench"].items():
        if isinstance(subsets, str):
            lines.append(f"motivebench: {subsets}")
            continue
        for subset, r in subsets.items():
            lines.append(
                f"motivebench {mode} {subset}: prompts {r['prompts']['equal']}/{r['prompts']['total']}, "
                f"gold {r['gold']['equal']}/{r['gold']['total']}"
            )
    return "\n".join(lines + [f"all equal: {report['all_equal']}"])
