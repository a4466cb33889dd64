"""The response cache is keyed by endpoint + model + the full request: two servers that both call their
model "smollm2" never share replies, and any change to the request asks again."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from humanllm.llm import LLMConfig, LLMRequest, make_backend
from humanllm.llm.testing import FaultServer


class Reply(BaseModel):
    answer: str


def cfg_for(server: FaultServer, cache: Path, **overrides) -> LLMConfig:
    fields = dict(
        name="t",
        base_url=server.base_url,
        model="smollm2",
        structured_output="json_schema",
        timeout_s=2.0,
        max_retries=0,
        cache_dir=str(cache),
    )
    return LLMConfig(**{**fields, **overrides})


def ask(cfg: LLMConfig, content: str = "Hello?", **request) -> list:
    with make_backend(cfg) as backend:
        return backend.run(
            [LLMRequest("q", [{"role": "user", "content": content}], schema=Reply, **request)], progress=False
        )


def test_cache_is_keyed_by_endpoint_model_and_request(tmp_path):
    cache = tmp_path / "cache"
    with FaultServer(model="smollm2") as first, FaultServer(model="smollm2") as second:
        assert first.base_url != second.base_url
        ask(cfg_for(first, cache))
        assert first.requests == 1
        again = ask(cfg_for(first, cache))
        assert first.requests == 1 and again[0].cached, "same endpoint, model and request: a cache hit"
        ask(cfg_for(first, cache, base_url=first.base_url + "/"))
        assert first.requests == 1, "a trailing slash is the same endpoint"

        other = ask(cfg_for(second, cache))
        assert second.requests == 1 and not other[0].cached, "another server with the same model alias asks anew"

        changes = [dict(model="smollm2-q8"), dict(temperature=0.9), dict(max_tokens=77)]
        for i, change in enumerate(changes, start=1):
            ask(cfg_for(first, cache, **change))
            assert first.requests == 1 + i, change
        ask(cfg_for(first, cache), content="Hello!")
        assert first.requests == 1 + len(changes) + 1, "another prompt asks anew"
        ask(cfg_for(first, cache), seed=7)
        assert first.requests == 1 + len(changes) + 2, "another seed asks anew"
