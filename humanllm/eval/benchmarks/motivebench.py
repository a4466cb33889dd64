"""MotiveBench (ACL 2025) in the registry: data check, fetch, summary with CIs, contamination text.

Loading, prompts, the 18 official orderings and the official answer parsing live in evals/motivebench/utils.py
(shared with lm-eval). `mode=official` generates and parses as client_eval.py does, `official_cot` as its
--cot, `parse_llm` as its --parse_mode (the `llm` endpoint reads the letter out of each reply, here, after
lm-eval generated); `mode=loglikelihood` scores the option letters. `extra_modes` run beside `mode`: every
row carries its protocol, and the protocol heads the summary groups. Summary metrics per subset x question type: accuracy (mean over orderings, with
the spread over orderings), all_orderings_correct (a question right under every ordering) and, per scenario,
all_three_correct (its three questions right under one ordering, averaged over orderings: the official
"accuracy of all questions").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import Field, model_validator

from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.benchmarks.fetch import fetch_motivebench
from humanllm.eval.benchmarks.registry import Benchmark, register
from humanllm.eval.benchmarks.result import summarize_units
from humanllm.eval.contamination import BenchmarkText
from humanllm.llm import LLMRequest
from humanllm.schema import StrictModel

MotiveBenchMode = Literal["official", "official_cot", "parse_llm", "loglikelihood"]


class MotiveBenchConfig(StrictModel):
    """official: client_eval.py's prompt, generation and parsing; official_cot: its --cot prompt and last-character
    rule; parse_llm: its --parse_mode (the `llm` endpoint reads the letter out of the reply); loglikelihood: option
    letters scored. `extra_modes` run beside `mode` (their scores' groups start with the mode's name)."""

    enabled: bool = False
    subsets: list[Literal["Persona", "Amazon", "Blog"]] = Field(default_factory=lambda: ["Persona", "Amazon", "Blog"])
    orderings: int = Field(18, gt=0, le=18)  # the first k of the 18 official fixed orderings
    mode: MotiveBenchMode = "official"
    extra_modes: list[MotiveBenchMode] = Field(default_factory=list)
    parse_max_tokens: int = Field(256, gt=0)  # parse_llm: the parser's reply budget (client_eval.py: 256)
    limit: int | None = Field(None, gt=0)  # scenarios per subset

    @model_validator(mode="after")
    def _distinct_modes(self) -> MotiveBenchConfig:
        modes = [self.mode, *self.extra_modes]
        if len(set(modes)) != len(modes):
            raise ValueError(
                f"eval.motivebench.extra_modes repeats a mode ({modes}); list each mode once, "
                "without eval.motivebench.mode"
            )
        return self

    @property
    def modes(self) -> list[str]:
        return [self.mode, *self.extra_modes]


def hooks() -> Any:
    return evals_module("motivebench")


def subset_file(data_dir: Path, subset: str) -> Path:
    return hooks().subset_file(data_dir, subset)


def score_groups(items: pd.DataFrame) -> pd.DataFrame:
    """Per-response rows -> unit rows (subset, metric, question_type, unit_id, ordering, correct); pooled
    groups (subset 'all', question_type 'all') repeat the rows they pool."""
    cols = ["protocol", "subset", "metric", "question_type", "unit_id", "ordering", "correct"]
    acc = items.assign(metric="accuracy", unit_id=items["item_id"])[cols]
    every = (
        items.groupby(["protocol", "subset", "question_type", "item_id"], as_index=False)["correct"]
        .min()
        .assign(metric="all_orderings_correct", ordering=-1)
        .rename(columns={"item_id": "unit_id"})
    )[cols]
    per_q = pd.concat([acc, every])
    per_q = pd.concat([per_q, per_q.assign(question_type="all")])
    scen = (
        items.groupby(["protocol", "subset", "scenario", "ordering"], as_index=False)["correct"]
        .min()
        .assign(metric="all_three_correct", question_type="all")
    )
    scen["unit_id"] = scen["subset"] + "/" + scen["scenario"].astype(str)
    rows = pd.concat([per_q, scen[cols]], ignore_index=True)
    return pd.concat([rows, rows.assign(subset="all")], ignore_index=True)


@register
class MotiveBench(Benchmark):
    name = "motivebench"
    settings = MotiveBenchConfig
    layout = "Persona/, Amazon/, Blog/ each with <Subset>_questions.json"
    table_group = "social"
    fetch_command = "benchmarks"
    order = 10
    group_cols: ClassVar[list[str]] = ["protocol", "subset", "metric", "question_type"]
    protocol_col = "protocol"
    checks_contamination = True  # Amazon and Blog come from the same raw sources as our training data
    contamination_settings = ("subsets",)
    headline_metrics = ("accuracy", "all_orderings_correct", "all_three_correct")

    def require_data(self, e: Any) -> Path:
        root = super().require_data(e)
        for subset in self.config(e).subsets:
            if not subset_file(root, subset).is_file():
                raise self.missing(root, f"no {subset}/{subset}_questions.json")
        return root

    def check_data(self, e: Any) -> list[dict[str, Any]]:
        root, c = self.require_data(e), self.config(e)
        issues: list[dict[str, Any]] = []
        for subset in c.subsets:
            questions, found = hooks().read_questions(root, subset, c.limit)
            issues += found
            if not questions:
                issues.append({"file": f"{subset}_questions.json", "line": 0, "what": "no usable questions",
                               "action": "subset scores nothing"})  # fmt: skip
        return issues

    def tasks(self, e: Any) -> list[str]:
        c = self.config(e)
        return [f"motivebench_{s.lower()}{'' if m == 'loglikelihood' else '_' + m}" for m in c.modes for s in c.subsets]

    def source_note(self, e: Any) -> str:
        c = self.config(e)
        beside = f"; beside it {', '.join(c.extra_modes)} (groups starting with that name)" if c.extra_modes else ""
        return f"{self.name}: protocol {c.mode}{beside}"

    def metadata(self, e: Any, seed: int) -> dict[str, Any]:
        c = self.config(e)
        return {"motivebench_dir": str(self.require_data(e)), "motivebench_orderings": c.orderings,
                "motivebench_limit": c.limit}  # fmt: skip

    def rows(self, doc: dict, resps: Any) -> dict[str, Any]:
        pred, raw = hooks().prediction(doc, resps)
        keep = ("item_id", "protocol", "subset", "scenario", "question_type", "ordering", "gold_letter")
        return {**{k: doc[k] for k in keep}, "pred": pred, "parsed": pred is not None,
                "correct": int(pred == doc["gold_letter"]), "response": raw}  # fmt: skip

    def needs_llm(self, e: Any) -> bool:
        return "parse_llm" in self.config(e).modes

    def unread_settings(self, e: Any) -> set[str]:
        return set() if self.needs_llm(e) else {"parse_max_tokens"}

    def reparse(self, items: pd.DataFrame, e: Any, llm: Any) -> pd.DataFrame:
        """parse_llm rows: the `llm` endpoint reads the letter out of each reply (client_eval.py --parse_mode:
        its parse prompt as the system message, the reply after the official 'assistant' strip as the user's,
        the answer's first character upper-cased; an empty answer is unparsed)."""
        rows = items.index[items["protocol"] == "parse_llm"]
        if len(rows) == 0:
            return items
        if llm is None:
            raise ValueError("eval.motivebench parse_llm needs the `llm` endpoint; none was given to the run")
        u, budget = hooks(), self.config(e).parse_max_tokens
        requests = [LLMRequest(f"parse-{i}", [{"role": "system", "content": u.PARSE_SYSTEM},
                                              {"role": "user", "content": u.parse_input(items.at[i, "response"])}],
                               max_tokens=budget, temperature=0.0) for i in rows]  # fmt: skip
        out = items.copy()
        for i, res in zip(rows, llm.run(requests, progress=False, stage="motivebench_parse")):
            text = str(res.value).strip() if res.ok and res.value is not None else ""
            out.at[i, "pred"] = text[0].upper() if text else None
            out.at[i, "parsed"] = bool(text)
            out.at[i, "correct"] = int(out.at[i, "pred"] == out.at[i, "gold_letter"])
        return out

    def summarize(self, items: pd.DataFrame, bootstrap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(units, summary): per-unit scores and per-group estimates with a bootstrap CI over units and the
        spread of accuracy over orderings (std ddof=0 as np.var in client_eval.py, min, max)."""
        rows = score_groups(items)
        units = rows.groupby(self.group_cols + ["unit_id"], as_index=False, sort=False)["correct"].mean()
        units = units.rename(columns={"correct": "score"})
        # all_orderings_correct is the one right/wrong unit: a guesser passes it with (1/6)^orderings, which the
        # flips' chance-corrected rate reads as that many equally likely "options"
        every = units["metric"] == "all_orderings_correct"
        units["n_choices"] = (len(hooks().LETTERS) ** items["ordering"].nunique()) if every.any() else None
        units.loc[~every, "n_choices"] = None
        per_order = rows[rows.ordering >= 0].groupby(self.group_cols + ["ordering"], sort=False)["correct"].mean()
        spread = per_order.groupby(level=self.group_cols, sort=False).agg(
            std=lambda s: float(s.std(ddof=0)), min="min", max="max", orderings="size"
        )
        summary = summarize_units(units, self.group_cols, bootstrap.samples, bootstrap.confidence, bootstrap.seed)
        summary = summary.merge(spread.reset_index(), on=self.group_cols, how="left")
        return units, summary

    def contamination_texts(self, e: Any) -> list[BenchmarkText]:
        root, out = self.require_data(e), []
        for subset in self.config(e).subsets:
            for q in hooks().read_questions(root, subset)[0]:
                out.append(BenchmarkText(self.name, subset, q["item_id"], "\n".join([q["question"], *q["options"]])))
        return out

    def fetch(self, dest: Path) -> Path:
        return fetch_motivebench(dest)
