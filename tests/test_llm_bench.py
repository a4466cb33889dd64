"""The synthesis throughput benchmark, at a small scale: file shape, real overlap, and a free rerun."""

from __future__ import annotations

import json
from pathlib import Path

from humanllm.bench.synthesis import run_synthesis_bench


def test_synthesis_bench_writes_efficiency_and_a_free_rerun(tmp_path: Path) -> None:
    report = run_synthesis_bench(tmp_path, latency_s=0.2, concurrency=(1, 8), requests_per_level=16)
    assert json.loads((tmp_path / "synthesis.json").read_text()) == report
    assert set(report["efficiency"]) == {"1", "8"}
    assert report["rerun_requests"] == 0 and report["rerun"]["cache_hits"] == 16
    for level in report["levels"]:
        assert level["ok"] == level["requests"] == level["requests_received"] == 16
        assert level["max_in_flight_seen"] == level["in_flight"]
        assert 0.5 < level["efficiency"] <= 1.0  # the loose bound: overlap is real, the clock is honest
