"""A throwaway benchmark added from files alone (issue #24): evals/toybench/ (an lm-eval YAML + utils.py) and
one module, in a temporary folder, named in HUMANLLM_PLUGINS (a .py path). It gets a config section and a data
folder, is in the eval stage's key, is scored through lm-eval on the tiny random model, and lands in the
report's group it declares. Runs in a subprocess: the eval config is built from the registry at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

YAML = """\
task: toybench_mc
dataset_path: ""
custom_dataset: !function utils.load_dataset
test_split: test
output_type: multiple_choice
doc_to_text: "{{question}} Answer:"
doc_to_choice: choices
doc_to_target: gold
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""

UTILS = """\
import json
from pathlib import Path


def read(data_dir, limit=None):
    rows = [json.loads(line) for line in (Path(data_dir) / "items.jsonl").read_text().splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def load_dataset(**metadata):
    import datasets

    return datasets.DatasetDict({"test": datasets.Dataset.from_list(read(metadata["toybench_dir"], metadata.get("toybench_limit")))})
"""

MODULE = """\
import json
from pathlib import Path

import pandas as pd

from humanllm.eval.benchmarks.registry import Benchmark, register
from humanllm.eval.benchmarks.result import summarize_units
from humanllm.schema import StrictModel


class ToyBenchConfig(StrictModel):
    enabled: bool = False
    limit: int | None = None


@register
class ToyBench(Benchmark):
    name = "toybench"
    settings = ToyBenchConfig
    layout = "items.jsonl (question, choices, gold)"
    table_group = "social"
    evals_path = Path(__file__).parent / "evals" / "toybench"
    group_cols = ["group"]

    def check_data(self, e):
        return []

    def tasks(self, e):
        return ["toybench_mc"]

    def metadata(self, e, seed):
        return {"toybench_dir": str(self.require_data(e)), "toybench_limit": self.config(e).limit}

    def rows(self, doc, resps):
        lls = [float(r[0]) for r in resps]
        pred = max(range(len(lls)), key=lls.__getitem__)
        return {"item_id": doc["id"], "correct": int(pred == doc["gold"]), "response": json.dumps(lls)}

    def summarize(self, items, bootstrap):
        units = items.assign(group="all", unit_id=items["item_id"], score=items["correct"].astype(float))
        units = units[["group", "unit_id", "score"]]
        return units, summarize_units(units, self.group_cols, bootstrap.samples, bootstrap.confidence, bootstrap.seed)
"""

SCRIPT = """\
import json, sys
from pathlib import Path

import pandas as pd
from lm_eval.models.huggingface import HFLM
from transformers import AutoModelForCausalLM, AutoTokenizer

from humanllm.config import load_config
from humanllm.eval.benchmarks import benchmarks, preflight, run_benchmark
from humanllm.eval.benchmarks.errors import BenchmarkDataMissing
from humanllm.eval.stage import eval_stage_config
from humanllm.eval.social import flatten
from humanllm.report.tables import benchmark_table, delta_group

data, model_dir, out = sys.argv[1:4]
over = ["model=tiny-random", "eval=indomain", "eval.toybench.enabled=true", f"eval.data.toybench={data}"]
cfg = load_config(over)
key = eval_stage_config(cfg)
other = eval_stage_config(load_config([*over, "eval.toybench.limit=2"]))
bench = benchmarks()["toybench"]
try:
    bench.require_data(load_config([*over[:-1], f"eval.data.toybench={data}/absent"]).eval)
    missing = ""
except BenchmarkDataMissing as err:
    missing = str(err)
lm = HFLM(pretrained=AutoModelForCausalLM.from_pretrained(model_dir), tokenizer=AutoTokenizer.from_pretrained(model_dir),
          batch_size=4, device="cpu")
preflight(cfg.eval)
result = run_benchmark(bench, lm, cfg.eval, Path(out), apply_chat_template=False, seed=cfg.seed)
scores, items = flatten(result)
long = pd.DataFrame([{"suite": k.split("/")[0], "task": k.split("/")[1], "metric": k.split("/")[2], "value": v,
                      "low": None, "high": None, "model": "base"} for k, v in scores.items()])
from humanllm.codeid import code_identity
utils = bench.evals_folder() / "utils.py"
code_before, data_code = code_identity("humanllm.eval.stage"), code_identity("humanllm.data.build")
merge_code = code_identity("humanllm.merge.stage")
utils.write_text(utils.read_text() + chr(10) + "# an edit" + chr(10))
code_identity.cache_clear()
print(json.dumps({
    "code_moves": code_before != code_identity("humanllm.eval.stage"),
    "data_code_stays": data_code == code_identity("humanllm.data.build"),
    "merge_code_stays": merge_code == code_identity("humanllm.merge.stage"),
    "default_enabled": load_config(["model=tiny-random"]).eval.toybench.enabled,
    "key": json.dumps(key, sort_keys=True, default=str), "other_key": json.dumps(other, sort_keys=True, default=str),
    "scores": scores, "n_items": len(items), "lm_eval_rows": len(result.items),
    "group": delta_group("toybench"), "table_benchmarks": sorted(set(benchmark_table(long, ["base"])["benchmark"])),
    "missing": missing,
}))
"""


def write_plugin(root: Path, broken: str = "") -> Path:
    evals = root / "evals" / "toybench"
    evals.mkdir(parents=True)
    (evals / "toybench_mc.yaml").write_text(YAML)
    (evals / "utils.py").write_text(UTILS)
    (root / "toybench.py").write_text(MODULE.replace('table_group = "social"', broken) if broken else MODULE)
    data = root / "data"
    data.mkdir()
    items = [
        {"id": f"q{i}", "question": f"Which number is {i}?", "choices": [str(i), str(i + 1), str(i + 2)], "gold": i % 3}
        for i in range(6)
    ]
    (data / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    return data


def run_plugin(tmp_path: Path, tiny_model_dir: Path, broken: str = "") -> subprocess.CompletedProcess:
    data = write_plugin(tmp_path / "plugin", broken)
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "HUMANLLM_PLUGINS": str(tmp_path / "plugin" / "toybench.py")}
    return subprocess.run(
        [sys.executable, str(script), str(data), str(tiny_model_dir), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_a_benchmark_from_files_alone_is_configured_keyed_scored_and_reported(tmp_path, tiny_model_dir):
    proc = run_plugin(tmp_path, tiny_model_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["default_enabled"] is False  # its section, with its model's defaults, without any YAML
    assert '"toybench"' in got["key"] and got["key"] != got["other_key"]  # its settings are in the eval key
    assert (
        got["code_moves"] and got["data_code_stays"] and got["merge_code_stays"]
    )  # and its files in the eval stage's code identity
    assert got["lm_eval_rows"] == 6 and got["n_items"] == 6  # every item scored through lm-eval
    assert set(got["scores"]) == {"toybench/all/accuracy"} and 0 <= got["scores"]["toybench/all/accuracy"] <= 1
    assert got["group"] == "social benchmarks" and got["table_benchmarks"] == ["toybench"]
    assert "eval.data.toybench" in got["missing"] and "items.jsonl (question, choices, gold)" in got["missing"]
    assert "no download" in got["missing"]


def test_a_benchmark_that_does_not_declare_its_facts_is_refused(tmp_path, tiny_model_dir):
    bad = run_plugin(tmp_path, tiny_model_dir, broken="# no table_group")
    assert bad.returncode != 0 and "does not declare `table_group`" in bad.stderr
