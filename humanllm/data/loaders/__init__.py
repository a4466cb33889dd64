"""One loader per platform: raw dump files → `Loaded` (candidates, parse failures, threads)."""

from __future__ import annotations

from typing import Callable

from humanllm.data.candidate import Loaded
from humanllm.data.config import SourcesConfig
from humanllm.data.loaders.amazon import load_amazon
from humanllm.data.loaders.blogger import load_blogger
from humanllm.data.loaders.reddit import load_reddit
from humanllm.data.loaders.twitter import load_twitter

LOADERS: dict[str, Callable[..., Loaded]] = {
    "reddit": load_reddit,
    "twitter": load_twitter,
    "blogger": load_blogger,
    "amazon": load_amazon,
}


def load_platform(platform: str, sources: SourcesConfig, progress: bool = False) -> Loaded:
    """Load one platform from its configured source (which must be set)."""
    source = getattr(sources, platform)
    if source is None:
        raise ValueError(f"data.sources.{platform}: not set")
    return LOADERS[platform](source, progress=progress)
