"""BIG-bench offline: task.json files (plain and with subtasks) as lm-eval multiple-choice tasks, the seeded
item cap, per-task accuracy with CIs and the task-mean, and extraction from the PyPI source package layout."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest

from humanllm.eval.benchmarks import benchmarks, run_benchmark
from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.benchmarks.general_sources import extract_bigbench
from humanllm.eval.config import EvalConfig

BB = evals_module("bigbench")


def write_bigbench(root: Path) -> Path:
    """Two tasks in BIG-bench's layout: 'navigate' with examples, 'logical_deduction' only in subtasks."""
    nav = {"name": "navigate", "task_prefix": "Do you return to the start?",
           "examples": [{"input": f"Take {i} steps. Turn around. Take {i} steps.",
                         "target_scores": {"True": int(i % 3 != 0), "False": int(i % 3 == 0)}} for i in range(40)]
           + [{"input": "free text", "target": "no scores"}]}  # fmt: skip
    (root / "navigate").mkdir(parents=True)
    (root / "navigate" / "task.json").write_text(json.dumps(nav))
    (root / "logical_deduction").mkdir()
    (root / "logical_deduction" / "task.json").write_text(json.dumps({"name": "logical_deduction", "subtasks": []}))
    for sub, n in (("three_objects", 3), ("five_objects", 5)):
        spec = {"name": sub, "append_choices_to_input": True, "examples": [
            {"input": f"Puzzle {sub} {i}.", "target_scores": {f"obj{k}": int(k == i % n) for k in range(n)}}
            for i in range(6)]}  # fmt: skip
        (root / "logical_deduction" / sub).mkdir()
        (root / "logical_deduction" / sub / "task.json").write_text(json.dumps(spec))
    return root


def eval_cfg(root: Path, **bigbench) -> EvalConfig:
    return EvalConfig.model_validate({"name": "t", "bootstrap": {"samples": 200}, "data": {"bigbench": str(root)},
                                      "bigbench": {"enabled": True, "tasks": ["navigate", "logical_deduction"],
                                                   **bigbench}})  # fmt: skip


def test_task_files_become_multiple_choice_docs(tmp_path):
    root = write_bigbench(tmp_path / "bb")
    docs, issues = BB.read_examples(root, "navigate")
    assert len(docs) == 40 and issues[0]["what"] == "1 examples without target_scores"
    assert docs[3]["context"] == (
        "Do you return to the start?\nQ: Take 3 steps. Turn around. Take 3 steps.\n  choice: True\n  choice: False\nA: "
    )  # BIG-bench's JSON-task defaults
    assert docs[3]["choices"] == ["True", "False"] and docs[3]["gold"] == 1
    sub, _ = BB.read_examples(root, "logical_deduction")
    assert len(sub) == 12 and sub[0]["item_id"] == "logical_deduction/five_objects/0"  # subtasks in name order
    assert "\n  choice: obj0" in sub[0]["context"] and sub[0]["context"].endswith("\nA: ")
    capped = BB.capped(docs, 10, seed=1)
    assert len(capped) == 10 and capped == BB.capped(docs, 10, seed=1) and capped != BB.capped(docs, 10, seed=2)
    assert [d["item_id"] for d in capped] == sorted(
        (d["item_id"] for d in capped), key=lambda s: int(s.rsplit("/", 1)[1])
    )


def _oracle(wrong: bool):
    from lm_eval.api.model import LM

    class Oracle(LM):
        def __init__(self, gold):
            super().__init__()
            self.gold = gold

        def loglikelihood(self, requests):
            out = []
            for r in requests:
                ok = self.gold[r.args[0]] == r.args[1]
                out.append((0.0 if ok != wrong else -3.0, False))
            return out

        def generate_until(self, requests):
            raise NotImplementedError

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

    return Oracle


@pytest.mark.parametrize("wrong", [False, True])
def test_suite_scores_through_lm_eval_with_cis(tmp_path, wrong):
    root = write_bigbench(tmp_path / "bb")
    gold = {}
    for task in ("navigate", "logical_deduction"):
        for d in BB.read_examples(root, task)[0]:
            gold[d["context"]] = d["choices"][d["gold"]]
    lm = _oracle(wrong)(gold)
    e = eval_cfg(root, limit=10)
    res = run_benchmark(benchmarks()["bigbench"], lm, e, tmp_path / "out", apply_chat_template=False)
    per_task = res.summary.set_index("task")
    assert per_task.loc["navigate", "n"] == 10 and per_task.loc["logical_deduction", "n"] == 10
    expected = 0.0 if wrong else 1.0
    assert (res.summary["estimate"] == expected).all()
    assert res.lm_eval["bigbench_navigate"]["acc,none"] == expected


def test_task_mean_ci_covers_the_unweighted_mean(tmp_path):
    import pandas as pd

    from humanllm.eval.config import BootstrapConfig

    items = pd.DataFrame({"item_id": [f"a/{i}" for i in range(10)] + [f"b/{i}" for i in range(40)],
                          "bb_task": ["a"] * 10 + ["b"] * 40, "correct": [1] * 10 + [0, 1] * 20})  # fmt: skip
    _units, summary = benchmarks()["bigbench"].summarize(items, BootstrapConfig(samples=300))
    pooled = summary.set_index("task").loc["all"]
    assert pooled["estimate"] == pytest.approx((1.0 + 0.5) / 2)  # tasks weigh equally, not items
    assert pooled["ci_low"] < pooled["estimate"] < pooled["ci_high"] <= 1.0


def test_extract_tasks_from_the_source_package_layout(tmp_path):
    sdist = tmp_path / "bigbench-1.0.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for name, text in {"bigbench-1.0.0/bigbench/benchmark_tasks/navigate/task.json": "{}",
                           "bigbench-1.0.0/bigbench/benchmark_tasks/logical_deduction/three_objects/task.json": "{}",
                           "bigbench-1.0.0/bigbench/benchmark_tasks/navigate/README.md": "x",
                           "bigbench-1.0.0/setup.py": ""}.items():  # fmt: skip
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert extract_bigbench(sdist, tmp_path / "tasks", None) == ["logical_deduction", "navigate"]
    assert sorted(str(p.relative_to(tmp_path / "tasks")) for p in (tmp_path / "tasks").rglob("*")) == [
        "logical_deduction",
        "logical_deduction/three_objects",
        "logical_deduction/three_objects/task.json",
        "navigate",
        "navigate/task.json",
    ]
    assert extract_bigbench(sdist, tmp_path / "only", ["logical_deduction"]) == ["logical_deduction"]
    assert [str(p.relative_to(tmp_path / "only")) for p in (tmp_path / "only").rglob("task.json")] == [
        "logical_deduction/three_objects/task.json"
    ]


def test_only_requested_task_files_identify_the_data(tmp_path):
    root = write_bigbench(tmp_path / "bb")
    files = benchmarks()["bigbench"].data_files(eval_cfg(root, tasks=["logical_deduction"]))
    assert [str(p.relative_to(root)) for p in files] == [
        "logical_deduction/five_objects/task.json",
        "logical_deduction/task.json",
        "logical_deduction/three_objects/task.json",
    ]


def test_missing_task_names_the_config_key_and_the_fetch(tmp_path):
    from humanllm.eval.benchmarks import BenchmarkDataMissing, preflight

    root = write_bigbench(tmp_path / "bb")
    with pytest.raises(
        BenchmarkDataMissing, match=r"eval.data.bigbench.*no task.json for snarks.*humanllm fetch general"
    ):
        preflight(eval_cfg(root, tasks=["navigate", "snarks"]))
    assert re.search("excluded", preflight(eval_cfg(root)).text())
