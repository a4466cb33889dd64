"""Backend for any OpenAI-compatible chat server: N calls in flight, per-attempt timeout, tenacity retries.

Retries (exponential backoff with full jitter) cover 429, 5xx, timeouts and connection errors; the
OpenAI client's own retries are off so every attempt is counted here. Raises ConfigError at
construction when the configured API-key variable is missing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import openai
from openai import AsyncOpenAI
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from humanllm.llm.accounting import StageStats
from humanllm.llm.base import LLMBackend, OnReply
from humanllm.llm.cache import ResponseCache
from humanllm.llm.config import DUMMY_API_KEY, LLMConfig
from humanllm.llm.structured import response_format
from humanllm.llm.types import Call, Completion

RETRY_STATUS = {408, 409, 429}


def error_reason(err: BaseException) -> str:
    """A short, stable reason for a transport failure: timeout, http_429, http_500, connection_error..."""
    if isinstance(err, (openai.APITimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(err, openai.APIStatusError):
        return f"http_{err.status_code}"
    if isinstance(err, openai.APIConnectionError):
        return "connection_error"
    if isinstance(err, openai.APIResponseValidationError):
        return "bad_response"
    return "api_error"


def is_retryable(err: BaseException) -> bool:
    if isinstance(err, (openai.APITimeoutError, openai.APIConnectionError, TimeoutError)):
        return True
    return isinstance(err, openai.APIStatusError) and (err.status_code in RETRY_STATUS or err.status_code >= 500)


class OpenAIBackend(LLMBackend):
    """Chat completions against `cfg.base_url`, structured output in the configured form."""

    kind = "openai"

    def __init__(self, cfg: LLMConfig, cache: ResponseCache | None):
        super().__init__(cfg, cache)
        self._api_key = cfg.api_key()  # fails now, not mid-run, when the variable is missing

    @property
    def model_id(self) -> str:
        return self.cfg.model or ""

    @property
    def endpoint(self) -> str:
        return (self.cfg.base_url or "").rstrip("/")

    @property
    def output_mode(self) -> str:
        return self.cfg.structured_output

    def _generate(self, calls: list[tuple[str, Call]], on_reply: OnReply, stats: StageStats) -> None:
        asyncio.run(self._generate_async(calls, on_reply, stats))

    async def _generate_async(self, calls: list[tuple[str, Call]], on_reply: OnReply, stats: StageStats) -> None:
        in_flight = asyncio.Semaphore(self.cfg.max_in_flight)
        client = AsyncOpenAI(
            api_key=self._api_key, base_url=self.cfg.base_url, max_retries=0, timeout=self.cfg.timeout_s + 5
        )
        async with client:

            async def one(key: str, call: Call) -> None:
                on_reply(key, await self._call(client, in_flight, call, stats))

            await asyncio.gather(*(one(key, call) for key, call in calls))

    async def _call(
        self, client: AsyncOpenAI, in_flight: asyncio.Semaphore, call: Call, stats: StageStats
    ) -> Completion:
        """One call with retries; a failure after the last retry comes back as Completion(error=...)."""
        attempts = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.cfg.max_retries + 1),
            wait=wait_random_exponential(multiplier=self.cfg.backoff_initial_s, max=self.cfg.backoff_max_s),
            retry=retry_if_exception(is_retryable),
            before_sleep=lambda state: stats.add_error(error_reason(state.outcome.exception())),
            reraise=True,
        )

        async def attempt() -> Completion:
            nonlocal attempts
            async with in_flight:
                attempts += 1
                async with asyncio.timeout(self.cfg.timeout_s):
                    resp = await client.chat.completions.create(**self._body(call))
            usage = resp.usage
            choice = resp.choices[0] if resp.choices else None
            return Completion(
                text=choice.message.content if choice else None,
                finish_reason=choice.finish_reason if choice else None,
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            )

        try:
            reply = await retrying(attempt)
        except (openai.APIError, TimeoutError) as err:
            reason = error_reason(err)
            stats.add_error(reason)
            return Completion(error=reason, error_detail=self._scrub(str(err) or reason), attempts=attempts)
        reply.attempts = attempts
        return reply

    def _body(self, call: Call) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.cfg.model,
            "messages": call.message_dicts(),
            "max_tokens": call.max_tokens,
            "temperature": call.temperature,
        }
        if call.seed is not None:
            body["seed"] = call.seed
        fmt = response_format(self.cfg.structured_output, call.schema_name, call.schema)
        if fmt is not None:
            # extra_body: sent as is. It carries server extensions (llama.cpp's json_object + schema) and
            # spares the client's per-request walk of the typed params over the whole schema.
            body["extra_body"] = {"response_format": fmt}
        return body

    def _scrub(self, text: str) -> str:
        """Error texts come from the server: make sure none carries the key back into results or logs."""
        if self._api_key != DUMMY_API_KEY:
            text = text.replace(self._api_key, "<redacted>")
        return text[:500]
