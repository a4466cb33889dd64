"""Parsing, validation and request formats shared by every backend, and the fault server's example values."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from humanllm.llm.structured import (
    check_reply,
    json_schema,
    parse_json,
    repair_messages,
    response_format,
    with_schema_hint,
)
from humanllm.llm.testing import example_value


class Inner(BaseModel):
    kind: Literal["a", "b"]
    score: int = Field(ge=1, le=10)


class Outer(BaseModel):
    title: str = Field(min_length=30)
    tags: list[str]
    inner: Inner
    note: str | None = None
    weight: float = Field(gt=0)
    flag: bool


def test_parse_json_tolerates_raw_newlines_fences_and_chatter() -> None:
    assert parse_json('{"a": "line one\nline two"}') == {"a": "line one\nline two"}
    assert parse_json('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json('Sure! Here it is: {"a": 1} Hope this helps.') == {"a": 1}


def test_check_reply_reasons() -> None:
    good = '{"kind": "a", "score": 3}'
    value, reason, _ = check_reply(good, "stop", Inner)
    assert reason is None and value == Inner(kind="a", score=3)
    assert check_reply(good, "length", Inner)[1] == "truncated"
    assert check_reply("", "stop", Inner)[1] == "empty_response"
    assert check_reply('{"kind": "a", "score":', "stop", Inner)[1] == "invalid_json"
    value, reason, detail = check_reply('{"kind": "c", "score": 11}', "stop", Inner)
    assert value is None and reason == "schema_mismatch" and "kind" in detail and "score" in detail
    assert check_reply("  plain text ", "stop", None) == ("plain text", None, None)


def test_response_formats() -> None:
    schema = json_schema(Inner)
    std = response_format("json_schema", "Inner", schema)
    assert std["type"] == "json_schema" and std["json_schema"]["strict"] is True
    assert std["json_schema"]["schema"]["additionalProperties"] is False  # OpenAI strict form
    assert "additionalProperties" not in schema  # the original is untouched
    assert response_format("json_object_schema", "Inner", schema) == {"type": "json_object", "schema": schema}
    assert response_format("json_object", "Inner", schema) == {"type": "json_object"}
    assert response_format("none", "Inner", schema) is None
    assert response_format("json_schema", None, None) is None


def test_schema_hint_goes_into_the_system_message() -> None:
    schema = json_schema(Inner)
    with_system = with_schema_hint(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], schema
    )
    assert len(with_system) == 2 and with_system[0]["content"].startswith("Be brief.")
    assert '"score"' in with_system[0]["content"]
    without = with_schema_hint([{"role": "user", "content": "hi"}], schema)
    assert [m["role"] for m in without] == ["system", "user"]


def test_repair_messages_carry_the_reply_and_the_error() -> None:
    msgs = repair_messages([{"role": "user", "content": "q"}], "{bad", "invalid_json", "not valid JSON: x")
    assert msgs[1] == {"role": "assistant", "content": "{bad"}
    assert "not valid JSON: x" in msgs[2]["content"]
    assert "shorter" in repair_messages([], "{", "truncated", "cut")[-1]["content"]


@pytest.mark.parametrize("salt", ["a", "b", "c"])
def test_example_values_validate(salt: str) -> None:
    schema = json_schema(Outer)
    assert Outer.model_validate(example_value(schema, schema, salt))
    strict = response_format("json_schema", "Outer", schema)["json_schema"]["schema"]
    assert Outer.model_validate(example_value(strict, strict, salt))
