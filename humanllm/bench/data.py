"""Data-stage benchmark on real Blog Authorship Corpus files: throughput, worker speedup, peak memory.

Each run builds the corpus (PII scrubbing and dedup on, the default `ours` rules) in a child process, so
its peak RSS (`ru_maxrss` of the child and of the worker processes it starts, the largest one) is its own.
CPU seconds (user + sys, the child and its workers, imports included) are reported beside wall time:
on a shared machine, posts per CPU-second is the per-core rate. Runs: 10% of the files on 1 worker, all
files on 1 worker, all files on 2 workers. The funnel's raw count is checked against `<post>` tags
counted in the raw bytes by a separate regex.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from humanllm.io import write_json
from humanllm.paths import recorded

RESULT_FILE = "data.json"
POST_TAG = re.compile(rb"<post\s*>", re.I)
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from humanllm.data.build import build_corpus
from humanllm.data.config import DataConfig
files, out, workers = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), int(sys.argv[3])
sources = {"blogger": {"files": files}}
cfg = DataConfig.model_validate({"name": "bench", "sources": sources, "workers": workers})
start = time.perf_counter()
counts = build_corpus(cfg, cfg.sources, out, seed=0)
wall = time.perf_counter() - start
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
rss = max(me.ru_maxrss, kids.ru_maxrss) / 1024
print("RESULT " + json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss, "counts": counts}))
"""


def count_post_tags(files: list[Path]) -> int:
    """<post> elements in the raw bytes (independent of the loader's tag scanner)."""
    return sum(len(POST_TAG.findall(f.read_bytes())) for f in files)


def _watch(proc: subprocess.Popen, every: float = 0.1) -> dict[str, float]:
    """Sample the child's process tree (datatrove's pool workers included) until it exits: the largest
    RSS of one process, the largest summed RSS, and CPU seconds summed over every process seen."""
    root = psutil.Process(proc.pid)
    peak_one = peak_sum = 0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        for p in procs:
            try:
                rss, t = p.memory_info().rss, p.cpu_times()
            except psutil.Error:
                continue
            total, peak_one = total + rss, max(peak_one, rss)
            cpu[p.pid] = t.user + t.system
        peak_sum = max(peak_sum, total)
        time.sleep(every)
    return {"peak_rss_mb": peak_one / 2**20, "peak_rss_sum_mb": peak_sum / 2**20, "cpu_s": sum(cpu.values())}


def _run(files: list[Path], workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "files.json"
        listing.write_text(json.dumps([str(f) for f in files]))
        out = Path(tmp) / "corpus"
        out.mkdir()
        with subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(listing), str(out), str(workers)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"LOGURU_LEVEL": "WARNING"},
        ) as proc:
            seen = _watch(proc)
            stdout, stderr = proc.communicate()
    proc.stdout, proc.stderr = stdout, stderr
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"bench data: the build with {workers} worker(s) failed:\n{proc.stderr[-3000:]}")
    res = json.loads(line[len("RESULT ") :])
    c = res.pop("counts")
    raw = c["raw_records"]
    return {
        "files": len(files),
        "workers": workers,
        "raw_posts": raw,
        "kept": c["kept_records"],
        "rejected": c["rejected_records"],
        "rejected_by_reason": c["rejected_by_reason"],
        "reconciles": raw == c["kept_records"] + c["rejected_records"],
        "wall_s": round(res["wall_s"], 1),
        "posts_per_s": round(raw / res["wall_s"]),
        "posts_per_s_per_core": round(raw / res["wall_s"] / workers),
        # getrusage sees this child and its waited-for children; the sampler sees the whole tree
        "cpu_s": round(max(res["cpu_s"], seen["cpu_s"]), 1),
        "posts_per_cpu_s": round(raw / max(res["cpu_s"], seen["cpu_s"])),
        "peak_rss_mb": round(max(res["peak_rss_mb"], seen["peak_rss_mb"])),
        "peak_rss_sum_mb": round(seen["peak_rss_sum_mb"]),
    }


def run_data_bench(blogs: Path, out: Path | None = Path("results/bench")) -> dict[str, Any]:
    """Time the sharded stage on `blogs/*.xml`; write `out/data.json` when `out` is given."""
    files = sorted(blogs.glob("*.xml"))
    if not files:
        raise FileNotFoundError(
            f"{blogs}: no *.xml files (the Blog Authorship Corpus, e.g. 1000331.female."
            "37.indUnk.Leo.xml); point --blogs at the unpacked blogs/ folder"
        )
    tenth = files[: max(1, len(files) // 10)]
    post_tags = count_post_tags(files)
    runs = {"tenth_1_worker": _run(tenth, 1), "all_1_worker": _run(files, 1), "all_2_workers": _run(files, 2)}
    one, two = runs["all_1_worker"], runs["all_2_workers"]
    report = {
        "input": {"folder": recorded(blogs, outside="<data>"), "files": len(files), "post_tags": post_tags},
        "runs": runs,
        "funnel_raw_equals_post_tags": one["raw_posts"] == post_tags == two["raw_posts"],
        "same_counts_1_and_2_workers": all(one[k] == two[k] for k in ("kept", "rejected", "rejected_by_reason")),
        "speedup_1_to_2_workers": round(one["wall_s"] / two["wall_s"], 2),
        "peak_rss_mb": {
            "10%": runs["tenth_1_worker"]["peak_rss_mb"],
            "100%": one["peak_rss_mb"],
            "100%, 2 workers (largest process)": two["peak_rss_mb"],
            "100%, 2 workers (all processes together)": two["peak_rss_sum_mb"],
        },
        "host": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()},
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if out is not None:
        write_json(out / RESULT_FILE, report)
    return report


def summary(report: dict[str, Any]) -> str:
    one, two = report["runs"]["all_1_worker"], report["runs"]["all_2_workers"]
    return (
        f"{report['input']['files']} files, {one['raw_posts']} posts "
        f"(<post> tags: {report['input']['post_tags']}); 1 worker {one['posts_per_s_per_core']} posts/s "
        f"({one['posts_per_cpu_s']} per CPU-s), 2 workers {two['posts_per_s']} posts/s "
        f"(speedup {report['speedup_1_to_2_workers']}); peak RSS {report['peak_rss_mb']} MB"
    )
