"""FAULT-INJECTING TEST SERVER: an OpenAI-compatible chat server that misbehaves on purpose.

For tests and benchmarks only. It serves `/v1/chat/completions` and `/v1/models` on 127.0.0.1 from a
background thread, waits a fixed latency before each answer and, at `fault_rate`, injects a fault:
a hang (no answer for `hang_s`), HTTP 429, HTTP 500, invalid JSON content, or JSON truncated with
finish_reason "length" (`script` fixes the outcomes of the first requests instead). `stop()` is a crash as a
client sees it: the port closes and every later request is refused. Otherwise it proxies the request to `upstream` (e.g. the real llama.cpp server)
or answers with deterministic valid JSON built from the request's schema. It counts what it receives.

    with FaultServer(latency_s=0.2, fault_rate=0.3) as server:
        cfg = LLMConfig(name="t", base_url=server.base_url, model=server.model, structured_output="json_schema")
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

FAULTS = ("hang", "http_429", "http_500", "invalid_json", "truncated")


QUOTE_WORDS = 12  # longer than the leakage check's 8-word window


def schema_of(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a chat request asks for, in any of the accepted response_format forms."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    return fmt.get("schema")


def example_value(
    schema: Mapping[str, Any], root: Mapping[str, Any], salt: str, name: str = "value", quote: Sequence[str] = ()
) -> Any:
    """A deterministic value that validates against `schema` (objects, arrays, scalars, enums, $ref, anyOf).
    Free strings are `name` plus a hash, or, given `quote` (words), QUOTE_WORDS consecutive words of it."""
    digest = int(hashlib.sha256(f"{salt}/{name}".encode()).hexdigest()[:8], 16)
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return example_value(target, root, salt, name, quote)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][digest % len(schema["enum"])]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_value(options[0], root, salt, name, quote)
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example_value(v, root, salt, k, quote) for k, v in props.items()}
    if kind == "array":
        count = max(schema.get("minItems", 1), 1)
        return [example_value(schema.get("items", {}), root, salt, f"{name}{i}", quote) for i in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in schema else 0))
        high = schema.get("maximum", low + 9)
        return int(low + digest % (int(high - low) + 1))
    if kind == "boolean":
        return digest % 2 == 0
    if kind == "null":
        return None
    if quote:
        start = digest % max(len(quote) - QUOTE_WORDS + 1, 1)
        text = " ".join(quote[start : start + QUOTE_WORDS])
    else:
        text = f"{name} {digest:x}"
    return (text * (schema.get("minLength", 0) // len(text) + 1))[: schema.get("maxLength", 10_000)]


def schema_reply(body: Mapping[str, Any], quote: Sequence[str] = ()) -> str:
    """The reply to a chat request: schema-valid JSON when it asks for a schema (free strings quoting
    `quote` when given), else a short text; deterministic in the messages."""
    salt = hashlib.sha256(json.dumps(body.get("messages"), sort_keys=True).encode()).hexdigest()[:12]
    schema = schema_of(body)
    if schema is None:
        return f"reply {salt}"
    return json.dumps(example_value(schema, schema, salt, quote=quote))


class FaultServer:
    """The server; `start()` returns once it listens. Counters are readable from any thread."""

    def __init__(
        self,
        latency_s: float = 0.0,
        fault_rate: float = 0.0,
        faults: Sequence[str] = FAULTS,
        upstream: str | None = None,
        hang_s: float = 30.0,
        seed: int = 0,
        model: str = "fault-test",
        script: Sequence[str | None] = (),
        port: int = 0,
    ):
        unknown = (set(faults) | set(script)) - set(FAULTS) - {None}
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {FAULTS}")
        self.latency_s, self.fault_rate, self.faults = latency_s, fault_rate, tuple(faults)
        self.upstream, self.hang_s, self.model = upstream, hang_s, model
        self._rng = random.Random(seed)
        self._script = list(script)  # outcomes of the first requests, in arrival order (None = answer well)
        self.requests = 0  # chat requests received
        self.outcomes: Counter = Counter()  # "ok" or the fault injected
        self.bodies: list[dict[str, Any]] = []  # every chat request body, in arrival order
        self.authorizations: set[str] = set()
        self.in_flight = self.max_in_flight = 0
        self.port = port  # 0: any free port; a fixed one lets a test restart "the same server" after stopping it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset_counts(self) -> None:
        self.requests, self.max_in_flight = 0, self.in_flight
        self.outcomes.clear()
        self.bodies.clear()

    def start(self) -> FaultServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True, name="fault-server")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        asyncio.run(self._main(ready))

    async def _main(self, ready: threading.Event) -> None:
        self._loop, self._stopped = asyncio.get_running_loop(), asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, shutdown_timeout=0.5, backlog=1024, reuse_address=True)
        await site.start()
        self.port = runner.addresses[0][1]
        async with ClientSession(timeout=ClientTimeout(total=None)) as self._session:
            ready.set()
            await self._stopped.wait()
            await runner.cleanup()

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests += 1
        self.bodies.append(body)
        self.authorizations.add(request.headers.get("Authorization", ""))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            fault = self._pick_fault()
            self.outcomes[fault or "ok"] += 1
            if fault == "hang":
                await asyncio.sleep(self.hang_s)
            await asyncio.sleep(self.latency_s)
            if fault in ("http_429", "http_500"):
                status = int(fault[-3:])
                return web.json_response({"error": {"message": f"injected {status}", "type": "fault"}}, status=status)
            if self.upstream and fault is None:
                return await self._proxy(body)
            content = self._content(body)
            if fault == "invalid_json":
                return self._completion(body, content[: len(content) // 2] + ' "oops": ]', "stop")
            if fault == "truncated":
                return self._completion(body, content[: len(content) // 2], "length")
            return self._completion(body, content, "stop")
        finally:
            self.in_flight -= 1

    def _pick_fault(self) -> str | None:
        if self._script:
            return self._script.pop(0)
        if self.fault_rate > 0 and self._rng.random() < self.fault_rate:
            return self._rng.choice(self.faults)
        return None

    async def _proxy(self, body: dict[str, Any]) -> web.Response:
        async with self._session.post(f"{self.upstream.rstrip('/')}/chat/completions", json=body) as resp:
            return web.json_response(await resp.json(), status=resp.status)

    @staticmethod
    def _content(body: Mapping[str, Any]) -> str:
        return schema_reply(body)

    def _completion(self, body: Mapping[str, Any], content: str, finish: str) -> web.Response:
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        completion_tokens = max(len(content) // 4, 1)
        return web.json_response(
            {
                "id": f"chatcmpl-{self.requests}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", self.model),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )
