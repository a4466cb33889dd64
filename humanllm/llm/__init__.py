"""LLM backends for curation and judging: OpenAI-compatible servers and local transformers models.

Importing this package stays light (the root config imports `humanllm.llm.config`); the backends,
the OpenAI client and torch load when `make_backend` is called.

    backend = make_backend(cfg.llm, artifacts_dir=cfg.artifacts_dir)
    results = backend.run([LLMRequest("u1", messages, schema=Profile)], stage="synthesis")
    manifest_counts = backend.accounting("synthesis")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from humanllm.llm.config import LLMConfig
from humanllm.llm.types import REJECT_REASONS, LLMRequest, LLMResult
from humanllm.schema import ConfigError

if TYPE_CHECKING:
    from humanllm.llm.base import LLMBackend

CACHE_FILE = "responses.sqlite"

__all__ = ["REJECT_REASONS", "LLMConfig", "LLMRequest", "LLMResult", "cache_path", "make_backend"]


def cache_path(cfg: LLMConfig, artifacts_dir: str | Path | None) -> Path:
    """Where the response cache lives: `cfg.cache_dir`, else `<artifacts>/llm_cache`."""
    if cfg.cache_dir:
        return Path(cfg.cache_dir).expanduser().resolve() / CACHE_FILE
    if artifacts_dir is None:
        raise ConfigError("llm.cache_dir: set it, or pass the artifact store folder (or set llm.cache=false)")
    return Path(artifacts_dir).expanduser().resolve() / "llm_cache" / CACHE_FILE


def make_backend(
    cfg: LLMConfig, artifacts_dir: str | Path | None = None, model_path: str | Path | None = None
) -> LLMBackend:
    """Build the configured backend. `model_path` (backend=local) overrides `cfg.model_path`,
    e.g. with the experiment's base model once it is materialised as a HF folder."""
    from humanllm.llm.cache import ResponseCache
    from humanllm.llm.local_backend import LocalBackend
    from humanllm.llm.openai_backend import OpenAIBackend
    from humanllm.llm.server import ensure_local_server

    ensure_local_server(cfg)
    cache = ResponseCache(cache_path(cfg, artifacts_dir)) if cfg.cache else None
    try:
        if cfg.backend == "openai":
            return OpenAIBackend(cfg, cache)
        return LocalBackend(cfg, cache, model_path)
    except BaseException:
        if cache is not None:
            cache.close()
        raise
