"""Test helpers for curation: a fault server whose judge scores are controllable, and a tiny corpus.

`ScoringServer` is humanllm.llm.testing.FaultServer (faults, latency, counters) answering judge
requests (a schema of integer metrics with `overall`) with scores from `scores(metrics, salt)`,
and every other structured request with deterministic schema-valid JSON, as FaultServer does, except:
the paper's clean tags (never unsafe; one post in five not a social event, by a hash of the post) and
story lists (four stories, so the story tasks have a past and a future). With `quote_prompt=True`, free-text
fields copy 12-word runs of the record (its user's posts), as a real writer LLM quotes: leakage tests see them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from humanllm.data.records import Post, UserRecord
from humanllm.io import write_jsonl
from humanllm.llm.testing import FaultServer, schema_of, schema_reply
from humanllm.store import Artifact

Scorer = Callable[[list[str], str], dict[str, int]]


def graded_scores(metrics: list[str], salt: str) -> dict[str, int]:
    """One quality level per record (7, 8, 9 or 10 for every metric); one record in five has one
    non-overall metric at 6. Structured (9/8) keeps levels 9-10, strict (10/9) only level 10."""
    h = int(hashlib.sha256(salt.encode()).hexdigest()[:12], 16)
    level = (7, 8, 9, 10)[h % 4]
    scores = {m: level for m in metrics}
    others = [m for m in metrics if m != "overall"]
    if others and (h // 4) % 5 == 0:
        scores[others[(h // 20) % len(others)]] = 6
    return scores


def is_judge_schema(schema: Mapping[str, Any] | None) -> bool:
    """Judge replies are the only curation schemas with an `overall` property."""
    return "overall" in (schema or {}).get("properties", {})


class ScoringServer(FaultServer):
    """FaultServer whose judge replies come from `scorer` (default: `graded_scores`)."""

    def __init__(self, *args: Any, scorer: Scorer = graded_scores, quote_prompt: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scorer = scorer
        self.quote_prompt = quote_prompt  # free-text fields copy 12-word runs of the record (its user's posts)

    def _content(self, body: Mapping[str, Any]) -> str:  # type: ignore[override]
        schema = schema_of(body)
        # the first user message holds the record (a repair re-ask appends to the same conversation)
        record = next((str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user"), "")
        props = set((schema or {}).get("properties", {}))
        if is_judge_schema(schema):
            metrics = [m for m in schema["properties"] if m != "explanation"]
            explained = {"explanation": f"judged {record[:40]}"} if "explanation" in props else {}
            return json.dumps({**explained, **self.scorer(metrics, record)})
        quote = record.split() if self.quote_prompt else ()
        reply = json.loads(schema_reply(body, quote)) if schema else None
        h = int(hashlib.sha256(record.encode()).hexdigest()[:8], 16)
        if props == {"text", "unsafe", "social_event"}:
            reply.update(unsafe=False, social_event=h % 5 != 0)
        elif props == {"stories"}:
            reply["stories"] = [
                {"summary": f"story {i} summary {h % 97}", "content": f"story {i} content {h:x}"} for i in range(4)
            ]
        return json.dumps(reply) if schema else FaultServer._content(body)


POST_TEMPLATES = (
    "Last weekend my sister asked me to help her move flats. I said yes although I had an exam on Monday. "
    "We carried boxes all day and laughed a lot; I studied on the train afterwards. Post {i} of user {u}.",
    "I finally fixed my old bike and rode along the river at sunset. My knee hurt but the view was worth it. "
    "A neighbour stopped to ask about the gears and we talked for an hour. Post {i} of user {u}.",
    "Our book club argued about the ending again. I defended the villain, which nobody expected, and "
    "we ended up ordering pizza and staying until midnight. Post {i} of user {u}.",
)


def tiny_corpus(folder: Path, n_users: int = 4, posts_per_user: int = 4) -> Artifact:
    """A hand-made corpus folder (users.jsonl) wrapped as an Artifact, for curation tests."""
    platforms = ("reddit", "twitter", "blogger", "amazon")
    kinds = {"reddit": "submission", "twitter": "tweet", "blogger": "blog_post", "amazon": "review"}
    users = []
    for u in range(n_users):
        platform = platforms[u % len(platforms)]
        uid = f"{platform}:user{u}"
        posts = [
            Post(
                post_id=f"{platform}:p{u}_{i}",
                platform=platform,
                kind=kinds[platform],
                author=f"user{u}",
                text=POST_TEMPLATES[(u + i) % len(POST_TEMPLATES)].format(i=i, u=u),
                created_at=1_600_000_000 + i,
            )
            for i in range(posts_per_user)
        ]
        users.append(UserRecord(user_id=uid, platform=platform, posts=posts))
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "users.jsonl", users)
    key = hashlib.sha256(f"tiny:{n_users}:{posts_per_user}".encode()).hexdigest()[:16]
    return Artifact("corpus", key, folder, {"counts": {"users": n_users}})


def server_overrides(server: FaultServer, artifacts: Path, *extra: str) -> list[str]:
    """Config overrides that point the `llm` group at a test server, with short timeouts and backoff."""
    return [
        "tracker=none",
        "progress=false",
        f"paths.artifacts={artifacts}",
        "synthesis=structured",
        "llm=llama_server",
        f"llm.base_url={server.base_url}",
        f"llm.model={server.model}",
        "llm.structured_output=json_schema",
        "llm.max_in_flight=16",
        "llm.timeout_s=1.5",
        "llm.max_retries=4",
        "llm.backoff_initial_s=0.01",
        "llm.backoff_max_s=0.05",
        *extra,
    ]
