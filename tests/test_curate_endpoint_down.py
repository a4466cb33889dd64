"""An endpoint that goes down is not a result: the curation fails unpublished, names the endpoint, and the rerun
after a restart sends only what was not answered and ends with the records of an uninterrupted run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from humanllm.config import load_config
from humanllm.llm.base import EndpointFailed
from humanllm.pipeline.context import RunContext
from humanllm.synthesis.stage import STAGE, run_curate
from humanllm.synthesis.testing import ScoringServer, server_overrides, tiny_corpus
from tests.test_llm_server import free_port


def curate(server: ScoringServer, folder: Path, users: int = 6):
    cfg = load_config(server_overrides(server, folder / "artifacts", "llm.autostart=false"))
    return run_curate(RunContext.from_config(cfg), tiny_corpus(folder / "corpus", users, 5))


def record_files(path: Path) -> dict[str, bytes]:
    """Every records file of a curated folder (manifests and timings aside)."""
    return {p.name: p.read_bytes() for p in sorted(path.glob("*.jsonl"))}


def kill_after(server: ScoringServer, requests: int) -> threading.Thread:
    def watch() -> None:
        while server.requests < requests:
            time.sleep(0.002)
        server.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_server_killed_during_curation_publishes_nothing_and_the_rerun_equals_an_uninterrupted_run(tmp_path):
    port = free_port()
    with ScoringServer(latency_s=0.005, port=port) as reference_server:
        reference = curate(reference_server, tmp_path / "reference")
        total = reference_server.requests
    assert total > 40 and record_files(reference.path)

    server = ScoringServer(latency_s=0.005, port=port).start()
    killer = kill_after(server, total // 2)
    with pytest.raises(EndpointFailed) as failed:
        curate(server, tmp_path / "run")
    killer.join(10)
    message = str(failed.value)
    assert f"LLM endpoint http://127.0.0.1:{port}/v1" in message and "connection_error" in message, message
    assert "nothing was published" in message and "only the failed requests are sent again" in message
    stage_dir = tmp_path / "run" / "artifacts" / STAGE
    assert not [p for p in stage_dir.glob("*") if not p.name.startswith(".")] if stage_dir.is_dir() else True

    with ScoringServer(latency_s=0.005, port=port) as restarted:
        rerun = curate(restarted, tmp_path / "run")
        resent = restarted.requests
    assert rerun.key == reference.key
    assert record_files(rerun.path) == record_files(reference.path)
    assert 0 < resent <= total - total // 2 + 16  # the cached replies are not asked again (16: in flight at the kill)


def test_an_unreachable_endpoint_stops_early_and_names_it(tmp_path):
    port = free_port()  # nothing listens here
    server = ScoringServer(port=port)  # never started: only its URL and model name are used
    started = time.perf_counter()
    with pytest.raises(EndpointFailed, match=r"stopped after 32 failures in a row .*connection_error x32"):
        curate(server, tmp_path, users=12)  # 60 clean requests: the run stops at 32 (2 x llm.max_in_flight)
    assert time.perf_counter() - started < 120
    assert not (tmp_path / "artifacts" / STAGE).is_dir() or not any(
        p for p in (tmp_path / "artifacts" / STAGE).iterdir() if not p.name.startswith(".")
    )
