"""On-disk response cache: sqlite in WAL mode, one row per reply, committed as each reply arrives.

Safe under concurrent processes (WAL + busy timeout) and under kill -9 (a committed row survives the
process; an uncommitted one is simply asked again), so an interrupted run resumes without paying twice.
Rows hold the call (messages, schema, generation parameters) and the reply: never credentials.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from humanllm.io import canonical_json, stable_hash
from humanllm.llm.types import Call, Completion

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    call TEXT NOT NULL,
    text TEXT,
    finish_reason TEXT,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created_at REAL NOT NULL
)
"""


def call_key(backend: str, endpoint: str, model: str, mode: str, call: Call) -> str:
    """Cache key: backend, endpoint (server URL or local model folder), model, structured-output mode, full
    messages, schema and generation parameters. Two servers that both call their model "smollm2" share nothing."""
    return stable_hash(
        {"backend": backend, "endpoint": endpoint, "model": model, "mode": mode, "call": _call_dict(call)}, length=32
    )


def _call_dict(call: Call) -> dict:
    return {
        "messages": call.message_dicts(),
        "schema": call.schema,
        "schema_name": call.schema_name,
        "max_tokens": call.max_tokens,
        "temperature": call.temperature,
        "seed": call.seed,
    }


class ResponseCache:
    """Maps a call key to the reply received for it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across process kills; fsync at checkpoints
        self._db.execute(_SCHEMA)

    def get_many(self, keys: Iterable[str]) -> dict[str, Completion]:
        """Cached replies for those keys that have one."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, Completion] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = self._db.execute(
                "SELECT key, text, finish_reason, prompt_tokens, completion_tokens FROM replies "
                f"WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for key, text, finish, pt, ct in rows:
                found[key] = Completion(text, finish, pt, ct, attempts=0, cached=True)
        return found

    def put(self, key: str, backend: str, model: str, call: Call, reply: Completion) -> None:
        """Store one reply and commit at once (transport failures are never cached)."""
        if reply.error is not None:
            raise ValueError("a failed call has no reply to cache")
        self._db.execute(
            "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                backend,
                model,
                canonical_json(_call_dict(call)),
                reply.text,
                reply.finish_reason,
                reply.prompt_tokens,
                reply.completion_tokens,
                time.time(),
            ),
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def calls(self) -> list[dict]:
        """Every cached call (for inspection and tests)."""
        return [json.loads(c) for (c,) in self._db.execute("SELECT call FROM replies")]

    def close(self) -> None:
        self._db.close()
