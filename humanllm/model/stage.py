"""The base_model stage: a `model/` config materialised once as a local HF folder in the store (a converted
GGUF package or a tiny random model); a local folder or a hub id is used where it is, keyed by its weights or id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.model.config import ModelConfig
from humanllm.model.fingerprint import weights_fingerprint
from humanllm.model.gguf import convert_gguf, package_version
from humanllm.model.registry import ModelRef
from humanllm.model.tiny import build_tiny_model


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
