"""`model/` config group: where a base model comes from and how to load it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from humanllm.schema import StrictModel


class TinyModelSpec(StrictModel):
    """A random-init model built from a config, with a tokenizer trained locally (for tests)."""

    arch: Literal["llama", "qwen2"] = "llama"
    hidden_size: int = Field(64, gt=0)
    intermediate_size: int = Field(256, gt=0)
    num_hidden_layers: int = Field(2, gt=0)
    num_attention_heads: int = Field(4, gt=0)
    num_key_value_heads: int = Field(2, gt=0)
    vocab_size: int = Field(2048, ge=300)
    max_position_embeddings: int = Field(1024, gt=0)
    seed: int = 0


class ModelConfig(StrictModel):
    """A base (instruct) model. `source` says how to materialise it as a local HF folder."""

    name: str
    source: Literal["gguf_package", "tiny_random", "hub"]
    hub_id: str | None = None  # source=hub: e.g. Qwen/Qwen2.5-7B-Instruct
    path: str | None = None  # a local HF folder; overrides hub_id
    revision: str | None = None
    package: str | None = None  # source=gguf_package: the Python package holding the GGUF
    gguf_file: str | None = None
    tiny: TinyModelSpec | None = None
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    attn_implementation: Literal["eager", "sdpa", "flash_attention_2"] | None = None
    trust_remote_code: bool = False
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict)  # e.g. {enable_thinking: false}
    max_length: int = Field(2048, gt=0)

    @model_validator(mode="after")
    def _source_fields(self) -> ModelConfig:
        if self.source == "gguf_package" and not (self.package and self.gguf_file):
            raise ValueError("source=gguf_package needs model.package and model.gguf_file")
        if self.source == "tiny_random" and self.tiny is None:
            raise ValueError("source=tiny_random needs a model.tiny section")
        if self.source == "hub" and not (self.hub_id or self.path):
            raise ValueError("source=hub needs model.hub_id or model.path")
        return self
