"""A seeded sample of raw dumps in each platform's real public schema, defects included.

`write_sample` writes reddit/, twitter/, blogger/ and amazon/ under a folder (same seed → the same
bytes); `sample_sources` gives the `data.sources` that point the loaders at them.
"""

from __future__ import annotations

import random
from pathlib import Path

from humanllm.data.config import AmazonCategory, BloggerSource, RedditSource, SampleConfig, SourcesConfig, TwitterSource
from humanllm.data.sample.amazon import write_amazon
from humanllm.data.sample.blogger import write_blogger
from humanllm.data.sample.reddit import write_reddit
from humanllm.data.sample.twitter import write_twitter

WRITERS = {"reddit": write_reddit, "twitter": write_twitter, "blogger": write_blogger, "amazon": write_amazon}


def write_sample(folder: str | Path, cfg: SampleConfig, seed: int) -> dict[str, dict[str, int]]:
    """Write the raw sample files; returns what was written per platform."""
    folder = Path(folder)
    out = {}
    for platform in cfg.platforms:
        sub = folder / platform
        sub.mkdir(parents=True, exist_ok=True)
        rng = random.Random(f"humanllm-sample:{seed}:{platform}")
        out[platform] = WRITERS[platform](sub, rng, getattr(cfg, f"{platform}_users"), cfg.defects)
    return out


def sample_sources(folder: str | Path, platforms: list[str]) -> SourcesConfig:
    """`data.sources` for a folder written by `write_sample` (globs, so any category files are found)."""
    f = Path(folder)
    return SourcesConfig(
        reddit=RedditSource(
            submissions=[str(f / "reddit/submissions.jsonl")], comments=[str(f / "reddit/comments.jsonl")]
        )
        if "reddit" in platforms
        else None,
        twitter=TwitterSource(tweets=[str(f / "twitter/tweets.csv")], users=[str(f / "twitter/users.jsonl")])
        if "twitter" in platforms
        else None,
        blogger=BloggerSource(files=[str(f / "blogger/blogs/*.xml")]) if "blogger" in platforms else None,
        amazon=[
            AmazonCategory(reviews=[str(p)], meta=[str(p.parent / f"meta_{_category(p)}.jsonl")])
            for p in sorted((f / "amazon").glob("*.jsonl*"))
            if not p.name.startswith("meta_")
        ]
        if "amazon" in platforms
        else None,
    )


def _category(path: Path) -> str:
    return path.name.split(".jsonl")[0]
