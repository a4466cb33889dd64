"""The backend interface and the logic every backend shares: cache, validation, one repair, accounting.

A backend only implements `_generate` (send calls, report each reply as it arrives). Everything else,
from cache lookups to rejects with reasons, lives here once.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tqdm.auto import tqdm

from humanllm.llm.accounting import StageStats
from humanllm.llm.cache import ResponseCache, call_key
from humanllm.llm.config import LLMConfig
from humanllm.llm.server import server_log_hint
from humanllm.llm.structured import check_reply, json_schema, repair_messages, with_schema_hint
from humanllm.llm.types import Call, Completion, LLMRequest, LLMResult

log = logging.getLogger(__name__)

OnReply = Callable[[str, Completion], None]  # (call key, reply or failure)
EndpointPolicy = Literal["raise", "reject"]


def is_endpoint_failure(reason: str | None) -> bool:
    """A request the endpoint never answered, after every retry: unreachable (connection_error), a server
    error (http_5xx), a rate limit (http_429) or no reply in time (timeout). Not a property of the prompt."""
    return reason in ("connection_error", "timeout", "http_429") or (reason or "").startswith("http_5")


class EndpointFailed(RuntimeError):
    """The LLM endpoint failed requests: the stage is not a result and is not published (CLI exit code 4).
    Replies received before the failure are in the response cache; a rerun sends only the rest."""

    exit_code = 4

    def __init__(
        self, backend: LLMBackend, stage: str, failed: dict[str, int], answered: int, total: int, aborted: bool
    ):
        counts = ", ".join(f"{reason} x{n}" for reason, n in sorted(failed.items()))
        how = (
            f"stopped after {sum(failed.values())} failures in a row"
            if aborted
            else f"{sum(failed.values())} of {total} requests failed"
        )
        retries = getattr(backend.cfg, "max_retries", 0)
        super().__init__(
            f"LLM endpoint {backend.endpoint} (model {backend.model_id}) is failing: {how} after {retries} retries "
            f"each ({counts}) in stage {stage!r}; nothing was published.{server_log_hint(backend.endpoint)}\n"
            f"Fix or restart the endpoint and rerun: the {answered} replies received are cached, and only the "
            "failed requests are sent again."
        )
        self.failed = failed


def abort_after(cfg: LLMConfig) -> int:
    """Endpoint failures in a row, with no reply between them, that stop a run early (the endpoint is down)."""
    return max(8, 2 * getattr(cfg, "max_in_flight", 1))


@dataclass
class _Pending:
    """One request on its way through first call, maybe repair, and validation."""

    request: LLMRequest
    call: Call
    result: LLMResult | None = None
    raw: str | None = None
    reason: str | None = None
    detail: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    cached: bool = True
    repaired: bool = False


class LLMBackend(ABC):
    """Runs a list of LLMRequests to LLMResults: every request ends ok or rejected with a reason."""

    kind: str  # "openai" | "local": part of the cache key

    def __init__(self, cfg: LLMConfig, cache: ResponseCache | None):
        self.cfg = cfg
        self.cache = cache
        self._stats: dict[str, StageStats] = {}

    @property
    @abstractmethod
    def model_id(self) -> str:
        """What identifies the model in cache keys."""

    @property
    @abstractmethod
    def endpoint(self) -> str:
        """Where replies come from (a server URL, a model folder): part of the cache key."""

    @property
    @abstractmethod
    def output_mode(self) -> str:
        """How structured output is obtained (part of the cache key)."""

    @abstractmethod
    def _generate(self, calls: list[tuple[str, Call]], on_reply: OnReply, stats: StageStats) -> None:
        """Send the calls; report each reply (or transport failure) through on_reply as it arrives."""

    def run(
        self,
        requests: list[LLMRequest],
        progress: bool = True,
        stage: str = "llm",
        endpoint_failures: EndpointPolicy = "raise",
    ) -> list[LLMResult]:
        """Answer the requests, in order. Accounting accumulates under `stage` (see `accounting`).

        endpoint_failures="raise" (the default): a request that ends on an endpoint failure (see
        `is_endpoint_failure`) raises EndpointFailed once the run ends, or as soon as `abort_after` of them come
        in a row; "reject" records them as rejected results instead (to measure a faulty endpoint)."""
        ids = [r.request_id for r in requests]
        if len(set(ids)) != len(ids):
            raise ValueError("request_id values must be unique within one run")
        stats = self._stats.setdefault(stage, StageStats())
        self._policy, self._stage, self._in_a_row, self._answered = endpoint_failures, stage, 0, 0
        self._failed: dict[str, int] = {}
        started = time.perf_counter()
        pending = [_Pending(r, self._first_call(r)) for r in requests]
        with tqdm(total=len(pending), desc=stage, unit="req", disable=not progress, mininterval=0.5) as bar:
            to_repair = self._answer(pending, stats, bar, last_try=not self.cfg.repair)
            stats.repairs += len(to_repair)
            for p in to_repair:
                p.repaired = True
                p.call = self._repair_call(p)
            self._answer(to_repair, stats, bar, last_try=True)
        stats.wall_s += time.perf_counter() - started
        results = [p.result for p in pending]
        for res in results:
            assert res is not None
            stats.add_result(res)
        log.info("%s: %s", stage, {k: v for k, v in stats.as_dict().items() if v})
        if endpoint_failures == "raise" and self._failed:
            raise EndpointFailed(self, stage, self._failed, self._answered, len(results), aborted=False)
        return results  # type: ignore[return-value]

    def _watch_endpoint(self, reply: Completion) -> None:
        """Count endpoint failures; stop the run when `abort_after` come in a row (policy "raise")."""
        if reply.cached or not is_endpoint_failure(reply.error):
            self._in_a_row = 0
            self._answered += 1
            return
        self._failed[reply.error] = self._failed.get(reply.error, 0) + 1  # type: ignore[index]
        self._in_a_row += 1
        if self._policy == "raise" and self._in_a_row >= abort_after(self.cfg):
            raise EndpointFailed(self, self._stage, self._failed, self._answered, self._in_a_row, aborted=True)

    def accounting(self, stage: str | None = None) -> dict[str, Any]:
        """Request/token accounting for one stage, or for all stages, as plain dicts for a manifest."""
        head = {"backend": self.kind, "model": self.model_id, "output_mode": self.output_mode}
        if stage is not None:
            return {**head, **self._stats.get(stage, StageStats()).as_dict()}
        return {name: {**head, **s.as_dict()} for name, s in self._stats.items()}

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> LLMBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _first_call(self, req: LLMRequest) -> Call:
        schema = json_schema(req.schema) if req.schema is not None else None
        messages = req.messages
        if schema is not None and self.cfg.schema_in_prompt:
            messages = with_schema_hint(messages, schema)
        return Call(
            messages=tuple((m["role"], m["content"]) for m in messages),
            schema=schema,
            schema_name=req.schema.__name__ if req.schema is not None else None,
            max_tokens=req.max_tokens or self.cfg.max_tokens,
            temperature=self.cfg.temperature if req.temperature is None else req.temperature,
            seed=self.cfg.seed if req.seed is None else req.seed,
        )

    @staticmethod
    def _repair_call(p: _Pending) -> Call:
        messages = repair_messages(p.call.message_dicts(), p.raw, p.reason or "", p.detail or "")
        return Call(
            tuple((m["role"], m["content"]) for m in messages),
            p.call.schema,
            p.call.schema_name,
            p.call.max_tokens,
            p.call.temperature,
            p.call.seed,
        )

    def _answer(self, pending: list[_Pending], stats: StageStats, bar: tqdm, last_try: bool) -> list[_Pending]:
        """Get a reply for each pending request's call; returns those that should be repaired."""
        by_key: dict[str, list[_Pending]] = {}
        for p in pending:
            by_key.setdefault(call_key(self.kind, self.endpoint, self.model_id, self.output_mode, p.call), []).append(p)
        to_repair: list[_Pending] = []

        def on_reply(key: str, reply: Completion) -> None:
            stats.add_completion(reply)
            if self.cache is not None and reply.error is None and not reply.cached:
                self.cache.put(key, self.kind, self.model_id, by_key[key][0].call, reply)
            self._watch_endpoint(reply)
            for p in by_key[key]:
                if self._settle(p, reply, last_try):
                    bar.update(1)
                else:
                    to_repair.append(p)

        hits = self.cache.get_many(by_key) if self.cache is not None else {}
        for key, reply in hits.items():
            on_reply(key, reply)
        misses = [(key, group[0].call) for key, group in by_key.items() if key not in hits]
        if misses:
            self._generate(misses, on_reply, stats)
        return to_repair

    @staticmethod
    def _settle(p: _Pending, reply: Completion, last_try: bool) -> bool:
        """Fold a reply into the request; True when the request is finished (ok or rejected)."""
        p.attempts += reply.attempts
        p.cached = p.cached and reply.cached
        p.prompt_tokens += reply.prompt_tokens
        p.completion_tokens += reply.completion_tokens
        if reply.error is not None:
            value, reason, detail = None, reply.error, reply.error_detail
        else:
            p.raw = reply.text
            value, reason, detail = check_reply(reply.text, reply.finish_reason, p.request.schema)
        if reason is not None and reply.error is None and not last_try and p.request.schema is not None:
            p.reason, p.detail = reason, detail
            return False
        p.result = LLMResult(
            request_id=p.request.request_id,
            ok=reason is None,
            value=value,
            reason=reason,
            error=detail,
            raw=p.raw,
            prompt_tokens=p.prompt_tokens,
            completion_tokens=p.completion_tokens,
            attempts=p.attempts,
            repaired=p.repaired,
            cached=p.cached,
            metadata=p.request.metadata,
        )
        return True
