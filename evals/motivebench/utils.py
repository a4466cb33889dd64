"""MotiveBench (ACL 2025) for lm-eval: the official <Subset>/<Subset>_questions.json files, the official protocol.

Standalone (imports nothing from humanllm), so `lm_eval --include_path evals/motivebench` works alone.
Official protocol (MotiveBench/client_eval.py in github microsoft/AnthropomorphicIntelligence; the first
release in chicosirius/MotiveBench used the first 6 of these orderings): every question under the 18 fixed
option orderings, the official prompt (options as a Python list string, "one character" instruction, system
prompt "You ara a helpful AI assistant."), greedy decoding with repetition penalty 1.05, and the reply's
first character after the official strip chain is the answer. Reported: mean accuracy, the share of
scenarios with all three questions right (per ordering, averaged: the official "all questions"), and
the share of questions right under every ordering. Log-likelihood mode scores the option letters instead.
Mode official_cot asks with the official CoT prompt (`--cot`) and takes the reply's last character after
the same strip chain; parse_llm asks the plain prompt and leaves the letter to an LLM that reads the reply
(`--parse_mode`; the harness calls it after generation, see humanllm/eval/benchmarks/motivebench.py).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

SUBSETS = ("Persona", "Amazon", "Blog")
LETTERS = "ABCDEF"
QUESTIONS = {  # question type -> (question key, options key, answer key, the prompt's name for it)
    "motivation": ("Motivation Reasoning Question", "Options 1", "Correct Answer 1", "Motivational Reasoning Question"),
    "behavior": ("Behavior Reasoning Question", "Options 2", "Correct Answer 2", "Behavioral Reasoning Question"),
    "both": ("Motivation and Behavior Reasoning Question", "Options 3", "Correct Answer 3",
             "Motivational and Behavioral Reasoning Question"),
}  # fmt: skip
ORDERINGS = (  # client_eval.py order_list, 1-based option positions
    (1, 2, 3, 4, 5, 6), (6, 5, 4, 3, 2, 1), (3, 1, 6, 5, 4, 2), (2, 3, 5, 6, 1, 4), (5, 4, 1, 2, 6, 3), (4, 6, 2, 1, 3, 5),
    (1, 4, 3, 2, 5, 6), (2, 5, 4, 3, 6, 1), (3, 1, 2, 5, 4, 6), (2, 3, 5, 4, 1, 6), (3, 4, 1, 2, 6, 5), (5, 6, 2, 1, 3, 4),
    (1, 3, 2, 4, 5, 6), (6, 5, 4, 2, 3, 1), (3, 1, 5, 6, 4, 2), (2, 3, 6, 5, 1, 4), (5, 4, 1, 6, 2, 3), (4, 2, 6, 1, 3, 5),
)  # fmt: skip
SYSTEM = "You ara a helpful AI assistant."  # verbatim
MODES = ("official", "official_cot", "parse_llm", "loglikelihood")
ASK = {  # the prompt's last paragraph per mode (client_eval.py, verbatim)
    "plain": "Please answer this multiple-choice question. The result can only return **one character without any "
             "other explanation**.",
    "cot": "Please first think step by step, conduct analysis on the answers to the questions, output the reasoning "
           "process, and finally output the most likely option letter. **The last line of your reply should only "
           "contain one character of your final choice.**",
}  # fmt: skip
PARSE_SYSTEM = (
    "Extract the letters of the option from the given text and return only ONE letter as the answer. "
    "The answer can only return **one character without any other explanation**."
)  # --parse_mode
LL_ASK = "Answer with the letter of the correct option only.\nAnswer:"
_ANSWER = re.compile(r"^\s*([A-Fa-f])\s*[.．:：、)]?\s*$")


def issue(file: str, line: int, what: str, action: str) -> dict[str, Any]:
    return {"file": file, "line": line, "what": what, "action": action}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def strip_label(text: str, letter: str) -> str:
    return re.sub(rf"^\s*{letter}\s*[.．:：、)]\s*", "", text, count=1).strip()


def subset_file(data_dir: str | Path, subset: str) -> Path:
    return Path(data_dir).expanduser() / subset / f"{subset}_questions.json"


def _record_lines(text: str) -> list[int]:
    """1-based line where each top-level object of a JSON list starts (for file:line reports)."""
    lines, depth, line, in_str, esc = [], 0, 1, False, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth == 2:
                lines.append(line)
        elif ch in "]}":
            depth -= 1
    return lines


def parse_record(rec: Any, file: str, line: int) -> tuple[list[dict], list[dict]]:
    """One scenario -> (its valid questions, issues). A bad question is excluded, never the whole file."""
    if not isinstance(rec, dict):
        return [], [issue(file, line, "not a JSON object", "scenario excluded")]
    scenario = str(rec.get("idx", line))
    subset = file.split("_questions")[0]
    out, issues = [], []
    for qtype, (qkey, okey, akey, _) in QUESTIONS.items():
        question, options, raw = rec.get(qkey), rec.get(okey), rec.get(akey)
        if is_blank(question) or not isinstance(options, list):
            issues.append(issue(file, line, f"{qtype}: missing {qkey!r} or {okey!r}", "question excluded"))
            continue
        if len(options) != len(LETTERS) or any(is_blank(o) for o in options):
            issues.append(
                issue(
                    file,
                    line,
                    f"{qtype}: {okey!r} has {sum(not is_blank(o) for o in options)} usable "
                    f"options, the orderings need {len(LETTERS)}",
                    "question excluded",
                )
            )
            continue
        m = _ANSWER.match(raw) if isinstance(raw, str) else None
        if m is None:
            issues.append(issue(file, line, f"{qtype}: answer {raw!r} is not A-F", "question excluded"))
            continue
        gold = m.group(1).upper()
        if raw != gold:
            issues.append(issue(file, line, f"{qtype}: answer written {raw!r}", f"read as {gold!r}"))
        texts = [strip_label(str(o), LETTERS[i]) for i, o in enumerate(options)]
        out.append({"item_id": f"{subset}/{scenario}/{qtype}", "subset": subset, "scenario": scenario,
                    "question_type": qtype, "question": str(question).strip(), "options": texts,
                    "gold": LETTERS.index(gold)})  # fmt: skip
    return out, issues


def read_questions(data_dir: str | Path | None, subset: str, limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """(questions, issues) of one subset in file order; `limit` caps scenarios. A missing file raises."""
    if not data_dir:
        raise FileNotFoundError("motivebench data folder not set (metadata motivebench_dir / eval.data.motivebench)")
    path = subset_file(data_dir, subset)
    if not path.is_file():
        raise FileNotFoundError(
            f"motivebench: no {path} (expected Persona/, Amazon/, Blog/ with <Subset>_questions.json)"
        )
    text = path.read_text(encoding="utf-8-sig")
    try:
        records = json.loads(text)
    except json.JSONDecodeError as e:
        return [], [issue(path.name, e.lineno, f"invalid JSON ({e.msg})", "file excluded")]
    if not isinstance(records, list):
        return [], [issue(path.name, 1, "not a JSON list of scenarios", "file excluded")]
    starts = _record_lines(text)
    questions, issues = [], []
    for i, rec in enumerate(records[:limit] if limit else records):
        q, found = parse_record(rec, path.name, starts[i] if i < len(starts) else 0)
        questions += q
        issues += found
    return questions, issues


def expand_docs(questions: list[dict], orderings: int, mode: str) -> list[dict]:
    """One doc per ordering x question (the official loop order); shown option j is original order[j]-1."""
    if mode not in MODES:
        raise ValueError(f"unknown MotiveBench mode {mode!r} (choose one of {', '.join(MODES)})")
    if not 0 < orderings <= len(ORDERINGS):
        raise ValueError(f"motivebench orderings must be 1..{len(ORDERINGS)} (the official fixed orderings)")
    docs = []
    for k, order in enumerate(ORDERINGS[:orderings]):
        perm = [i - 1 for i in order]
        for q in questions:
            gold = perm.index(q["gold"])
            docs.append({**{c: q[c] for c in ("item_id", "subset", "scenario", "question_type", "question")},
                         "ordering": k, "perm": perm, "options": [q["options"][i] for i in perm],
                         "choices": list(LETTERS), "gold": gold, "gold_letter": LETTERS[gold],
                         "system": SYSTEM if mode != "loglikelihood" else "", "cot": mode == "official_cot",
                         "protocol": mode})  # fmt: skip
    return docs


def doc_to_text(doc: dict) -> str:
    """client_eval.py's prompt (its CoT prompt in official_cot); log-likelihood mode asks for the letter after it."""
    shown = str([f"{LETTERS[i]}. {o}" for i, o in enumerate(doc["options"])])
    name = QUESTIONS[doc["question_type"]][3]
    text = (
        f"The following is a {name}. Based on the content of the given question, please infer the most likely "
        f"answer and output the answer index.\n\n{doc['question']}\nOptions: {shown}\n\n"
        f"{ASK['cot' if doc.get('cot') else 'plain']}"
    )
    return text if doc["system"] else f"{text}\n\n{LL_ASK}"


def parse_input(reply: str) -> str:
    """What --parse_mode hands its parser: the reply after client_eval.py's `.strip('assistant\\n\\n').strip()`."""
    return reply.strip("assistant\n\n").strip()  # noqa: B005 (the official script's character-set strip)


def official_answer(reply: str, cot: bool = False) -> str | None:
    """client_eval.py: reply.strip('assistant\\n\\n').strip().strip('.').strip("'").strip('"').strip('*')
    .strip('*')[0].upper() ([-1] with --cot); None where the official script would crash (nothing left)."""
    text = reply.strip("assistant\n\n").strip().strip(".")  # noqa: B005 (as the official script)
    text = text.strip("'").strip('"').strip("*").strip("*")
    return (text[-1] if cot else text[0]).upper() if text else None


def prediction(doc: dict, resps: Any) -> tuple[str | None, str]:
    """(shown letter or None, raw reply) of one response (log-likelihoods per letter, or generated text)."""
    if isinstance(resps, (list, tuple)) and resps and isinstance(resps[0], (list, tuple)):
        lls = [float(r[0]) for r in resps]
        return LETTERS[max(range(len(lls)), key=lls.__getitem__)], json.dumps(lls)
    raw = str(resps[0] if isinstance(resps, (list, tuple)) else resps)
    return official_answer(raw, bool(doc.get("cot"))), raw


def process_results(doc: dict, results: list) -> dict[str, Any]:
    pred, _ = prediction(doc, results)
    right = pred == doc["gold_letter"]
    return {"acc": float(right), "unparsed": float(pred is None),
            "all_orderings_correct": (doc["item_id"], right),
            "all_three_correct": (f"{doc['subset']}/{doc['scenario']}", doc["ordering"], right)}  # fmt: skip


def all_orderings_correct(pairs: list[tuple]) -> float:
    """lm-eval aggregation: share of questions answered right under every ordering."""
    ok: dict[str, bool] = {}
    for item_id, right in pairs:
        ok[item_id] = ok.get(item_id, True) and bool(right)
    return sum(ok.values()) / len(ok) if ok else float("nan")


def all_three_correct(triples: list[tuple]) -> float:
    """lm-eval aggregation: share of (scenario, ordering) with all its questions right (the official
    'accuracy of all questions', averaged over orderings)."""
    ok: dict[tuple, bool] = {}
    for scenario, ordering, right in triples:
        ok[(scenario, ordering)] = ok.get((scenario, ordering), True) and bool(right)
    return sum(ok.values()) / len(ok) if ok else float("nan")


def load_dataset(subset: str, mode: str = "loglikelihood", **metadata: Any):
    """`custom_dataset`: metadata motivebench_dir, motivebench_orderings (18), motivebench_limit (scenarios)."""
    import datasets

    questions, _ = read_questions(metadata.get("motivebench_dir"), subset, metadata.get("motivebench_limit"))
    docs = expand_docs(questions, int(metadata.get("motivebench_orderings", len(ORDERINGS))), mode)
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})
