"""`llm/` config group: which LLM answers curation prompts, and how it is called.

One flat node for both backends so Hydra overrides stay short (`llm.max_in_flight=32`):
- backend=openai: any OpenAI-compatible server (OpenAI, vLLM, llama.cpp's server, the fault test server).
- backend=local: batched transformers generation on a local HF folder (`model_path`).
The API key itself never appears here: `api_key_env` names the environment variable that holds it.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field, model_validator

from humanllm.schema import ConfigError, StrictModel

# llama.cpp and vLLM servers accept any key; the OpenAI client refuses to start without one.
DUMMY_API_KEY = "sk-no-key-required"

StructuredOutput = Literal["json_schema", "json_object_schema", "json_object", "none"]


class LLMConfig(StrictModel):
    """An LLM endpoint plus generation, retry, concurrency and cache settings."""

    name: str
    backend: Literal["openai", "local"] = "openai"

    # backend=openai
    base_url: str | None = None  # e.g. http://127.0.0.1:8765/v1
    model: str | None = None  # the served model name (alias)
    api_key_env: str | None = None  # NAME of the env variable holding the key; null = local server, dummy key
    structured_output: StructuredOutput = "json_schema"
    max_in_flight: int = Field(8, ge=1, le=4096)
    timeout_s: float = Field(120.0, gt=0)  # per attempt
    max_retries: int = Field(4, ge=0)  # on 429, 5xx, timeouts and connection errors
    backoff_initial_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)

    # backend=local
    model_path: str | None = None  # a local HF folder; null = the caller passes one (e.g. the converted base model)
    batch_size: int = Field(8, ge=1)
    device: str = "cpu"  # cpu | cuda | cuda:0 | auto
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"

    # generation (both backends)
    temperature: float = Field(0.3, ge=0)  # the paper's synthesis temperature
    max_tokens: int = Field(1024, ge=1)
    seed: int | None = 2025
    schema_in_prompt: bool = True  # add the JSON schema to the system prompt when a request has one
    repair: bool = True  # one re-ask with the validation error before rejecting

    autostart: bool = False  # start scripts/llm_server.sh when nothing answers at a loopback base_url

    # response cache (sqlite under the artifact store unless cache_dir is given)
    cache: bool = True
    cache_dir: str | None = None

    @model_validator(mode="after")
    def _backend_fields(self) -> LLMConfig:
        if self.backend == "openai" and not (self.base_url and self.model):
            raise ValueError("backend=openai needs llm.base_url and llm.model")
        if self.api_key_env is not None and not self.api_key_env.replace("_", "").isalnum():
            raise ValueError("llm.api_key_env must be the NAME of an environment variable, not a key")
        return self

    def api_key(self) -> str:
        """The key from the environment (never stored in the config), or a dummy for keyless local servers."""
        if self.api_key_env is None:
            return DUMMY_API_KEY
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(
                f"llm.api_key_env: environment variable {self.api_key_env} is not set "
                f"(the server at {self.base_url} needs an API key)"
            )
        return key

    def output_identity(self) -> dict[str, Any]:
        """The settings that determine LLM outputs: for stage keys (concurrency, retries and cache do not)."""
        fields = ["backend", "temperature", "max_tokens", "seed", "schema_in_prompt", "repair"]
        fields += ["base_url", "model", "structured_output"] if self.backend == "openai" else ["model_path", "dtype"]
        return {f: getattr(self, f) for f in fields}
