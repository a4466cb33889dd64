"""Structured output shared by every backend: schema hints, request formats, parsing, validation, repair."""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from humanllm.llm.types import Message

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


@lru_cache(maxsize=256)
def json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a pydantic model class (cached: it is part of every cache key)."""
    return schema.model_json_schema()


def response_format(mode: str, name: str | None, schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `response_format` body field for a structured-output mode (None: prompt-only or text)."""
    if schema is None or mode == "none":
        return None
    if mode == "json_schema":  # OpenAI / vLLM standard
        strict = strict_json_schema(schema)
        return {"type": "json_schema", "json_schema": {"name": name or "output", "schema": strict, "strict": True}}
    if mode == "json_object_schema":  # llama-cpp-python's server: enforced by a grammar built from the schema
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    raise ValueError(f"unknown structured_output mode {mode!r}")


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema in OpenAI's strict form (every property required, no additional properties), made by
    the SDK's own converter (the one behind `chat.completions.parse`); pydantic still validates replies."""
    from openai.lib._pydantic import _ensure_strict_json_schema

    root = copy.deepcopy(schema)
    return _ensure_strict_json_schema(root, path=(), root=root)


def schema_instruction(schema: dict[str, Any]) -> str:
    return "Reply with only one JSON object that matches this JSON schema, and nothing else:\n" + json.dumps(
        schema, ensure_ascii=False, separators=(",", ":")
    )


def with_schema_hint(messages: list[Message], schema: dict[str, Any]) -> list[Message]:
    """Append the schema instruction to the system message (adding one if there is none)."""
    hint = schema_instruction(schema)
    if messages and messages[0]["role"] == "system":
        first = {"role": "system", "content": f"{messages[0]['content']}\n\n{hint}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": hint}, *messages]


def parse_json(text: str) -> Any:
    """Parse a reply as JSON, tolerating raw newlines in strings, code fences and chatter around one object."""
    text = text.strip()
    candidates = [text]
    fenced = _FENCE.search(text)
    if fenced:
        candidates.append(fenced.group(1).strip())
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    err: json.JSONDecodeError | None = None
    for cand in candidates:
        try:
            return json.loads(cand, strict=False)
        except json.JSONDecodeError as e:
            err = err or e
    assert err is not None
    raise err


def check_reply(
    text: str | None, finish_reason: str | None, schema: type[BaseModel] | None
) -> tuple[BaseModel | str | None, str | None, str | None]:
    """Validate one reply. Returns (value, None, None) when good, else (None, reason, detail)."""
    if finish_reason == "length":
        return None, "truncated", "the reply was cut off at max_tokens"
    if text is None or not text.strip():
        return None, "empty_response", "the reply had no content"
    if schema is None:
        return text.strip(), None, None
    try:
        obj = parse_json(text)
    except json.JSONDecodeError as e:
        return None, "invalid_json", f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
    try:
        return schema.model_validate(obj), None, None
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, x['loc'])) or '<root>'}: {x['msg']}" for x in e.errors()[:8])
        return None, "schema_mismatch", f"does not match the schema: {problems}"


def repair_messages(messages: list[Message], reply: str | None, reason: str, detail: str) -> list[Message]:
    """The re-ask after a bad reply: the conversation so far, the reply, and what was wrong with it."""
    if reason == "truncated":
        ask = "Your reply was cut off because it was too long. Reply again with a shorter, complete JSON object."
    else:
        ask = f"Your reply was not usable: {detail}. Reply again with only the corrected JSON object."
    return [*messages, {"role": "assistant", "content": reply or ""}, {"role": "user", "content": ask}]
