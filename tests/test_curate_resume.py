"""kill -9 in the middle of synthesis, rerun: the run resumes from the response cache and no call that
was answered before the kill is sent again; no half-written artifact is ever published."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time

from humanllm.config import load_config
from humanllm.llm.cache import ResponseCache
from humanllm.pipeline.context import RunContext
from humanllm.synthesis.records import load_curated
from humanllm.synthesis.stage import STAGE, run_curate
from humanllm.synthesis.testing import ScoringServer, server_overrides, tiny_corpus

SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from humanllm.config import load_config
    from humanllm.synthesis.stage import run_curate
    from humanllm.pipeline.context import RunContext
    from humanllm.store import Artifact
    overrides, corpus, key = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    run_curate(RunContext.from_config(load_config(overrides)), Artifact("corpus", key, corpus, {}))
    print("finished")
""")

USERS, POSTS = 4, 4  # 16 clean calls, then up to 16 round-1 synthesis calls


SYNTHESIS_MARKERS = ("Describe the writer", "situation (what happened")  # profile/style and scenario prompts


def _is_synthesis(messages: list) -> bool:
    text = json.dumps(messages)
    return any(m in text for m in SYNTHESIS_MARKERS)


def test_kill9_mid_synthesis_resumes_without_paying_twice(tmp_path):
    corpus = tiny_corpus(tmp_path / "corpus", USERS, POSTS)
    store = tmp_path / "artifacts"
    with ScoringServer(latency_s=0.25) as server:
        overrides = server_overrides(server, store, "llm.max_in_flight=2", "llm.timeout_s=10")
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, json.dumps(overrides), str(corpus.path), corpus.key],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 90
        while sum(_is_synthesis(b["messages"]) for b in list(server.bodies)) < 4:
            assert proc.poll() is None, f"curation ended before the kill: {proc.communicate()}"
            assert time.time() < deadline, "synthesis never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        time.sleep(0.4)  # let the replies in flight at the kill arrive at the dead socket

        cache_file = store / "llm_cache" / "responses.sqlite"
        cache = ResponseCache(cache_file)
        answered = [c["messages"] for c in cache.calls()]
        cache.close()
        published = [p for p in (store / STAGE).glob("*") if not p.name.startswith(".")]
        assert published == [], "a killed run must not publish an artifact"
        assert any(_is_synthesis(m) for m in answered), "the kill came before any synthesis reply was stored"

        server.reset_counts()
        ctx = RunContext.from_config(load_config(overrides))
        art = run_curate(ctx, corpus)
        resent = [b for b in server.bodies if b["messages"] in answered]
        assert resent == [], f"{len(resent)} calls answered before the kill were sent again"
        cache = ResponseCache(cache_file)
        total = len(cache)
        cache.close()
        assert len(answered) + server.requests == total  # every call paid exactly once over both runs
        assert art.counts["llm"]["clean"]["cache_hits"] == USERS * POSTS  # the clean pass had finished
        cur = load_curated(art.path)
        assert cur.profiles and cur.scenarios
