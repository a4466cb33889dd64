"""The OpenAI-compatible backend against the fault-injecting test server: validation, repair, rejects,
retries, cache, concurrency, accounting, faults, kill -9 resume and API-key hygiene."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

from humanllm.llm import LLMConfig, LLMRequest, cache_path, make_backend
from humanllm.llm.cache import ResponseCache
from humanllm.llm.testing import FAULTS, FaultServer

CONTENT_REASONS = {"invalid_json", "schema_mismatch", "truncated", "empty_response"}
TRANSPORT_REASONS = {"timeout", "connection_error", "http_429", "http_500"}


class Profile(BaseModel):
    name: str
    age: int = Field(ge=18, le=90)
    interests: list[str]


class Digits(BaseModel):
    """The fault server's example strings never match this pattern: a schema_mismatch every time."""

    code: str = Field(pattern=r"^[0-9]+$")


def make_cfg(server: FaultServer, tmp_path: Path, **overrides: Any) -> LLMConfig:
    fields: dict[str, Any] = dict(
        name="test",
        base_url=server.base_url,
        model=server.model,
        structured_output="json_schema",
        max_in_flight=4,
        timeout_s=2.0,
        max_retries=2,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        cache_dir=str(tmp_path / "cache"),
    )
    fields.update(overrides)
    return LLMConfig(**fields)


def make_requests(n: int, schema: type[BaseModel] | None = Profile, prefix: str = "r") -> list[LLMRequest]:
    return [
        LLMRequest(
            f"{prefix}{i}",
            [{"role": "user", "content": f"Describe person {prefix}{i}."}],
            schema=schema,
            metadata={"i": i},
        )
        for i in range(n)
    ]


def run(cfg: LLMConfig, requests: list[LLMRequest], stage: str = "test") -> tuple[list, dict]:
    """Endpoint failures kept as rejected results: these tests measure what a faulty endpoint does."""
    with make_backend(cfg) as backend:
        results = backend.run(requests, progress=False, stage=stage, endpoint_failures="reject")
        return results, backend.accounting(stage)


@pytest.fixture
def server():
    with FaultServer(latency_s=0.0) as srv:
        yield srv


def test_valid_replies_come_back_as_schema_objects(server: FaultServer, tmp_path: Path) -> None:
    results, acc = run(make_cfg(server, tmp_path), make_requests(3))
    assert [r.request_id for r in results] == ["r0", "r1", "r2"]
    for i, r in enumerate(results):
        assert r.ok and isinstance(r.value, Profile) and r.reason is None
        assert r.attempts == 1 and not r.repaired and not r.cached and r.metadata == {"i": i}
        assert r.prompt_tokens > 0 and r.completion_tokens > 0
    body = server.bodies[0]
    assert body["response_format"]["type"] == "json_schema" and body["response_format"]["json_schema"]["strict"]
    assert body["temperature"] == 0.3 and body["seed"] == 2025 and body["model"] == server.model
    assert body["messages"][0]["role"] == "system" and '"interests"' in body["messages"][0]["content"]
    assert acc["ok"] == 3 and acc["requests_sent"] == 3 == server.requests
    assert acc["prompt_tokens"] == sum(r.prompt_tokens for r in results)


def test_request_parameters_override_config(server: FaultServer, tmp_path: Path) -> None:
    req = LLMRequest("x", [{"role": "user", "content": "hi"}], Profile, max_tokens=77, temperature=0.0, seed=5)
    run(make_cfg(server, tmp_path, structured_output="json_object_schema"), [req])
    body = server.bodies[0]
    assert (body["max_tokens"], body["temperature"], body["seed"]) == (77, 0.0, 5)
    assert body["response_format"]["type"] == "json_object" and "properties" in body["response_format"]["schema"]


def test_text_requests_return_text(server: FaultServer, tmp_path: Path) -> None:
    results, _ = run(make_cfg(server, tmp_path), make_requests(2, schema=None))
    assert all(r.ok and isinstance(r.value, str) and r.value.startswith("reply ") for r in results)
    assert all("response_format" not in body for body in server.bodies)
    # the two requests run concurrently, so they may reach the server in either order
    assert sorted(body["messages"][0]["content"] for body in server.bodies) == [
        "Describe person r0.",
        "Describe person r1.",
    ]
    assert all(len(body["messages"]) == 1 and body["messages"][0]["role"] == "user" for body in server.bodies)


def test_invalid_reply_is_repaired_once(tmp_path: Path) -> None:
    with FaultServer(script=["invalid_json", None]) as srv:
        (res,), acc = run(make_cfg(srv, tmp_path, max_in_flight=1), make_requests(1))
        assert res.ok and res.repaired and res.attempts == 2 and isinstance(res.value, Profile)
        repair = srv.bodies[1]["messages"]
        assert repair[-2]["role"] == "assistant" and '"oops"' in repair[-2]["content"]
        assert repair[-1]["role"] == "user" and "not valid JSON" in repair[-1]["content"]
        assert acc["repairs"] == 1 and acc["requests_sent"] == 2


@pytest.mark.parametrize("fault,reason", [("invalid_json", "invalid_json"), ("truncated", "truncated")])
def test_reply_still_bad_after_repair_is_rejected(tmp_path: Path, fault: str, reason: str) -> None:
    with FaultServer(script=[fault, fault]) as srv:
        (res,), acc = run(make_cfg(srv, tmp_path, max_in_flight=1), make_requests(1))
        assert not res.ok and res.reason == reason and res.value is None
        assert res.attempts == 2 and res.repaired and res.raw and srv.requests == 2
        assert acc["rejects_by_reason"] == {reason: 1}


def test_schema_mismatch_is_rejected_with_the_validation_error(server: FaultServer, tmp_path: Path) -> None:
    (res,), _ = run(make_cfg(server, tmp_path), make_requests(1, schema=Digits))
    assert not res.ok and res.reason == "schema_mismatch" and "code" in res.error
    assert res.attempts == 2 and server.requests == 2  # one repair, no more
    assert "code" in server.bodies[1]["messages"][-1]["content"]


def test_no_repair_when_disabled(tmp_path: Path) -> None:
    with FaultServer(script=["invalid_json"]) as srv:
        (res,), _ = run(make_cfg(srv, tmp_path, repair=False), make_requests(1))
        assert res.reason == "invalid_json" and res.attempts == 1 and srv.requests == 1


def test_429_and_500_are_retried(tmp_path: Path) -> None:
    with FaultServer(script=["http_429", "http_500", None]) as srv:
        (res,), acc = run(make_cfg(srv, tmp_path, max_in_flight=1), make_requests(1))
        assert res.ok and res.attempts == 3
        assert acc["retries"] == 2 and acc["errors_seen"] == {"http_429": 1, "http_500": 1}


def test_exhausted_retries_are_rejected_and_not_cached(tmp_path: Path) -> None:
    with FaultServer(fault_rate=1.0, faults=["http_500"]) as srv:
        cfg = make_cfg(srv, tmp_path, max_retries=2)
        (res,), acc = run(cfg, make_requests(1))
        assert not res.ok and res.reason == "http_500" and res.attempts == 3 and srv.requests == 3
        assert acc["rejects_by_reason"] == {"http_500": 1} and acc["requests_sent"] == 3
        run(cfg, make_requests(1))
        assert srv.requests == 6  # a failure is asked again on rerun


def test_hang_times_out(tmp_path: Path) -> None:
    with FaultServer(fault_rate=1.0, faults=["hang"], hang_s=30) as srv:
        started = time.perf_counter()
        (res,), _ = run(make_cfg(srv, tmp_path, timeout_s=0.3, max_retries=1), make_requests(1))
        assert res.reason == "timeout" and res.attempts == 2
        assert time.perf_counter() - started < 3


def test_rerun_is_served_from_cache(tmp_path: Path) -> None:
    with FaultServer(script=["invalid_json"]) as srv:  # one repaired chain is cached too
        cfg = make_cfg(srv, tmp_path)
        first, acc1 = run(cfg, make_requests(20))
        sent = srv.requests
        assert sent == acc1["requests_sent"] == 21
        second, acc2 = run(cfg, make_requests(20))
        assert srv.requests == sent  # 0 requests sent the second time
        assert acc2["requests_sent"] == 0 and acc2["cache_hits"] == 21
        assert all(r.cached and r.attempts == 0 for r in second)
        assert [r.value for r in second] == [r.value for r in first]
        assert sum(r.repaired for r in second) == 1


def test_cache_key_covers_generation_parameters(server: FaultServer, tmp_path: Path) -> None:
    run(make_cfg(server, tmp_path), make_requests(2))
    run(make_cfg(server, tmp_path, temperature=0.9), make_requests(2))
    run(make_cfg(server, tmp_path, structured_output="json_object_schema"), make_requests(2))
    run(make_cfg(server, tmp_path, max_in_flight=1, timeout_s=9), make_requests(2))  # not part of the key
    assert server.requests == 6


def test_identical_calls_in_one_run_are_sent_once(server: FaultServer, tmp_path: Path) -> None:
    msgs = [{"role": "user", "content": "same"}]
    results, _ = run(make_cfg(server, tmp_path), [LLMRequest("a", msgs, Profile), LLMRequest("b", msgs, Profile)])
    assert server.requests == 1 and results[0].value == results[1].value


def test_requests_overlap_up_to_max_in_flight(tmp_path: Path) -> None:
    with FaultServer(latency_s=0.3) as srv:
        started = time.perf_counter()
        results, _ = run(make_cfg(srv, tmp_path, max_in_flight=8), make_requests(32))
        wall = time.perf_counter() - started
        assert all(r.ok for r in results)
        assert srv.max_in_flight == 8  # 4 waves of 8
        assert wall < 32 * 0.3 / 4  # at least twice as fast as 2 in flight
        srv.reset_counts()
        run(make_cfg(srv, tmp_path, max_in_flight=1), make_requests(3, prefix="s"))
        assert srv.max_in_flight == 1


def test_thirty_percent_faults_every_request_ends_ok_or_rejected_with_its_reason(tmp_path: Path) -> None:
    """Nothing is lost: each of the 80 requests comes back, in order, valid or rejected with a reason and detail,
    and the accounting adds up. (Rejections are expected here: faults hit 30% of attempts, 3 tries each.)"""
    with FaultServer(latency_s=0.02, fault_rate=0.3, faults=FAULTS, hang_s=30, seed=1) as srv:
        cfg = make_cfg(
            srv, tmp_path, max_in_flight=16, timeout_s=2.0, max_retries=2
        )  # a loaded CI box needs seconds to connect
        requests = make_requests(80)
        results, acc = run(cfg, requests)
        assert [r.request_id for r in results] == [r.request_id for r in requests]
        for r in results:
            if r.ok:
                assert isinstance(r.value, Profile)
            else:
                assert r.reason in CONTENT_REASONS | TRANSPORT_REASONS and r.error
        assert acc["ok"] + acc["rejected"] == 80 and acc["requests"] == 80
        assert sum(acc["rejects_by_reason"].values()) == acc["rejected"] == sum(not r.ok for r in results)
        assert acc["ok"] == sum(r.ok for r in results) > 40
        assert acc["requests_sent"] == srv.requests
        assert set(srv.outcomes) == {"ok", *FAULTS}  # every kind of fault was met
        assert acc["repairs"] > 0 and acc["retries"] > 0


KILL_SCRIPT = """
import sys
from humanllm.llm import LLMConfig, LLMRequest, make_backend
cfg = LLMConfig(name="kill", base_url=sys.argv[1], model="fault-test", max_in_flight=4, timeout_s=10,
                max_retries=0, cache_dir=sys.argv[2])
requests = [LLMRequest(f"k{i}", [{"role": "user", "content": f"kill test {i}"}]) for i in range(int(sys.argv[3]))]
make_backend(cfg).run(requests, progress=False, stage="kill")
print("finished")
"""


def test_kill_9_midway_then_resume_pays_nothing_twice(tmp_path: Path) -> None:
    n = 40
    script = tmp_path / "kill_run.py"
    script.write_text(textwrap.dedent(KILL_SCRIPT))
    cache_dir = tmp_path / "cache"
    with FaultServer(latency_s=0.25) as srv:
        proc = subprocess.Popen(
            [sys.executable, str(script), srv.base_url, str(cache_dir), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + 60
        while srv.requests < 16 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]

        cache = ResponseCache(cache_dir / "responses.sqlite")
        committed = {c["messages"][-1]["content"] for c in cache.calls()}
        cache.close()
        assert 8 <= len(committed) < n

        srv.reset_counts()
        cfg = LLMConfig(
            name="kill",
            base_url=srv.base_url,
            model="fault-test",
            max_in_flight=4,
            timeout_s=10,
            max_retries=0,
            cache_dir=str(cache_dir),
        )
        requests = [LLMRequest(f"k{i}", [{"role": "user", "content": f"kill test {i}"}]) for i in range(n)]
        results, acc = run(cfg, requests)
        asked_again = {b["messages"][-1]["content"] for b in srv.bodies}
        assert all(r.ok for r in results)
        assert srv.requests == n - len(committed) == acc["requests_sent"]
        assert not asked_again & committed  # nothing committed before the kill was paid twice
        assert sum(r.cached for r in results) == len(committed)


def test_api_key_never_leaves_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-test-SECRET-0123456789abcdef"
    monkeypatch.setenv("HUMANLLM_TEST_API_KEY", secret)
    caplog.set_level(logging.DEBUG)
    with FaultServer(script=["http_429", "invalid_json"]) as srv:
        cfg = make_cfg(srv, tmp_path, api_key_env="HUMANLLM_TEST_API_KEY", max_in_flight=1)
        results, acc = run(cfg, make_requests(3))
        assert srv.authorizations == {f"Bearer {secret}"}  # it was used ...
    db = cache_path(cfg, None)
    stored = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.is_file())
    assert len(stored) > 0 and secret.encode() not in stored  # ... but never stored,
    assert secret not in caplog.text  # logged,
    assert secret not in json.dumps(acc) + repr(results)  # or returned
    assert secret not in cfg.model_dump_json()


def test_accounting_is_kept_per_stage(server: FaultServer, tmp_path: Path) -> None:
    with make_backend(make_cfg(server, tmp_path)) as backend:
        backend.run(make_requests(2, prefix="a"), progress=False, stage="clean")
        backend.run(make_requests(3, prefix="b"), progress=False, stage="judge")
        everything = backend.accounting()
    assert everything["clean"]["requests"] == 2 and everything["judge"]["requests"] == 3
    assert everything["judge"]["backend"] == "openai" and everything["judge"]["model"] == server.model


def test_duplicate_request_ids_are_refused(server: FaultServer, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unique"):
        run(make_cfg(server, tmp_path), make_requests(1) + make_requests(1))
