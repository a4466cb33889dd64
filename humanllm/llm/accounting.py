"""Per-stage request and token accounting, returned as a plain dict for the stage manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from humanllm.llm.types import Completion, LLMResult


@dataclass
class StageStats:
    """Counts for one stage. `requests_sent` counts calls that reached the backend, retries included."""

    requests: int = 0  # LLMRequests handled
    ok: int = 0
    rejected: int = 0
    rejects_by_reason: Counter = field(default_factory=Counter)
    requests_sent: int = 0
    retries: int = 0
    cache_hits: int = 0
    repairs: int = 0
    errors_seen: Counter = field(default_factory=Counter)  # transport errors met along the way, retried or not
    prompt_tokens: int = 0  # paid (not cached)
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    wall_s: float = 0.0

    def add_completion(self, reply: Completion) -> None:
        """Account one reply or failure of a call."""
        if reply.cached:
            self.cache_hits += 1
            self.cached_prompt_tokens += reply.prompt_tokens
            self.cached_completion_tokens += reply.completion_tokens
            return
        self.requests_sent += reply.attempts
        self.retries += max(reply.attempts - 1, 0)
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens

    def add_error(self, reason: str) -> None:
        self.errors_seen[reason] += 1

    def add_result(self, result: LLMResult) -> None:
        self.requests += 1
        if result.ok:
            self.ok += 1
        else:
            self.rejected += 1
            self.rejects_by_reason[result.reason or "unknown"] += 1

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if not isinstance(v, Counter)}
        out["rejects_by_reason"] = dict(sorted(self.rejects_by_reason.items()))
        out["errors_seen"] = dict(sorted(self.errors_seen.items()))
        out["wall_s"] = round(self.wall_s, 3)
        out["requests_per_s"] = round(self.requests_sent / self.wall_s, 2) if self.wall_s else None
        return out
