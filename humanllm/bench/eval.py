"""Evaluation throughput on CPU: the base model on MotiveBench (by default full size, 600 questions x the 18
official orderings, log-likelihood protocol) and on the BIG-bench suite of eval=general; items/s and totals
into results/bench/eval.json.

Scoring goes through SharedPrefixHFLM (humanllm/eval/shared_prefix.py): the options of a doc share
one row, and text that docs share (the instruction, a question under its 18 orderings) runs once, so the
cost is close to the tokens that differ between docs. `requests` (one log-likelihood per option) vs
`docs` in the result shows the saving. The generation protocol (`mode=official`) is not timed here: it
costs one greedy decode per doc.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from humanllm.eval.backends import load_eval_model
from humanllm.eval.benchmarks import benchmarks, preflight, run_benchmark
from humanllm.io import write_json
from humanllm.model.stage import resolve_base_model
from humanllm.pipeline.context import RunContext

RESULT_FILE = "eval.json"


def _time(bench: Any, lm: Any, e: Any, seed: int) -> dict[str, Any]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = run_benchmark(bench, lm, e, Path(tmp), apply_chat_template=e.lm_eval.apply_chat_template, seed=seed)
        seconds = time.perf_counter() - start
    docs = len(result.items)
    requests = int(result.items["response"].map(lambda r: r.count(",") + 1).sum())  # one log-likelihood per option
    pooled = result.summary[result.summary[result.group_cols[0]] == "all"].iloc[0]
    return {"benchmark": bench.name, "tasks": result.config["tasks"], "docs": docs, "requests": requests,
            "contexts": docs, "seconds": round(seconds, 1), "docs_per_s": round(docs / seconds, 2),
            "requests_per_s": round(requests / seconds, 2), "estimate_all": round(float(pooled["estimate"]), 4),
            "load_avg_1min_before": round(load, 2), "load_avg_1min_after": round(os.getloadavg()[0], 2),
            "truncated_requests": result.config["truncated_requests"]}  # fmt: skip


def run_eval_bench(cfg: Any, out_dir: Path) -> str:
    """Time MotiveBench and the BIG-bench suite on cfg.model's base weights; write out_dir/eval.json. Sizes come
    from the config: the defaults are full MotiveBench (all subsets, 18 orderings) and eval.bigbench's suite;
    `full_size` in the result says whether MotiveBench ran at full size."""
    import torch

    mb = cfg.eval.motivebench.model_copy(update={"enabled": True, "mode": "loglikelihood"})
    e = cfg.eval.model_copy(
        update={
            "motivebench": mb,
            "bigbench": cfg.eval.bigbench.model_copy(update={"enabled": True}),
            "tombench": cfg.eval.tombench.model_copy(update={"enabled": False}),
        }
    )
    preflight(e)  # both data folders must be there before the model loads
    ctx = RunContext.from_config(cfg)
    base = resolve_base_model(ctx, cfg.model)
    t0 = time.perf_counter()
    lm = load_eval_model(base.location, ctx).lm
    load_s = time.perf_counter() - t0
    reg = benchmarks()
    runs = [_time(reg["motivebench"], lm, e, cfg.seed), _time(reg["bigbench"], lm, e, cfg.seed)]
    result = {
        "model": cfg.model.name, "device": str(lm.device), "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(), "platform": platform.platform(), "batch_size": cfg.eval.batch_size,
        "bigbench_limit_per_task": e.bigbench.limit, "model_load_s": round(load_s, 1), "runs": runs,
        "motivebench_orderings": mb.orderings, "motivebench_limit_scenarios": mb.limit,
        "full_size": mb.orderings == 18 and mb.limit is None and len(mb.subsets) == 3,
        "note": "shared machine: load_avg columns give the 1-minute load average around each run",
    }  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / RESULT_FILE, result)
    lines = [f"{r['benchmark']}: {r['docs']} docs ({r['requests']} option scores) in {r['seconds']}s = "
             f"{r['docs_per_s']} docs/s, accuracy {r['estimate_all']}" for r in runs]  # fmt: skip
    return "\n".join(lines + [f"→ {out_dir / RESULT_FILE}"])
