"""ToMBench (ACL 2024): load the official data/*.jsonl files, shuffle options, majority-vote, score.

Each item is asked under N option shuffles (seeded per item); the model's answers are mapped back
to the original letters and the item counts as right when the majority vote is the gold letter
(ties go to the earliest shuffle, as in the authors' scorer). Accuracy per task file, per ability
string (the authors' grouping), per ability category (text before ':') and overall.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.evaluate.benchmarks.errors import BenchmarkDataInvalid, missing_data
from humanllm.evaluate.benchmarks.orderings import (
    LETTERS,
    index_of,
    item_shuffles,
    majority_vote,
    permute,
    remap_gold,
    strip_label,
)
from humanllm.evaluate.benchmarks.result import summarize_units

ABILITY_KEY = "能力\nABILITY"
INDEX_KEY = "序号\nINDEX"
ANSWER_KEY = "答案\nANSWER"
FIELDS = {  # language -> (story, question, option keys A-D)
    "en": ("STORY", "QUESTION", ("OPTION-A", "OPTION-B", "OPTION-C", "OPTION-D")),
    "zh": ("故事", "问题", ("选项A", "选项B", "选项C", "选项D")),
}
_TEXT = {  # language -> (instruction, story / question / options headers, closing request)
    "en": (
        "Below is a story, a question about it and candidate answers. "
        "Based on the story, choose the most likely answer.",
        "[Story]",
        "[Question]",
        "[Candidate Answers]",
        "Answer with the letter of the correct option only.\nAnswer:",
    ),
    "zh": (
        "下面是一段故事、一个问题和若干答案选项。请根据故事内容选出最可能的答案。",
        "[故事]",
        "[问题]",
        "[答案选项]",
        "请只输出正确选项的字母。\n答案：",
    ),
}


@dataclass(frozen=True)
class ToMItem:
    task: str  # the file's stem, e.g. "False Belief Task"
    line: int  # 1-based line in the file ("序号\nINDEX" repeats within a file)
    index: int | None
    ability: str
    language: str
    story: str
    question: str
    options: tuple[str, ...]  # 2 or 4 option texts without labels
    gold: int

    @property
    def item_id(self) -> str:
        return f"{self.task}/{self.line}"

    @property
    def ability_category(self) -> str:
        return self.ability.split(":", 1)[0].strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() in {"", "nan", "NaN"}


def data_files(data_dir: str | Path | None) -> list[Path]:
    """The *.jsonl files of a ToMBench checkout (its data/ folder) or of a folder of them."""
    if data_dir is None:
        raise missing_data("tombench", None)
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise missing_data("tombench", data_dir)
    folder = root / "data" if (root / "data").is_dir() else root
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise missing_data("tombench", data_dir, f"no *.jsonl files in {folder}")
    return files


def parse_record(rec: dict, task: str, line: int, language: str) -> ToMItem:
    """One JSONL record in one language; unused options are null or NaN in the official files."""
    if language not in FIELDS:
        raise ValueError(f"unknown ToMBench language {language!r} (choose en or zh)")
    story_key, question_key, option_keys = FIELDS[language]
    where = f"{task}.jsonl:{line}"
    missing = [k for k in (ABILITY_KEY, ANSWER_KEY, story_key, question_key, *option_keys[:2]) if k not in rec]
    if missing:
        raise BenchmarkDataInvalid(f"{where}: missing keys {missing}")
    present = [not _is_blank(rec.get(k)) for k in option_keys]
    n = sum(present)
    if n < 2 or present != [True] * n + [False] * (len(option_keys) - n):  # blanks only at the end
        raise BenchmarkDataInvalid(f"{where}: expected options A, B[, C, D] in {language}, got {present}")
    options = [strip_label(str(rec[k])) for k in option_keys[:n]]
    gold = index_of(str(rec[ANSWER_KEY]))
    if gold >= len(options):
        raise BenchmarkDataInvalid(f"{where}: answer {rec[ANSWER_KEY]!r} but only {len(options)} options")
    index = rec.get(INDEX_KEY)
    return ToMItem(
        task=task,
        line=line,
        index=None if _is_blank(index) else int(index),
        ability=" ".join(str(rec[ABILITY_KEY]).split()),
        language=language,
        story=str(rec[story_key]).strip(),
        question=str(rec[question_key]).strip(),
        options=tuple(options),
        gold=gold,
    )


def load_items(data_dir: str | Path | None, language: str, limit: int | None = None) -> list[ToMItem]:
    """All items of every file in one language; `limit` caps items per file."""
    items = []
    for path in data_files(data_dir):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for line, text in enumerate(lines[:limit] if limit else lines, 1):
            try:
                rec = json.loads(text)  # Python's json reads the NaN the official files contain
            except json.JSONDecodeError as e:
                raise BenchmarkDataInvalid(f"{path}:{line}: invalid JSON ({e.msg})") from None
            items.append(parse_record(rec, path.stem, line, language))
    return items


def expand_docs(items: list[ToMItem], shuffles: int, seed: int = 0) -> list[dict]:
    """One lm-eval doc per item x shuffle; gold is the displayed index, orig_gold the file's letter."""
    docs = []
    for it in items:
        for k, perm in enumerate(item_shuffles(len(it.options), shuffles, f"{it.language}:{it.item_id}", seed)):
            gold = remap_gold(it.gold, perm)
            docs.append(
                {
                    "item_id": it.item_id,
                    "language": it.language,
                    "task": it.task,
                    "ability": it.ability,
                    "ability_category": it.ability_category,
                    "shuffle": k,
                    "perm": list(perm),
                    "story": it.story,
                    "question": it.question,
                    "options": permute(it.options, perm),
                    "choices": list(LETTERS[: len(it.options)]),
                    "gold": gold,
                    "gold_letter": LETTERS[gold],
                    "orig_gold_letter": LETTERS[it.gold],
                }
            )
    return docs


def prompt(doc: dict) -> str:
    intro, story, question, answers, ask = _TEXT[doc["language"]]
    options = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(doc["options"]))
    return f"{intro}\n\n{story}\n{doc['story']}\n\n{question}\n{doc['question']}\n\n{answers}\n{options}\n\n{ask}"


def lm_eval_dataset(language: str, **metadata: Any):
    """`custom_dataset` for the lm-eval tasks: reads tombench_dir/_shuffles/_limit/_seed from metadata."""
    import datasets

    items = load_items(metadata.get("tombench_dir"), language, metadata.get("tombench_limit"))
    docs = expand_docs(items, int(metadata.get("tombench_shuffles", 5)), int(metadata.get("tombench_seed", 0)))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def votes(items: pd.DataFrame) -> pd.DataFrame:
    """Per-response rows (pred_orig = predicted original letter or None) -> one row per item with its vote."""
    keys = ["language", "item_id", "task", "ability", "ability_category", "orig_gold_letter"]
    ordered = items.sort_values("shuffle")
    out = ordered.groupby(keys, sort=False, dropna=False)["pred_orig"].agg(
        lambda s: majority_vote([None if _is_blank(p) else p for p in s])
    )
    out = out.rename("vote").reset_index()
    out["correct"] = (out["vote"] == out["orig_gold_letter"]).astype(int)
    return out


GROUP_COLS = ["language", "level", "group"]


def _levels(df: pd.DataFrame) -> pd.DataFrame:
    """Repeat rows once per summary level: by task file, ability, ability category, and all items."""
    levels = ("task", "ability", "ability_category")
    parts = [df.assign(level=lvl, group=df[lvl]) for lvl in levels] + [df.assign(level="all", group="all")]
    return pd.concat(parts, ignore_index=True)


def summarize(
    items: pd.DataFrame, samples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, summary): majority-vote correctness per item and per-group accuracy with a bootstrap CI,
    plus `shuffle_accuracy` (mean over single responses, no vote) for reference."""
    voted = votes(items).rename(columns={"item_id": "unit_id", "correct": "score"})
    units = _levels(voted)[GROUP_COLS + ["unit_id", "score"]]
    single = _levels(items).groupby(GROUP_COLS, sort=False)["correct"].mean().rename("shuffle_accuracy")
    summary = summarize_units(units, GROUP_COLS, samples, confidence, seed)
    summary = summary.merge(single.reset_index(), on=GROUP_COLS, how="left")
    levels = ["task", "ability", "ability_category", "all"]
    summary = summary.sort_values(
        GROUP_COLS, key=lambda col: col.map(levels.index) if col.name == "level" else col, ignore_index=True
    )
    return units, summary
