"""The data stage: (sample generator →) raw dumps → `corpus` artifact.

`raw_sample` is keyed by the generator options and seed; `corpus` by the data config (without its
name), the raw sample's key or a fingerprint of the real dump files, and the seed when a user cap is set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.data.build import build_corpus
from humanllm.data.config import DataConfig, SourcesConfig
from humanllm.data.rawio import expand
from humanllm.data.sample import sample_sources, write_sample
from humanllm.pipeline.context import RunContext
from humanllm.store import Artifact, BuildContext

SAMPLE_VERSION = 1
CORPUS_VERSION = 1


def source_fingerprint(sources: SourcesConfig) -> list[list[Any]]:
    """[path, size, mtime_ns] of every real input file (refusing benchmark files on the way)."""
    keyed: list[tuple[str, list[str]]] = []
    if sources.reddit:
        keyed += [("data.sources.reddit.submissions", sources.reddit.submissions),
                  ("data.sources.reddit.comments", sources.reddit.comments)]
    if sources.twitter:
        keyed += [("data.sources.twitter.tweets", sources.twitter.tweets), ("data.sources.twitter.users", sources.twitter.users)]
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


def _raw_sample(ctx: RunContext, cfg: DataConfig) -> tuple[Artifact, SourcesConfig]:
    assert cfg.sample is not None
    seed = ctx.cfg.seed if cfg.sample.seed is None else cfg.sample.seed
    sample_cfg = cfg.sample.model_copy(update={"seed": seed})

    def produce(b: BuildContext) -> None:
        written = write_sample(b.path / "raw", sample_cfg, seed)
        b.counts.update(written)

    art = ctx.stage("raw_sample", SAMPLE_VERSION, sample_cfg.model_dump(mode="json"), {}, produce, seed=seed)
    return art, sample_sources(art.path / "raw", sample_cfg.platforms)


def run_data(ctx: RunContext) -> Artifact:
    """Build (or reuse) the corpus artifact for `ctx.cfg.data`."""
    cfg: DataConfig = ctx.cfg.data
    seed = ctx.cfg.seed
    if cfg.sample is not None:
        raw, sources = _raw_sample(ctx, cfg)
        inputs, files = {"raw_sample": raw.key}, None
    else:
        sources, inputs = cfg.sources, {}
        files = source_fingerprint(sources)
    config = {
        "data": cfg.model_dump(mode="json", exclude={"name"}),
        "files": files,
        "seed": seed if cfg.max_users_per_platform is not None else None,
    }

    def produce(b: BuildContext) -> None:
        b.counts.update(build_corpus(cfg, sources, b.path, seed, progress=ctx.cfg.progress))

    return ctx.stage("corpus", CORPUS_VERSION, config, inputs, produce, seed=seed, label=cfg.name)


def funnel_text(corpus_dir: str | Path) -> str:
    """The funnel tables of a corpus folder, for the CLI to print."""
    path = Path(corpus_dir) / "funnel.md"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no funnel here (is {corpus_dir} a corpus artifact folder?)")
    return path.read_text(encoding="utf-8")
