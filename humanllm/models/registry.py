"""Materialise a `model/` config as a local HF folder, and load models/tokenizers consistently."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humanllm.models.config import ModelConfig
from humanllm.models.fingerprint import weights_fingerprint
from humanllm.models.gguf import convert_gguf, package_version
from humanllm.models.tiny import build_tiny_model

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


def base_model_config(cfg: ModelConfig) -> dict[str, Any]:
    """The base_model key's config: what the local folder is built from (a GGUF package or a tiny spec)."""
    if cfg.source == "gguf_package":
        return {"package": cfg.package, "gguf_file": cfg.gguf_file, "package_version": package_version(cfg.package)}
    return {"tiny": cfg.tiny.model_dump()}


def resolve_base_model(ctx: Any, cfg: ModelConfig) -> ModelRef:
    """Return the base model as a local folder, converting / building it once into the store."""
    if cfg.source == "gguf_package":

        def produce(bctx):
            with bctx.timed("convert"):
                bctx.counts.update(convert_gguf(cfg.package, cfg.gguf_file, bctx.path))

        art = ctx.stage("base_model", base_model_config(cfg), {}, produce, label=cfg.name)
        return ModelRef(cfg.name, str(art.path), art.key)
    if cfg.source == "tiny_random":

        def produce(bctx):
            bctx.counts["parameters"] = build_tiny_model(cfg.tiny, bctx.path)

        art = ctx.stage("base_model", base_model_config(cfg), {}, produce, label=cfg.name)
        return ModelRef(cfg.name, str(art.path), art.key)
    if cfg.path:
        path = Path(cfg.path).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"model.path: {path} is not a folder")
        memo = ctx.store.root / "fingerprints.json"
        return ModelRef(cfg.name, str(path), "w-" + weights_fingerprint(path, memo))
    return ModelRef(cfg.name, cfg.hub_id, f"hub-{cfg.hub_id}@{cfg.revision or 'main'}")


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
