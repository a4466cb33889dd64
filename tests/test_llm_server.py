"""The real llama.cpp server (llama-cpp-python) serving the embedded SmolLM2 GGUF, started by scripts/llm_server.sh.

These run in the default test run: the fixture starts the server (it fails, not skips, without llama_cpp).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from humanllm.llm import LLMConfig, LLMRequest, make_backend
from humanllm.llm.testing import FaultServer

pytestmark = pytest.mark.server

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "llm_server.sh"
REASONS = {"invalid_json", "schema_mismatch", "truncated", "empty_response", "timeout", "http_500"}
TOPICS = ["rivers", "mountains", "capitals", "oceans", "deserts", "islands"]


class Quiz(BaseModel):
    question: str
    answer: str
    difficulty: int = Field(ge=1, le=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_script(command: str, port: int, folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LLM_SERVER_DIR": str(folder), "HUMANLLM_PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(SCRIPT), command, str(port)], env=env, capture_output=True, text=True, timeout=300
    )


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(
            "llama_cpp is not importable in this venv: install the server extra "
            "(`.venv/bin/pip install 'llama-cpp-python[server]==0.3.36'`) or run `scripts/llm_server.sh start`"
        )


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_llama_cpp()
    folder, port = tmp_path_factory.mktemp("llm_server"), free_port()
    started = server_script("start", port, folder)
    assert started.returncode == 0, started.stdout + started.stderr
    yield f"http://127.0.0.1:{port}/v1"
    server_script("stop", port, folder)


def quiz_requests(n: int) -> list[LLMRequest]:
    return [
        LLMRequest(
            f"quiz{i}",
            [
                {"role": "system", "content": "You are a data generator."},
                {"role": "user", "content": f"Write one quiz question about {TOPICS[i % len(TOPICS)]}."},
            ],
            Quiz,
        )
        for i in range(n)
    ]


def server_cfg(url: str, tmp_path: Path, **overrides) -> LLMConfig:
    fields = dict(
        name="llama_server",
        base_url=url,
        model="smollm2",
        structured_output="json_object_schema",
        max_in_flight=1,
        max_tokens=160,
        timeout_s=120,
        max_retries=1,
        cache_dir=str(tmp_path / "cache"),
    )
    fields.update(overrides)
    return LLMConfig(**fields)


def test_structured_outputs_are_schema_valid_or_rejected_with_a_reason(llama_server: str, tmp_path: Path) -> None:
    with make_backend(server_cfg(llama_server, tmp_path)) as backend:
        results = backend.run(quiz_requests(6), progress=False, stage="real")
        acc = backend.accounting("real")
    for r in results:
        assert (r.ok and isinstance(r.value, Quiz)) or (r.reason in REASONS and r.error), r
    valid = sum(r.ok for r in results)
    print(f"\nSmolLM2 via llama.cpp, json_object_schema: {valid}/{len(results)} schema-valid, {acc}")
    assert valid >= 3  # the grammar-constrained small model gets most right
    assert acc["completion_tokens"] > 0 and acc["requests_sent"] >= len(results)


def test_standard_json_schema_is_refused_by_llama_cpp_and_recorded(llama_server: str, tmp_path: Path) -> None:
    cfg = server_cfg(llama_server, tmp_path, structured_output="json_schema", max_retries=0)
    with make_backend(cfg) as backend:
        (res,) = backend.run(quiz_requests(1), progress=False, endpoint_failures="reject")
    assert not res.ok and res.reason.startswith("http_"), res
    # llama.cpp answers this with HTTP 500: by default a stage stops there rather than record every request rejected
    from humanllm.llm.base import EndpointFailed

    with make_backend(cfg) as backend, pytest.raises(EndpointFailed, match=f"LLM endpoint {llama_server}.*http_500 x1"):
        backend.run(quiz_requests(1), progress=False)


def test_fault_proxy_in_front_of_the_real_server(llama_server: str, tmp_path: Path) -> None:
    with FaultServer(upstream=llama_server, script=["http_500"]) as proxy:
        cfg = server_cfg(proxy.base_url, tmp_path)
        with make_backend(cfg) as backend:
            (res,) = backend.run(quiz_requests(1), progress=False)
        assert proxy.requests >= 2 and proxy.outcomes["http_500"] == 1  # retried, then answered by llama.cpp
        assert res.attempts >= 2 and (res.ok or res.reason in REASONS)
        assert res.raw and res.raw.lstrip().startswith("{")


def test_server_script_is_idempotent_and_stops(tmp_path: Path) -> None:
    require_llama_cpp()
    port = free_port()
    try:
        assert server_script("start", port, tmp_path).returncode == 0
        again = server_script("start", port, tmp_path)
        assert again.returncode == 0 and "already running" in again.stdout
        assert server_script("status", port, tmp_path).returncode == 0
        assert (tmp_path / f"server_{port}.pid").is_file() and (tmp_path / f"server_{port}.log").is_file()
    finally:
        stopped = server_script("stop", port, tmp_path)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert server_script("status", port, tmp_path).returncode == 3
    assert not (tmp_path / f"server_{port}.pid").exists()
