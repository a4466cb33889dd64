"""The data stage: (sample generator →) raw dumps → `corpus` artifact.

`raw_sample` is keyed by the generator options and seed; `corpus` by the data config, the raw
sample's key or a fingerprint of the real dump files, and the seed when a user cap is set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from humanllm.data.build import build_corpus
from humanllm.data.config import DataConfig, SourcesConfig
from humanllm.data.rawio import expand
from humanllm.data.sample import sample_sources, write_sample
from humanllm.store import Artifact, BuildContext

if TYPE_CHECKING:
    from humanllm.pipeline.context import RunContext


def source_fingerprint(sources: SourcesConfig) -> list[list[Any]]:
    """[path, size, mtime_ns] of every real input file (refusing benchmark files on the way)."""
    keyed: list[tuple[str, list[str]]] = []
    if sources.reddit:
        keyed += [
            ("data.sources.reddit.submissions", sources.reddit.submissions),
            ("data.sources.reddit.comments", sources.reddit.comments),
        ]
    if sources.twitter:
        keyed += [
            ("data.sources.twitter.tweets", sources.twitter.tweets),
            ("data.sources.twitter.users", sources.twitter.users),
        ]
    if sources.blogger:
        keyed.append(("data.sources.blogger.files", sources.blogger.files))
    for i, cat in enumerate(sources.amazon or []):
        keyed += [(f"data.sources.amazon.{i}.reviews", cat.reviews), (f"data.sources.amazon.{i}.meta", cat.meta)]
    out = []
    for key, patterns in keyed:
        for path in expand(patterns, key):
            st = path.stat()
            out.append([str(path.resolve()), st.st_size, st.st_mtime_ns])
    return out


def _sample_settings(root: Any) -> tuple[Any, int]:
    """The sample generator's options with the seed it uses (its own, else the experiment's)."""
    sample = root.data.sample
    seed = root.seed if sample.seed is None else sample.seed
    return sample.model_copy(update={"seed": seed}), seed


def raw_sample_seed(root: Any) -> int:
    """The raw_sample key's seed: the generator's own, else the experiment's."""
    return _sample_settings(root)[1]


def corpus_seed(root: Any) -> int | None:
    """The corpus key's seed: the experiment's when a user cap is set (it picks which users stay), else none."""
    return root.seed if root.data.max_users_per_platform is not None else None


def raw_sample_config(root: Any) -> dict[str, Any]:
    """The raw_sample key's config: the generator options with the seed it uses."""
    return _sample_settings(root)[0].model_dump(mode="json")


def corpus_config(root: Any) -> dict[str, Any]:
    """The corpus key's config: data settings (not the option's name) and the real input files."""
    cfg: DataConfig = root.data
    return {
        "data": cfg.model_dump(mode="json", exclude={"workers", "shard_files"}),
        "files": None if cfg.sample is not None else source_fingerprint(cfg.sources),
    }


def _raw_sample(ctx: RunContext, cfg: DataConfig) -> tuple[Artifact, SourcesConfig]:
    assert cfg.sample is not None
    sample_cfg, _ = _sample_settings(ctx.cfg)

    def produce(b: BuildContext) -> None:
        b.counts.update(write_sample(b.path / "raw", *_sample_settings(ctx.cfg)))

    art = ctx.stage("raw_sample", raw_sample_config(ctx.cfg), {}, produce, seed=raw_sample_seed(ctx.cfg))
    return art, sample_sources(art.path / "raw", sample_cfg.platforms)


def run_data(ctx: RunContext) -> Artifact:
    """Build (or reuse) the corpus artifact for `ctx.cfg.data`."""
    cfg: DataConfig = ctx.cfg.data
    seed = ctx.cfg.seed
    if cfg.sample is not None:
        raw, sources = _raw_sample(ctx, cfg)
        inputs = {"raw_sample": raw.key}
    else:
        sources, inputs = cfg.sources, {}

    def produce(b: BuildContext) -> None:
        b.counts.update(build_corpus(cfg, sources, b.path, seed, progress=ctx.cfg.progress))

    return ctx.stage("corpus", corpus_config(ctx.cfg), inputs, produce, seed=corpus_seed(ctx.cfg), label=cfg.name)


def funnel_text(corpus_dir: str | Path) -> str:
    """The funnel tables of a corpus folder, for the CLI to print."""
    path = Path(corpus_dir) / "funnel.md"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no funnel here (is {corpus_dir} a corpus artifact folder?)")
    return path.read_text(encoding="utf-8")
