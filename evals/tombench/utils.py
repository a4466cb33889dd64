"""ToMBench (ACL 2024) for lm-eval: the official data/*.jsonl files read as they are, the official protocol.

Standalone (imports nothing from humanllm), so `lm_eval --include_path evals/tombench` works alone.
Official protocol (github zhchen18/ToMBench run_huggingface.py + get_results.py), byte for byte
(mode "official"): one language per run, each item asked under 5 option shuffles drawn from one
random.Random(42) stream (files in name order, items in file order); 4 options when the item's zh option C
is set, else 2, in both languages; each option with its own "X. " removed wherever it occurs (the script's
`.replace("A. ", "")`), story and question as written; system prompt asking for [[X]], greedy decoding; the
reply is parsed by the official rule ([[A]]..[[D]], then [A]..[D], then the last capital A-D; nothing found
counts as "A"), mapped back to the first option letter with the shown text, and the item is right when the
majority vote (first seen wins ties) equals the answer field as written.
Mode "clean" asks the same way with our reading: each language with its own options, any leading label
("A. x", "A.x", "A:x") stripped, answers "A", "A." or "A. " read as the letter. Log-likelihood mode shows
the clean items under the same stream and scores the option letters.
Read-time quirks (each reported as file:line by `read_items`): NaN/null unused options, labels written
"A. x", "A.x", "A:x" or none, answers written "A", "A." or "A. ", extra keys, zh/en option counts that differ.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

LETTERS = "ABCD"
ABILITY_KEY, INDEX_KEY, ANSWER_KEY = "能力\nABILITY", "序号\nINDEX", "答案\nANSWER"
FIELDS = {  # language -> (story, question, option keys A-D)
    "en": ("STORY", "QUESTION", ("OPTION-A", "OPTION-B", "OPTION-C", "OPTION-D")),
    "zh": ("故事", "问题", ("选项A", "选项B", "选项C", "选项D")),
}
KNOWN_KEYS = {ABILITY_KEY, INDEX_KEY, ANSWER_KEY} | {k for s, q, o in FIELDS.values() for k in (s, q, *o)}
OFFICIAL_SEED = 42
MODES = ("official", "clean", "loglikelihood")
ZH_OPTION_C = "选项C"  # the official script decides 2 vs 4 options from this field, for both languages
SYSTEM = {  # prompts.py, verbatim (typos included)
    "zh": """下面给你提供一段故事，一个问题和若干答案选项，请你根据故事内容和给定的问题，按照常理推测，选择一个最可能的答案选项，并输出答案序号。
注意：
（1）请只输出最可能的答案序号，格式为：[[答案序号]]，例如，最可能的答案选项为“A. 手提包”，则输出“[[A]]”；
（2）请必须从给定的答案选项“A、B、C、D”中选择一个做为最可能的答案作为输出，无论故事中是否提供足够的信息，如果你认为故事里没有足够的信息选出答案，请随机输出“[[A]]”，“[[B]]”，“[[C]]”，“[[D]]”其中之一；
（3）请只输出在给定的信息下最可能的答案序号，不要输出其他内容。""",
    "en": """Below is a multiple-choice question with a story and serveral answer options. Based on the content of the story and the given question, please infer the most likely answer and output the answer index.
Note:
(1) Please only output the most likely answer index in the format: [[Answer Index]], for example, if the most likely answer option is 'A. Handbag', then output '[[A]]';
(2) You must choose one of the given answer options 'A, B, C, D' as the most likely answer, regardless of whether the story provides enough information. If you think there is not enough information in the story to choose an answer, please randomly output one of "[[A]]", "[[B]]", "[[C]]", or "[[D]]";
(3) Please only output the most likely answer index based on the given information, and do not output any other content.""",
}  # fmt: skip
HEADERS = {"en": ("[Story]", "[Question]", "[Candidate Answers]"), "zh": ("[故事]", "[问题]", "[答案选项]")}
LL_ASK = {"en": "Answer with the letter of the correct option only.\nAnswer:", "zh": "请只输出正确选项的字母。\n答案："}
_ANSWER = re.compile(r"^\s*([A-Da-d])\s*[.．:：、)]?\s*$")


def issue(file: str, line: int, what: str, action: str) -> dict[str, Any]:
    """One data problem as reported by the pre-flight: `file:line: what, action`."""
    return {"file": file, "line": line, "what": what, "action": action}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def strip_label(text: str, letter: str) -> str:
    """Drop a leading 'A. ' / 'A.' / 'A:' / 'A：' / 'A、' label when it is this option's own letter."""
    return re.sub(rf"^\s*{letter}\s*[.．:：、)]\s*", "", text, count=1).strip()


def answer_letter(raw: Any) -> str | None:
    """The gold letter of an answer field written 'A', 'A.', 'A. ' or 'a'; None when it is none of them."""
    m = _ANSWER.match(str(raw)) if isinstance(raw, str) else None
    return m.group(1).upper() if m else None


def data_files(data_dir: str | Path | None) -> list[Path]:
    """The *.jsonl files of a ToMBench checkout (its data/ folder) or of a folder of them, in name order."""
    if not data_dir:
        raise FileNotFoundError("tombench data folder not set (metadata tombench_dir / eval.data.tombench)")
    root = Path(data_dir).expanduser()
    folder = root / "data" if (root / "data").is_dir() else root
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(f"tombench: no *.jsonl files in {folder} (expected a ToMBench checkout or its data/)")
    return files


def _options(rec: dict, language: str, where: tuple[str, int], issues: list) -> list[str] | None:
    keys = FIELDS[language][2]
    present = [not is_blank(rec.get(k)) for k in keys]
    n = sum(present)
    if n < 2 or present != [True] * n + [False] * (4 - n):
        issues.append(issue(*where, f"{language} options present {present} (need A, B[, C, D])", "excluded"))
        return None
    return [strip_label(str(rec[k]), LETTERS[i]) for i, k in enumerate(keys[:n])]


def parse_item(rec: Any, file: str, line: int, language: str) -> tuple[dict | None, list[dict]]:
    """One record in one language -> (item or None when excluded, issues found)."""
    issues: list[dict] = []
    where = (file, line)
    story_key, question_key, _ = FIELDS[language]
    if not isinstance(rec, dict):
        return None, [issue(*where, "not a JSON object", "excluded")]
    missing = [k for k in (story_key, question_key, ANSWER_KEY) if is_blank(rec.get(k))]
    if missing:
        return None, [issue(*where, f"{language}: missing or empty {missing}", "excluded")]
    options = _options(rec, language, where, issues)
    if options is None:
        return None, issues
    gold = answer_letter(rec[ANSWER_KEY])
    if gold is None or LETTERS.index(gold) >= len(options):
        return None, [issue(*where, f"answer {rec[ANSWER_KEY]!r} is not one of {LETTERS[: len(options)]}", "excluded")]
    if rec[ANSWER_KEY] != gold:
        issues.append(issue(*where, f"answer written {rec[ANSWER_KEY]!r}", f"read as {gold!r}"))
    other = "zh" if language == "en" else "en"
    n_other = sum(not is_blank(rec.get(k)) for k in FIELDS[other][2])
    if n_other != len(options):
        issues.append(
            issue(
                *where,
                f"{language} has {len(options)} options, {other} {n_other}",
                f"{language} asked with its own {len(options)}",
            )
        )
    index = rec.get(INDEX_KEY)
    item = {
        "item_id": f"{file}:{line}", "task": file.removesuffix(".jsonl"), "line": line, "language": language,
        "index": None if is_blank(index) else str(index),
        "ability": " ".join(str(rec.get(ABILITY_KEY, "")).split()),
        "story": str(rec[story_key]).strip(), "question": str(rec[question_key]).strip(),
        "options": options, "gold": LETTERS.index(gold),
    }  # fmt: skip
    return item, issues


def is_unset(value: Any) -> bool:
    """JSON null or the bare NaN token: what the official script's `!= None` test means by an unused option
    (it tests None only and would crash on NaN; NaN marks the same unused options in the release)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def official_item(rec: Any, file: str, line: int, language: str) -> tuple[dict | None, list[dict]]:
    """One record as run_huggingface.py asks it -> (item, issues). The item's `asked` is False where the script
    would crash (a shown option that is not text): it still draws its shuffles, so later items keep their order."""
    where = (file, line)
    if not isinstance(rec, dict):
        return None, [issue(*where, "not a JSON object", "excluded (draws nothing)")]
    n = 2 if is_unset(rec.get(ZH_OPTION_C)) else 4
    story_key, question_key, keys = FIELDS[language]
    raw = [rec.get(k) for k in keys[:n]]
    issues: list[dict] = []
    asked = all(isinstance(v, str) for v in raw) and all(k in rec for k in (story_key, question_key, ANSWER_KEY))
    if not asked:
        issues.append(
            issue(
                *where,
                f"{language}: a shown option, story, question or answer is missing (the official script would crash)",
                "not asked; its shuffles are drawn",
            )
        )
    n_own = sum(not is_unset(rec.get(k)) for k in keys)
    if asked and n_own != n:
        issues.append(
            issue(*where, f"{language} has {n_own} options, zh option C decides {n}", f"asked with {n} (official rule)")
        )
    answer = rec.get(ANSWER_KEY)
    if asked and answer not in LETTERS[:n]:
        issues.append(issue(*where, f"answer written {answer!r}", "compared as written (get_results.py): never right"))
    index = rec.get(INDEX_KEY)
    item = {
        "item_id": f"{file}:{line}", "task": file.removesuffix(".jsonl"), "line": line, "language": language,
        "index": None if is_blank(index) else str(index),
        "ability": " ".join(str(rec.get(ABILITY_KEY, "")).split()),
        "story": str(rec.get(story_key)), "question": str(rec.get(question_key)),
        "options": [v.replace(f"{LETTERS[i]}. ", "") if isinstance(v, str) else "" for i, v in enumerate(raw)],
        "answer": str(answer), "asked": asked,
    }  # fmt: skip
    return item, issues


def read_items(
    data_dir: str | Path | None, language: str, limit: int | None = None, mode: str = "clean"
) -> tuple[list[dict], list[dict]]:
    """(items, issues) of every file in one language; `limit` caps records per file. Never raises on a bad item.
    `mode="official"` reads as run_huggingface.py does (`official_item`), any other mode our clean way."""
    if mode not in MODES:
        raise ValueError(f"unknown ToMBench mode {mode!r} (choose one of {', '.join(MODES)})")
    parse = official_item if mode == "official" else parse_item
    if language not in FIELDS:
        raise ValueError(f"unknown ToMBench language {language!r} (choose en or zh)")
    items, issues = [], []
    for path in data_files(data_dir):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        extra: dict[str, list[int]] = {}
        taken = 0
        for line, text in enumerate(lines, 1):
            if not text.strip():
                continue
            if limit and taken >= limit:
                break
            taken += 1
            try:
                rec = json.loads(text)  # Python's json reads the bare NaN the official files contain
            except json.JSONDecodeError as e:
                issues.append(issue(path.name, line, f"invalid JSON ({e.msg})", "excluded"))
                continue
            for key in set(rec) - KNOWN_KEYS if isinstance(rec, dict) else ():
                extra.setdefault(key, []).append(line)
            item, found = parse(rec, path.name, line, language)
            issues += found
            if item is not None:
                items.append(item)
        for key, where in extra.items():
            issues.append(issue(path.name, where[0], f"extra key {key!r} (in {len(where)} records)", "ignored"))
    return items, issues


def official_permutations(items: list[dict], shuffles: int, seed: int = OFFICIAL_SEED) -> list[list[list[int]]]:
    """Per item, `shuffles` display orders from one random.Random(seed) stream in file/item order, as the
    official script draws them (random.shuffle of the option list; shuffling indices draws the same)."""
    rng = random.Random(seed)
    out = []
    for it in items:
        perms = []
        for _ in range(shuffles):
            perm = list(range(len(it["options"])))
            rng.shuffle(perm)
            perms.append(perm)
        out.append(perms)
    return out


def letter_map(options: list[str], perm: list[int], official: bool) -> list[str]:
    """Shown letter A-D -> the file's letter ("" where nothing is shown). Officially the first option whose text
    equals the shown text (two equal options both map to the first); cleanly the shuffled position."""
    shown = [options[i] for i in perm]
    mapped = [LETTERS[options.index(t)] if official else LETTERS[i] for t, i in zip(shown, perm)]
    return mapped + [""] * (len(LETTERS) - len(shown))


def expand_docs(items: list[dict], shuffles: int, seed: int, mode: str) -> list[dict]:
    """One lm-eval doc per asked item x shuffle: options in display order, `map` from shown letter to the
    file's letter, the gold as the official comparison sees it (the answer field as written, in official mode)."""
    docs = []
    official = mode == "official"
    for it, perms in zip(items, official_permutations(items, shuffles, seed)):
        if not it.get("asked", True):
            continue
        gold = it["answer"] if official else LETTERS[it["gold"]]
        for k, perm in enumerate(perms):
            mapped = letter_map(it["options"], perm, official)
            shown_gold = mapped.index(gold) if gold in mapped else -1
            docs.append({**{c: it[c] for c in ("item_id", "task", "language", "ability", "index")},
                         "shuffle": k, "perm": perm, "map": mapped, "story": it["story"],
                         "question": it["question"], "options": [it["options"][i] for i in perm],
                         "choices": list(LETTERS[:len(perm)]), "gold": shown_gold,
                         "gold_letter": LETTERS[shown_gold] if shown_gold >= 0 else "", "orig_gold_letter": gold,
                         "system": SYSTEM[it["language"]] if mode != "loglikelihood" else ""})  # fmt: skip
    return docs


def doc_to_text(doc: dict) -> str:
    """The official user prompt (UserEvaluatePrompt{2,4}Choices); log-likelihood mode asks for the letter."""
    story, question, answers = HEADERS[doc["language"]]
    options = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(doc["options"]))
    text = f"{story}\n{doc['story']}\n\n{question}\n{doc['question']}\n\n{answers}\n{options}"
    return text if doc["system"] else f"{text}\n\n{LL_ASK[doc['language']]}"


def extract_answer(text: str) -> tuple[str, bool]:
    """(displayed letter, parsed?) by get_results.py's rule; a reply with no letter counts as 'A'."""
    for pattern in ("[[{}]]", "[{}]"):
        for letter in LETTERS:
            if pattern.format(letter) in text:
                return letter, True
    for ch in reversed(text):
        if ch in LETTERS:
            return ch, True
    return "A", False


def prediction(doc: dict, resps: Any) -> tuple[str, bool, str]:
    """(original letter or '' when the shown letter has no option, parsed?, raw reply) of one response.
    Log-likelihood responses are [(loglik, greedy), ...] per choice; generations are text."""
    if isinstance(resps, (list, tuple)) and resps and isinstance(resps[0], (list, tuple)):
        lls = [float(r[0]) for r in resps]
        shown, parsed, raw = LETTERS[max(range(len(lls)), key=lls.__getitem__)], True, json.dumps(lls)
    else:
        raw = str(resps[0] if isinstance(resps, (list, tuple)) else resps)
        shown, parsed = extract_answer(raw)
    return doc["map"][LETTERS.index(shown)], parsed, raw


def process_results(doc: dict, results: list) -> dict[str, Any]:
    pred, parsed, _ = prediction(doc, results)
    vote = (doc["item_id"], doc["shuffle"], pred, doc["orig_gold_letter"])
    return {"acc": float(pred == doc["orig_gold_letter"]), "unparsed": float(not parsed), "vote_acc": vote}


def majority_vote(predictions: list[str]) -> str:
    """get_results.py's most_common_element: the most frequent prediction, the first seen on a tie."""
    counts = Counter(predictions)
    return max(counts, key=counts.__getitem__)  # Counter keeps first-seen order; max keeps the first maximum


def vote_accuracy(votes: list[tuple]) -> float:
    """lm-eval aggregation: share of items whose majority vote over their shuffles is the gold letter."""
    by_item: dict[str, list[tuple]] = {}
    for item_id, shuffle, pred, gold in votes:
        by_item.setdefault(item_id, []).append((shuffle, pred, gold))
    right = [majority_vote([p for _, p, _ in sorted(v)]) == v[0][2] for v in by_item.values()]
    return sum(right) / len(right) if right else float("nan")


def load_dataset(language: str, mode: str = "loglikelihood", **metadata: Any):
    """`custom_dataset`: metadata tombench_dir, tombench_shuffles (5), tombench_limit, tombench_seed (42)."""
    import datasets

    items, _ = read_items(metadata.get("tombench_dir"), language, metadata.get("tombench_limit"), mode)
    seed = int(metadata.get("tombench_seed", OFFICIAL_SEED))
    docs = expand_docs(items, int(metadata.get("tombench_shuffles", 5)), seed, mode)
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})
