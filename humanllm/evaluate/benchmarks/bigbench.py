"""BIG-bench, offline, in the registry: general reasoning for forgetting (merged - base) without a hub.

`humanllm fetch general` gets the PyPI source package bigbench==1.0.0 (pip download --no-deps; pip refuses it
at the metadata step because it declares a file:// dependency, so the fallback reads the sdist's URL and
sha256 from PyPI's simple index, the one pip uses, and checks the hash) and keeps only its 1,041 task.json
files. The lm-eval tasks are evals/bigbench/ (one YAML per task over a template); the suite to run and the
per-task item cap come from eval.bigbench. Scores: accuracy per task and the unweighted task mean, each
with a 95% bootstrap CI over items.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.evaluate.benchmarks.errors import missing_data
from humanllm.evaluate.benchmarks.evals_module import evals_module
from humanllm.evaluate.benchmarks.registry import Benchmark, register
from humanllm.evaluate.benchmarks.result import summarize_units

PACKAGE, VERSION = "bigbench", "1.0.0"
SIMPLE_INDEX = "https://pypi.org/simple/bigbench/"


def hooks() -> Any:
    return evals_module("bigbench")


def _pip_download(tmp: Path) -> Path | None:
    cmd = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps", "--no-binary", ":all:",
           "-d", str(tmp), "-q"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(tmp.glob(f"{PACKAGE}-{VERSION}.tar.gz"))
    return found[0] if done.returncode == 0 and found else None


def _index_download(tmp: Path) -> Path:
    from humanllm.evaluate.benchmarks.fetch import BenchmarkFetchError

    req = urllib.request.Request(SIMPLE_INDEX, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (fixed https URL)
            files = json.load(resp)["files"]
        entry = next(f for f in files if f["filename"] == f"{PACKAGE}-{VERSION}.tar.gz")
        out = tmp / entry["filename"]
        digest = hashlib.sha256()
        with urllib.request.urlopen(entry["url"], timeout=600) as resp, out.open("wb") as f:  # noqa: S310
            while chunk := resp.read(1 << 20):
                digest.update(chunk)
                f.write(chunk)
    except (OSError, StopIteration, KeyError, ValueError) as err:
        raise BenchmarkFetchError(
            f"could not download {PACKAGE}=={VERSION} from PyPI ({type(err).__name__}: {err}). This needs access to "
            f"pypi.org; offline, copy BIG-bench's benchmark_tasks/ folder by hand and set eval.data.bigbench to it."
        ) from err
    if digest.hexdigest() != entry["hashes"]["sha256"]:
        raise BenchmarkFetchError(f"{out.name}: sha256 {digest.hexdigest()} is not PyPI's {entry['hashes']['sha256']}")
    return out


def extract_tasks(sdist: Path, dest: Path, tasks: list[str] | None = None) -> int:
    """Unpack the sdist's benchmark_tasks/**/task.json (only those of `tasks` when given) into
    dest/<task>/...; returns the count."""
    n = 0
    with tarfile.open(sdist) as tar:
        for member in tar:
            parts = Path(member.name).parts
            if member.isfile() and parts[-1] == "task.json" and "benchmark_tasks" in parts:
                rel = Path(*parts[parts.index("benchmark_tasks") + 1 :])
                if tasks is not None and rel.parts[0] not in tasks:
                    continue
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, (dest / rel).open("wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out)
                n += 1
    return n


def _tasks_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).parts[0] for p in folder.rglob("task.json")} if folder.is_dir() else set()


@register
class BigBench(Benchmark):
    name = "bigbench"
    group_cols = ["task"]

    def require_data(self, e: Any) -> Path:
        root = super().require_data(e)
        absent = [t for t in self.config(e).tasks if not hooks().task_file(root, t).is_file()]
        if absent:
            raise missing_data(self.name, root, f"no task.json for {', '.join(absent)}")
        return root

    def check_data(self, e: Any) -> list[dict[str, Any]]:
        root, issues = self.require_data(e), []
        for task in self.config(e).tasks:
            docs, found = hooks().read_examples(root, task)
            issues += found
            if not docs:
                issues.append({"file": str(hooks().task_file(root, task)), "line": 0,
                               "what": "no multiple-choice examples", "action": "task scores nothing"})  # fmt: skip
        return issues

    def data_files(self, e: Any) -> list[Path]:
        """Only the requested tasks' files: the whole of BIG-bench is 1.7 GB of task.json."""
        root = self.require_data(e)
        return sorted(p for t in self.config(e).tasks for p in (root / t).rglob("task.json"))

    def tasks(self, e: Any) -> list[str]:
        return [f"bigbench_{t}" for t in self.config(e).tasks]

    def metadata(self, e: Any, seed: int) -> dict[str, Any]:
        c = self.config(e)
        return {"bigbench_dir": str(self.require_data(e)), "bigbench_limit": c.limit, "bigbench_seed": c.seed}

    def rows(self, doc: dict, resps: Any) -> dict[str, Any]:
        lls = [float(r[0]) for r in resps]
        pred = max(range(len(lls)), key=lls.__getitem__)
        return {"item_id": doc["item_id"], "bb_task": doc["task"], "gold": doc["gold"], "pred": pred,
                "correct": int(pred == doc["gold"]), "response": json.dumps([round(x, 4) for x in lls])}

    def summarize(self, items: pd.DataFrame, bootstrap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Accuracy per task, and 'all' = the unweighted mean over tasks (units: items weighted 1/n_task)."""
        per_task = items.assign(task=items["bb_task"], unit_id=items["item_id"],
                                score=items["correct"].astype(float))[["task", "unit_id", "score"]]  # fmt: skip
        summary = summarize_units(per_task, self.group_cols, bootstrap.samples, bootstrap.confidence, bootstrap.seed)
        means = per_task.groupby("task", sort=False)["score"].mean()
        stratified = [per_task[per_task.task == t]["score"].to_numpy() for t in means.index]
        ci = _task_mean_ci(stratified, bootstrap)
        pooled = {"task": "all", "n": int(sum(len(s) for s in stratified)), "estimate": float(means.mean()),
                  "ci_low": ci[0], "ci_high": ci[1]}  # fmt: skip
        summary = pd.concat([summary, pd.DataFrame([pooled])], ignore_index=True)
        units = pd.concat([per_task, per_task.assign(task="all")], ignore_index=True)
        return units, summary

    def headline(self, scores: dict[str, float]) -> list[str]:
        return [k for k in scores if k.startswith(f"{self.name}/")]

    def fetch(self, dest: Path, tasks: list[str] | None = None) -> Path:
        """BIG-bench's task.json files into `dest`: all 1,041 (1.7 GB), or only `tasks` (added to what is there)."""
        dest = Path(dest)
        have, source = _tasks_in(dest), dest / "SOURCE.txt"
        # complete: a full extraction, or a folder of tasks copied by hand (no SOURCE.txt)
        complete = bool(have) and (not source.is_file() or source.read_text().startswith("all "))
        if complete or (tasks is not None and set(tasks) <= have):
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp:
            sdist = _pip_download(Path(tmp)) or _index_download(Path(tmp))
            staged = Path(tmp) / "tasks"
            count = extract_tasks(sdist, staged, tasks)
            if tasks is None:
                shutil.rmtree(dest, ignore_errors=True)
                (staged / "SOURCE.txt").write_text(f"all {count} task.json files from PyPI {sdist.name}\n")
                os.replace(staged, dest)
                return dest
            dest.mkdir(exist_ok=True)
            for task_dir in sorted(staged.iterdir()):
                shutil.rmtree(dest / task_dir.name, ignore_errors=True)
                os.replace(task_dir, dest / task_dir.name)
            kept = sorted(_tasks_in(dest))
            (dest / "SOURCE.txt").write_text(f"{len(kept)} of BIG-bench's tasks from PyPI {sdist.name}: "
                                             f"{', '.join(kept)}\n")
        return dest


def _task_mean_ci(per_task: list[Any], bootstrap: Any) -> tuple[float, float]:
    """Percentile CI of the mean of task accuracies, resampling items within each task."""
    import numpy as np

    rng = np.random.default_rng(bootstrap.seed)
    draws = np.empty(bootstrap.samples)
    for b in range(bootstrap.samples):
        draws[b] = np.mean([s[rng.integers(0, len(s), len(s))].mean() for s in per_task])
    alpha = (1 - bootstrap.confidence) / 2
    return float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha))
