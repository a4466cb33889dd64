"""Benchmarks behind one registry: MotiveBench, ToMBench and BIG-bench (registry.py says how to add one).

Public API:
    benchmarks() -> {name: Benchmark}; enabled_benchmarks(eval_cfg) -> [Benchmark]
    preflight(eval_cfg) -> PreflightReport   (reads all requested data before any model loads)
    run_benchmark(bench, lm, eval_cfg, out_dir, apply_chat_template, seed) -> BenchmarkResult
    compare(result_a, result_b) -> DataFrame of paired bootstrap differences (b - a)
    fetch_benchmarks(dest, which) -> {name: Path}   (online only)
    write_motivebench_fixture(dest, quirks=...), write_tombench_fixture(dest, quirks=...)
"""

from humanllm.eval.benchmarks.errors import BenchmarkDataInvalid, BenchmarkDataMissing
from humanllm.eval.benchmarks.fetch import BenchmarkFetchError, fetch_benchmarks
from humanllm.eval.benchmarks.fixtures import write_motivebench_fixture, write_tombench_fixture
from humanllm.eval.benchmarks.preflight import PreflightReport, preflight
from humanllm.eval.benchmarks.registry import (
    Benchmark,
    benchmarks,
    enabled_benchmarks,
    not_run,
    register,
    runnable_benchmarks,
)
from humanllm.eval.benchmarks.result import BenchmarkResult, compare
from humanllm.eval.benchmarks.runner import run_benchmark

__all__ = [
    "Benchmark",
    "BenchmarkDataInvalid",
    "BenchmarkDataMissing",
    "BenchmarkFetchError",
    "BenchmarkResult",
    "PreflightReport",
    "benchmarks",
    "compare",
    "enabled_benchmarks",
    "fetch_benchmarks",
    "not_run",
    "preflight",
    "register",
    "run_benchmark",
    "runnable_benchmarks",
    "write_motivebench_fixture",
    "write_tombench_fixture",
]
