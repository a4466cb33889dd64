"""MotiveBench (ACL 2025): load the official layout, expand option orderings, score.

Each scenario has three 6-option questions (motivation, behavior, both). Every question is asked
under K fixed option orderings (the identity first, then seeded permutations), as the official
scorer averages over orderings. Metrics: accuracy per subset x question type (mean and spread
over orderings) and the share of scenarios with all three right (per ordering, then averaged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.evaluate.benchmarks.errors import BenchmarkDataInvalid, missing_data
from humanllm.evaluate.benchmarks.result import summarize_units
from humanllm.evaluate.benchmarks.orderings import (
    LETTERS,
    fixed_orderings,
    index_of,
    permute,
    remap_gold,
    strip_label,
)

SUBSETS = ("Persona", "Amazon", "Blog")
HF_DATASET = "chicosirius/MotiveBench"
N_OPTIONS = 6
# question type -> (question key, options key, answer key) in the official JSON
QUESTION_KEYS = {
    "motivation": ("Motivation Reasoning Question", "Options 1", "Correct Answer 1"),
    "behavior": ("Behavior Reasoning Question", "Options 2", "Correct Answer 2"),
    "both": ("Motivation and Behavior Reasoning Question", "Options 3", "Correct Answer 3"),
}
_KIND = {
    "motivation": "Motivational Reasoning Question",
    "behavior": "Behavioral Reasoning Question",
    "both": "Motivational and Behavioral Reasoning Question",
}


@dataclass(frozen=True)
class MotiveQuestion:
    subset: str
    scenario: str  # the record's "idx"
    question_type: str  # motivation | behavior | both
    question: str
    options: tuple[str, ...]  # option texts without their "A. " labels
    gold: int  # index into options

    @property
    def item_id(self) -> str:
        return f"{self.subset}/{self.scenario}/{self.question_type}"


def resolve_data_dir(spec: str | Path | None) -> Path:
    """The local MotiveBench folder; 'hf:<repo>' downloads the HF dataset snapshot (online only)."""
    if spec is None:
        raise missing_data("motivebench", None)
    if str(spec).startswith("hf:"):
        from humanllm.evaluate.benchmarks.fetch import download_motivebench_snapshot

        return download_motivebench_snapshot(str(spec)[3:] or HF_DATASET)
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise missing_data("motivebench", spec)
    return path


def subset_file(data_dir: Path, subset: str) -> Path:
    return data_dir / subset / f"{subset}_questions.json"


def checked_data_dir(spec: str | Path | None, subsets: list[str]) -> Path:
    """The data folder, after checking every wanted subset file is there (fail fast, before a model runs)."""
    root = resolve_data_dir(spec)
    for subset in subsets:
        if not subset_file(root, subset).is_file():
            raise missing_data("motivebench", spec, f"no {subset}/{subset}_questions.json")
    return root


def _parse_record(rec: Any, subset: str, where: str) -> list[MotiveQuestion]:
    if not isinstance(rec, dict) or "idx" not in rec:
        raise BenchmarkDataInvalid(f"{where}: expected an object with an 'idx' key")
    out = []
    for qtype, (qkey, okey, akey) in QUESTION_KEYS.items():
        try:
            question, options, answer = rec[qkey], rec[okey], rec[akey]
        except KeyError as e:
            raise BenchmarkDataInvalid(f"{where} (idx {rec['idx']}): missing key {e.args[0]!r}") from None
        if not isinstance(options, list) or len(options) != N_OPTIONS:
            raise BenchmarkDataInvalid(f"{where} (idx {rec['idx']}): {okey!r} must list {N_OPTIONS} options")
        gold = index_of(str(answer))
        if gold >= N_OPTIONS:
            raise BenchmarkDataInvalid(f"{where} (idx {rec['idx']}): {akey!r} = {answer!r} is not A-F")
        opts = tuple(strip_label(str(o)) for o in options)
        out.append(MotiveQuestion(subset, str(rec["idx"]), qtype, str(question).strip(), opts, gold))
    return out


def load_questions(data_dir: str | Path | None, subset: str, limit: int | None = None) -> list[MotiveQuestion]:
    """Questions of one subset in file order (3 per scenario); `limit` caps scenarios."""
    root = resolve_data_dir(data_dir)
    if subset not in SUBSETS:
        raise ValueError(f"unknown MotiveBench subset {subset!r} (choose from {', '.join(SUBSETS)})")
    path = subset_file(root, subset)
    if not path.is_file():
        raise missing_data("motivebench", data_dir, f"no {path.relative_to(root)}")
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise BenchmarkDataInvalid(f"{path}: expected a JSON list of scenarios")
    records = records[:limit] if limit else records
    return [q for i, rec in enumerate(records) for q in _parse_record(rec, subset, f"{path}[{i}]")]


def expand_docs(questions: list[MotiveQuestion], orderings: int, seed: int = 0) -> list[dict]:
    """One lm-eval doc per question x ordering, with the options permuted and the gold remapped."""
    perms = fixed_orderings(N_OPTIONS, orderings, seed)
    docs = []
    for k, perm in enumerate(perms):
        for q in questions:
            gold = remap_gold(q.gold, perm)
            docs.append(
                {
                    "item_id": q.item_id,
                    "subset": q.subset,
                    "scenario": q.scenario,
                    "question_type": q.question_type,
                    "ordering": k,
                    "perm": list(perm),
                    "question": q.question,
                    "options": permute(q.options, perm),
                    "choices": list(LETTERS[:N_OPTIONS]),
                    "gold": gold,
                    "gold_letter": LETTERS[gold],
                }
            )
    return docs


def prompt(doc: dict) -> str:
    """The question, its lettered options and an instruction to answer with one letter."""
    options = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(doc["options"]))
    return (
        f"The following is a {_KIND[doc['question_type']]}. "
        "Based on the scenario, infer the most likely answer.\n\n"
        f"{doc['question']}\n\nOptions:\n{options}\n\n"
        "Answer with the letter of the correct option only.\nAnswer:"
    )


def lm_eval_dataset(subset: str, **metadata: Any):
    """`custom_dataset` for the lm-eval tasks: reads motivebench_dir/_orderings/_limit/_seed from metadata."""
    import datasets

    questions = load_questions(metadata.get("motivebench_dir"), subset, metadata.get("motivebench_limit"))
    orderings, seed = int(metadata.get("motivebench_orderings", 18)), int(metadata.get("motivebench_seed", 0))
    docs = expand_docs(questions, orderings, seed)
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def score_groups(items: pd.DataFrame) -> pd.DataFrame:
    """Per-response rows -> rows per summary group (subset, metric, question_type, unit_id, ordering, correct).

    accuracy units are questions; all_correct units are scenarios (all three right under one ordering).
    Pooled groups (subset 'all', question_type 'all') repeat the rows they pool.
    """
    acc = items.assign(metric="accuracy", unit_id=items["item_id"])[
        ["subset", "metric", "question_type", "unit_id", "ordering", "correct"]
    ]
    acc = pd.concat([acc, acc.assign(question_type="all")])
    scen = (
        items.groupby(["subset", "scenario", "ordering"], as_index=False)
        .agg(correct=("correct", "min"), n=("correct", "size"))
        .assign(metric="all_correct", question_type="all")
    )
    if (scen["n"] != len(QUESTION_KEYS)).any():
        raise ValueError("all_correct needs all three questions of each scenario under each ordering")
    scen["unit_id"] = scen["subset"] + "/" + scen["scenario"].astype(str)
    rows = pd.concat([acc, scen[acc.columns]], ignore_index=True)
    return pd.concat([rows, rows.assign(subset="all")], ignore_index=True)


GROUP_COLS = ["subset", "metric", "question_type"]


def summarize(
    items: pd.DataFrame, samples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, summary): unit scores (mean correct over orderings) and per-group metrics with
    spread over orderings (std with ddof=0, min, max) and a bootstrap CI over units."""
    rows = score_groups(items)
    units = rows.groupby(GROUP_COLS + ["unit_id"], as_index=False, sort=False)["correct"].mean()
    units = units.rename(columns={"correct": "score"})
    per_order = rows.groupby(GROUP_COLS + ["ordering"], sort=False)["correct"].mean()
    spread = per_order.groupby(level=GROUP_COLS, sort=False).agg(
        std=lambda s: float(s.std(ddof=0)), min="min", max="max", orderings="size"
    )
    summary = summarize_units(units, GROUP_COLS, samples, confidence, seed)
    summary = summary.merge(spread.reset_index(), on=GROUP_COLS, how="left")
    order = {
        "subset": [*SUBSETS, "all"],
        "metric": ["accuracy", "all_correct"],
        "question_type": [*QUESTION_KEYS, "all"],
    }
    summary = summary.sort_values(GROUP_COLS, key=lambda c: c.map(order[c.name].index), ignore_index=True)
    return units, summary
