"""One loader per platform: raw dump files → `Loaded` (candidates, parse failures, threads)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from humanllm.data.candidate import Loaded, UnreadableSource
from humanllm.data.config import SourcesConfig
from humanllm.data.loaders import amazon, blogger, reddit, twitter

LOADERS: dict[str, Callable[..., Loaded]] = {
    "reddit": reddit.load_reddit,
    "twitter": twitter.load_twitter,
    "blogger": blogger.load_blogger,
    "amazon": amazon.load_amazon,
}
EXPECTED: dict[str, str] = {
    "reddit": reddit.EXPECTED,
    "twitter": twitter.EXPECTED,
    "blogger": blogger.EXPECTED,
    "amazon": amazon.EXPECTED,
}


def load_platform(platform: str, sources: SourcesConfig, progress: bool = False) -> Loaded:
    """Load one platform from its configured source (which must be set); raise `UnreadableSource` when not one
    record parsed, rather than build an empty corpus from it."""
    source = getattr(sources, platform)
    if source is None:
        raise ValueError(f"data.sources.{platform}: not set")
    loaded = LOADERS[platform](source, progress=progress)
    if loaded.failures and not loaded.candidates:
        raise UnreadableSource(nothing_parsed(loaded, EXPECTED[platform]))
    return loaded


def nothing_parsed(loaded: Loaded, expected: str) -> str:
    """Which files, why (reason counts, with the first example's line and detail), and the schema expected."""
    by_file: dict[str, Counter[str]] = {}
    example: dict[tuple[str, str], str] = {}
    for _, r in loaded.failures:
        by_file.setdefault(r.source_file, Counter())[r.reason] += 1
        example.setdefault((r.source_file, r.reason), f"line {r.line}" + (f": {r.detail}" if r.detail else ""))
    lines = [
        f"data.sources.{loaded.platform}: all {len(loaded.failures)} raw records were rejected while parsing "
        f"(nothing to build a corpus from)"
    ]
    for path, reasons in by_file.items():
        counts = ", ".join(f"{n} {reason} (e.g. {example[path, reason]})" for reason, n in reasons.most_common(3))
        lines.append(f"  {path}: {counts}")
    lines += [f"  read as: {f}" for f in loaded.formats]
    lines.append(f"  expected: {expected}")
    return "\n".join(lines)
