"""What goes into an LLM backend and what comes out: requests, results, and one generation call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

Message = dict[str, str]  # {"role": ..., "content": ...}

# Why a request ended without a value. Transport reasons come from the last failed attempt.
REJECT_REASONS = (
    "invalid_json",  # the reply did not parse as JSON
    "schema_mismatch",  # it parsed but did not validate against the request's schema
    "truncated",  # cut off at max_tokens (finish_reason == "length")
    "empty_response",  # no content at all
    "timeout",
    "connection_error",
    # plus "http_<status>" (e.g. http_429, http_500) once retries are exhausted
)


@dataclass(frozen=True)
class LLMRequest:
    """One prompt. `schema` (a pydantic model class) asks for a validated JSON object; None asks for text.

    max_tokens / temperature / seed left as None take the backend config's values.
    """

    request_id: str
    messages: list[Message]
    schema: type[BaseModel] | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class LLMResult:
    """The outcome of one request: a validated value (or text), or a reject with its reason."""

    request_id: str
    ok: bool
    value: BaseModel | str | None  # the pydantic object (schema requests) or the text
    reason: str | None = None  # see REJECT_REASONS; None when ok
    error: str | None = None  # a human-readable detail for the reason
    raw: str | None = None  # the last reply text as received
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0  # generation calls sent for this request, retries and repair included (cache hits: 0)
    repaired: bool = False  # a repair re-ask was made
    cached: bool = False  # every reply came from the response cache
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One generation with fully resolved parameters: the unit that is sent, retried and cached."""

    messages: tuple[tuple[str, str], ...]
    schema: dict[str, Any] | None  # JSON schema of the expected object, or None for text
    schema_name: str | None
    max_tokens: int
    temperature: float
    seed: int | None

    def message_dicts(self) -> list[Message]:
        return [{"role": r, "content": c} for r, c in self.messages]


@dataclass
class Completion:
    """A reply to a Call (text + finish_reason) or a transport failure (`error` set)."""

    text: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    cached: bool = False
    error: str | None = None  # e.g. timeout, http_429: the call never produced a reply
    error_detail: str | None = None
