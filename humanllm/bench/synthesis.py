"""Synthesis throughput benchmark: how close the OpenAI backend gets to the ideal in-flight rate.

Against the loopback fault-injecting test server answering every request after a fixed latency L,
N requests in flight can at best complete N / L per second. For each in-flight level we send a
batch of structured (schema-validated) requests through the full backend path and report
efficiency = achieved req/s / (N / L). Then the last batch is run again on the same cache: it must
send 0 requests.
"""

from __future__ import annotations

import logging
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from humanllm.io import write_json
from humanllm.llm import LLMConfig, LLMRequest, make_backend
from humanllm.llm.testing import FaultServer

log = logging.getLogger(__name__)

RESULT_FILE = "synthesis.json"


class BenchRecord(BaseModel):
    """A synthesis-shaped output: a short person profile and one scenario."""

    persona: str
    age: int = Field(ge=13, le=90)
    interests: list[str]
    scenario: str


def bench_requests(n: int, salt: str) -> list[LLMRequest]:
    return [
        LLMRequest(
            request_id=f"{salt}-{i}",
            messages=[
                {"role": "system", "content": "You write one structured persona record per user."},
                {"role": "user", "content": f"User {salt}-{i} posts about cooking, hiking and jazz. Write the record."},
            ],
            schema=BenchRecord,
        )
        for i in range(n)
    ]


def _level(server: FaultServer, cfg: LLMConfig, requests: list[LLMRequest], latency_s: float) -> dict[str, Any]:
    server.reset_counts()
    with make_backend(cfg) as backend:
        results = backend.run(requests, progress=False, stage="bench", endpoint_failures="reject")
        acc = backend.accounting("bench")
    waves = -(-len(requests) // cfg.max_in_flight)
    ideal = len(requests) / (waves * latency_s)  # = in_flight / L when the batch is whole waves
    achieved = len(requests) / acc["wall_s"]
    return {
        "in_flight": cfg.max_in_flight,
        "requests": len(requests),
        "ok": sum(r.ok for r in results),
        "requests_received": server.requests,
        "max_in_flight_seen": server.max_in_flight,
        "wall_s": acc["wall_s"],
        "achieved_req_per_s": round(achieved, 2),
        "ideal_req_per_s": round(ideal, 2),
        "efficiency": round(achieved / ideal, 3),
        "cache_hits": acc["cache_hits"],
    }


def run_synthesis_bench(
    out: str | Path = Path("results/bench"),
    latency_s: float = 0.5,
    concurrency: Sequence[int] = (1, 8, 32, 64),
    requests_per_level: int | None = None,
) -> dict[str, Any]:
    """Measure efficiency per in-flight level and the cached rerun; write `<out>/synthesis.json`.

    `requests_per_level` defaults to 16 waves per level (16 x in-flight requests), so start-up is amortised.
    Returns the written dict: {"efficiency": {"1": ..}, "rerun_requests": 0, "levels": [...], ...}.
    """
    levels = []
    with FaultServer(latency_s=latency_s) as server, tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        for in_flight in concurrency:
            cfg = LLMConfig(
                name="bench",
                base_url=server.base_url,
                model=server.model,
                structured_output="json_schema",
                max_in_flight=in_flight,
                timeout_s=latency_s * 10 + 10,
                max_retries=0,
                cache_dir=str(Path(tmp) / f"level{in_flight}"),
            )
            requests = bench_requests(requests_per_level or 16 * in_flight, salt=f"c{in_flight}")
            levels.append(_level(server, cfg, requests, latency_s))
            log.info("in flight %d: efficiency %.3f", in_flight, levels[-1]["efficiency"])
        rerun = _level(server, cfg, requests, latency_s)  # the last level again, same cache
    report = {
        "latency_s": latency_s,
        "efficiency": {str(lv["in_flight"]): lv["efficiency"] for lv in levels},
        "rerun_requests": rerun["requests_received"],
        "rerun": {k: rerun[k] for k in ("requests", "ok", "requests_received", "cache_hits", "wall_s")},
        "levels": levels,
        "host": {"python": platform.python_version(), "machine": platform.machine()},
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    write_json(Path(out) / RESULT_FILE, report)
    return report
