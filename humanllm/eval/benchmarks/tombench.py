"""ToMBench (ACL 2024) in the registry: data check, fetch, majority-vote summary with CIs, contamination text.

Loading, the official prompts, the 5 official shuffles (random.Random(42)), the official [[X]] parsing
and the vote rule live in evals/tombench/utils.py (shared with lm-eval). An item is right when the majority
vote of its shuffles (first seen wins a tie; replies without a letter count as 'A', as get_results.py does)
is the gold letter. Accuracy per task file, ability string, ability category (text before ':') and overall,
per language; `shuffle_accuracy` (single responses, no vote) and `unparsed` (share of replies with no
letter) beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import Field

from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.benchmarks.fetch import fetch_tombench
from humanllm.eval.benchmarks.registry import Benchmark, register
from humanllm.eval.benchmarks.result import summarize_units
from humanllm.eval.contamination import BenchmarkText
from humanllm.schema import StrictModel

LEVELS = ("task", "ability", "ability_category")


class ToMBenchConfig(StrictModel):
    """official: run_huggingface.py + get_results.py byte for byte (zh-decided option count, `.replace("A. ", "")`
    labels, the answer field compared as written); clean: the same prompt, stream and parsing with our reading
    (each language's own options, labels stripped, answers read as letters); loglikelihood: letters scored."""

    enabled: bool = False
    languages: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en", "zh"])
    shuffles: int = Field(5, gt=0)
    seed: int = 42  # the official shuffle seed
    mode: Literal["official", "clean", "loglikelihood"] = "official"
    limit: int | None = Field(None, gt=0)  # items per file


def hooks() -> Any:
    return evals_module("tombench")


def votes(items: pd.DataFrame) -> pd.DataFrame:
    """Per-response rows -> one row per item with its official majority vote and correctness."""
    keys = ["language", "item_id", "task", "ability", "ability_category", "orig_gold_letter", "n_choices"]
    ordered = items.sort_values("shuffle", kind="stable")
    out = ordered.groupby(keys, sort=False)["pred_orig"].agg(lambda s: hooks().majority_vote(list(s)))
    out = out.rename("vote").reset_index()
    out["correct"] = (out["vote"] == out["orig_gold_letter"]).astype(int)
    return out


def _levels(df: pd.DataFrame) -> pd.DataFrame:
    parts = [df.assign(level=lvl, group=df[lvl]) for lvl in LEVELS] + [df.assign(level="all", group="all")]
    return pd.concat(parts, ignore_index=True)


@register
class ToMBench(Benchmark):
    name = "tombench"
    settings = ToMBenchConfig
    layout = "data/*.jsonl or the *.jsonl files themselves (github.com/zhchen18/ToMBench)"
    table_group = "social"
    fetch_command = "benchmarks"
    order = 20
    group_cols: ClassVar[list[str]] = ["language", "level", "group"]
    checks_contamination = True
    contamination_settings = ("languages",)

    def require_data(self, e: Any) -> Path:
        root = super().require_data(e)
        try:
            hooks().data_files(root)
        except FileNotFoundError as err:
            raise self.missing(root, str(err)) from None
        return root

    def check_data(self, e: Any) -> list[dict[str, Any]]:
        root, c = self.require_data(e), self.config(e)
        issues: list[dict[str, Any]] = []
        for lang in c.languages:
            for found in hooks().read_items(root, lang, c.limit, c.mode)[1]:
                if found not in issues:  # language-independent issues (answer, extra key) once
                    issues.append(found)
        return issues

    def tasks(self, e: Any) -> list[str]:
        c = self.config(e)
        return [f"tombench_{lang}{'' if c.mode == 'loglikelihood' else '_' + c.mode}" for lang in c.languages]

    def source_note(self, e: Any) -> str:
        return f"{self.name}: protocol {self.config(e).mode}"

    def metadata(self, e: Any, seed: int) -> dict[str, Any]:
        c = self.config(e)
        return {"tombench_dir": str(self.require_data(e)), "tombench_shuffles": c.shuffles,
                "tombench_limit": c.limit, "tombench_seed": c.seed}  # fmt: skip

    def rows(self, doc: dict, resps: Any) -> dict[str, Any]:
        pred_orig, parsed, raw = hooks().prediction(doc, resps)
        keep = ("item_id", "language", "task", "ability", "shuffle", "gold_letter", "orig_gold_letter")
        return {**{k: doc[k] for k in keep}, "ability_category": doc["ability"].split(":", 1)[0].strip(),
                "pred_orig": pred_orig, "parsed": parsed, "correct": int(pred_orig == doc["orig_gold_letter"]),
                "n_choices": len(doc["choices"]),
                "response": raw}  # fmt: skip

    def summarize(self, items: pd.DataFrame, bootstrap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        voted = votes(items).rename(columns={"item_id": "unit_id", "correct": "score"})
        units = _levels(voted)[self.group_cols + ["unit_id", "score", "n_choices"]]
        single = (
            _levels(items)
            .groupby(self.group_cols, sort=False)
            .agg(shuffle_accuracy=("correct", "mean"), unparsed=("parsed", lambda s: float(1 - s.mean())))
        )
        summary = summarize_units(units, self.group_cols, bootstrap.samples, bootstrap.confidence, bootstrap.seed)
        return units, summary.merge(single.reset_index(), on=self.group_cols, how="left")

    def contamination_texts(self, e: Any) -> list[BenchmarkText]:
        root, out = self.require_data(e), []
        for lang in self.config(e).languages:
            for it in hooks().read_items(root, lang)[0]:
                text = "\n".join([it["story"], it["question"], *it["options"]])
                out.append(BenchmarkText(self.name, it["task"], f"{lang}:{it['item_id']}", text))
        return out

    def fetch(self, dest: Path) -> Path:
        return fetch_tombench(dest)
