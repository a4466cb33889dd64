"""Materialise a `model/` config as a local HF folder, and load models/tokenizers consistently."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humanllm.model.config import ModelConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelRef:
    """A model ready to load: where it is (`location`: a folder or a hub id) and its identity `key`."""

    name: str
    location: str
    key: str

    @property
    def is_local(self) -> bool:
        return Path(self.location).is_dir()


def torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def pick_device(preference: str = "auto") -> str:
    import torch

    if preference == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if preference == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("eval.device=cuda but no CUDA device is visible")
    return preference


def load_tokenizer(location: str, cfg: ModelConfig):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(location, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if not tok.chat_template:
        raise ValueError(f"model {cfg.name}: tokenizer at {location} has no chat template (instruct models need one)")
    return tok


def load_model(location: str, cfg: ModelConfig, device: str = "cpu", dtype: str | None = None):
    """Load a causal LM with the config's dtype and attention implementation."""
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"dtype": torch_dtype(dtype or cfg.dtype), "trust_remote_code": cfg.trust_remote_code}
    if cfg.revision and not Path(location).is_dir():
        kwargs["revision"] = cfg.revision
    if cfg.attn_implementation and device != "cpu":
        kwargs["attn_implementation"] = cfg.attn_implementation
    elif cfg.attn_implementation == "flash_attention_2":
        log.warning("model %s: flash_attention_2 needs a GPU; using sdpa on %s", cfg.name, device)
        kwargs["attn_implementation"] = "sdpa"
    model = AutoModelForCausalLM.from_pretrained(location, **kwargs)
    return model.to(device).eval()
