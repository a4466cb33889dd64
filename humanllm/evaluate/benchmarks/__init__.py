"""MotiveBench and ToMBench as lm-eval tasks (evals/), with option-order robustness and bootstrap CIs.

Public API:
    run_motivebench(lm, cfg, data_dir, out_dir, apply_chat_template) -> BenchmarkResult
    run_tombench(lm, cfg, data_dir, out_dir, apply_chat_template) -> BenchmarkResult
    compare(result_a, result_b) -> DataFrame of paired bootstrap differences (b - a)
    fetch_benchmarks(dest) -> {"motivebench": Path, "tombench": Path}   (online only)
    write_motivebench_fixture(dest), write_tombench_fixture(dest)      (tiny official-schema data)
"""

from humanllm.evaluate.benchmarks.errors import BenchmarkDataInvalid, BenchmarkDataMissing
from humanllm.evaluate.benchmarks.fetch import BenchmarkFetchError, fetch_benchmarks
from humanllm.evaluate.benchmarks.fixtures import write_motivebench_fixture, write_tombench_fixture
from humanllm.evaluate.benchmarks.result import BenchmarkResult, compare
from humanllm.evaluate.benchmarks.runner import run_motivebench, run_tombench

__all__ = [
    "BenchmarkDataInvalid",
    "BenchmarkDataMissing",
    "BenchmarkFetchError",
    "BenchmarkResult",
    "compare",
    "fetch_benchmarks",
    "run_motivebench",
    "run_tombench",
    "write_motivebench_fixture",
    "write_tombench_fixture",
]
