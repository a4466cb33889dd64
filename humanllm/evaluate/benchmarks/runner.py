"""Run MotiveBench / ToMBench through lm-eval on an already-loaded LM and score the logged samples.

    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=8)
    result = run_motivebench(lm, cfg.eval.motivebench, cfg.eval.data.motivebench, out_dir, apply_chat_template=True)

Raises BenchmarkDataMissing (naming eval.data.<benchmark>) before any model call when the data is absent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from humanllm.evaluate.benchmarks import motivebench, tombench
from humanllm.evaluate.benchmarks.orderings import LETTERS, original_index, parse_answer_letter
from humanllm.evaluate.benchmarks.result import BenchmarkResult
from humanllm.evaluate.config import BootstrapConfig, MotiveBenchConfig, ToMBenchConfig
from humanllm.paths import evals_dir


def run_tasks(
    lm: Any,
    tasks: list[str],
    include_path: Path,
    metadata: dict[str, Any],
    apply_chat_template: bool,
    seed: int = 0,
) -> dict:
    """lm-eval `simple_evaluate` on our YAML tasks only, with samples logged.

    Data settings travel as TaskManager metadata: lm-eval passes them to each task's `custom_dataset`
    (simple_evaluate's own `metadata` argument is ignored when a TaskManager is given).
    """
    import lm_eval
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(include_path), include_defaults=False, metadata=metadata)
    out = lm_eval.simple_evaluate(
        model=lm,
        tasks=tasks,
        task_manager=manager,
        apply_chat_template=apply_chat_template,
        log_samples=True,
        bootstrap_iters=0,  # CIs come from our bootstrap over items, not lm-eval's per-doc stderr
        random_seed=seed,
        numpy_random_seed=seed,
        torch_random_seed=seed,
        fewshot_random_seed=seed,
    )
    if out is None:  # non-zero rank in a distributed run
        raise RuntimeError("lm-eval returned no results on this rank")
    return out


def _prediction(sample: dict, mode: str) -> tuple[int | None, str]:
    """(displayed option index or None, raw response) of one lm-eval sample."""
    n = len(sample["doc"]["choices"])
    if mode == "loglikelihood":
        lls = [float(r[0]) for r in sample["filtered_resps"]]
        return max(range(n), key=lambda i: lls[i]), json.dumps([round(x, 4) for x in lls])
    resp = sample["filtered_resps"]
    text = str(resp[0] if isinstance(resp, list) else resp)
    pred = parse_answer_letter(text, n)
    return (None if pred is None else LETTERS.index(pred)), text


def sample_rows(samples: list[dict], mode: str, keep: list[str]) -> list[dict]:
    """Per-response rows: the doc fields in `keep`, predicted letter (displayed), correct, response."""
    rows = []
    for s in samples:
        doc = s["doc"]
        pred, response = _prediction(s, mode)
        row = {k: doc[k] for k in keep}
        row["pred"] = None if pred is None else LETTERS[pred]
        row["correct"] = int(pred == doc["gold"])
        row["response"] = response
        if "orig_gold_letter" in doc:  # ToMBench votes on original letters
            row["pred_orig"] = None if pred is None else LETTERS[original_index(pred, tuple(doc["perm"]))]
        rows.append(row)
    return rows


def _run(
    benchmark: ModuleType,
    lm: Any,
    tasks: list[str],
    metadata: dict[str, Any],
    keep: list[str],
    config: dict[str, Any],
    out_dir: str | Path,
    apply_chat_template: bool,
    bootstrap: BootstrapConfig,
    include_path: Path | None,
) -> BenchmarkResult:
    """Evaluate, turn logged samples into per-response rows, summarize with CIs, save."""
    name = benchmark.__name__.rsplit(".", 1)[-1]
    start = time.time()
    out = run_tasks(lm, tasks, include_path or evals_dir() / name, metadata, apply_chat_template, config["seed"])
    items = pd.DataFrame([r for t in tasks for r in sample_rows(out["samples"][t], config["mode"], keep)])
    units, summary = benchmark.summarize(items, bootstrap.samples, bootstrap.confidence, bootstrap.seed)
    config = {**config, "apply_chat_template": apply_chat_template, "seconds": round(time.time() - start, 2)}
    lm_eval_scores = {
        task: {k: v for k, v in res.items() if isinstance(v, (int, float, str))} for task, res in out["results"].items()
    }
    result = BenchmarkResult(name, items, units, summary, benchmark.GROUP_COLS, config, lm_eval_scores)
    result.save(out_dir)
    return result


def run_motivebench(
    lm: Any,
    cfg: MotiveBenchConfig,
    data_dir: str | Path | None,
    out_dir: str | Path,
    apply_chat_template: bool,
    bootstrap: BootstrapConfig = BootstrapConfig(),
    seed: int = 0,
    include_path: Path | None = None,
) -> BenchmarkResult:
    """MotiveBench on `lm`: cfg.subsets x 3 questions x cfg.orderings orderings, scored and saved in out_dir.

    `seed` fixes the orderings (and lm-eval's seeds): keep it the same for models you compare.
    """
    root = motivebench.checked_data_dir(data_dir, cfg.subsets)
    suffix = "" if cfg.mode == "loglikelihood" else "_gen"
    tasks = [f"motivebench_{s.lower()}{suffix}" for s in cfg.subsets]
    metadata = {"motivebench_dir": str(root), "motivebench_orderings": cfg.orderings,
                "motivebench_limit": cfg.limit, "motivebench_seed": seed}  # fmt: skip
    keep = ["item_id", "subset", "scenario", "question_type", "ordering", "gold_letter"]
    config = {**cfg.model_dump(), "data_dir": str(root), "seed": seed}
    return _run(motivebench, lm, tasks, metadata, keep, config, out_dir, apply_chat_template, bootstrap, include_path)


def run_tombench(
    lm: Any,
    cfg: ToMBenchConfig,
    data_dir: str | Path | None,
    out_dir: str | Path,
    apply_chat_template: bool,
    bootstrap: BootstrapConfig = BootstrapConfig(),
    seed: int = 0,
    include_path: Path | None = None,
) -> BenchmarkResult:
    """ToMBench on `lm`: every data file in cfg.languages, cfg.shuffles option orders per item, majority vote.

    `seed` fixes the per-item shuffles (and lm-eval's seeds): keep it the same for models you compare.
    """
    folder = tombench.data_files(data_dir)[0].parent  # fail fast, before the model runs
    suffix = "" if cfg.mode == "loglikelihood" else "_gen"
    tasks = [f"tombench_{lang}{suffix}" for lang in cfg.languages]
    metadata = {"tombench_dir": str(folder), "tombench_shuffles": cfg.shuffles,
                "tombench_limit": cfg.limit, "tombench_seed": seed}  # fmt: skip
    keep = ["item_id", "language", "task", "ability", "ability_category", "shuffle", "gold_letter", "orig_gold_letter"]
    config = {**cfg.model_dump(), "data_dir": str(folder), "seed": seed}
    return _run(tombench, lm, tasks, metadata, keep, config, out_dir, apply_chat_template, bootstrap, include_path)
