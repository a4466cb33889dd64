"""The contamination check of a pipeline run: its corpus and SFT data against the benchmark items.

MotiveBench's Amazon and Blog subsets come from the same raw sources as our training data, so every
run that scores a benchmark declaring `checks_contamination` (MotiveBench, ToMBench) also reports, per item, the share of its word n-grams found in
the training texts, and flags items over the threshold.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from humanllm.data.records import Corpus
from humanllm.eval.benchmarks import benchmarks
from humanllm.eval.contamination import contamination_report
from humanllm.model.fingerprint import paths_fingerprint
from humanllm.store import Artifact, BuildContext
from humanllm.task.stage import load_examples


def training_texts(corpus: Artifact, tasks: dict[str, Artifact]) -> Iterator[str]:
    for user in Corpus(corpus.path).users:
        for post in user.posts:
            yield f"{post.title or ''}\n{post.text}"
    for art in tasks.values():
        for example in load_examples(art, "train"):
            yield "\n".join(m["content"] for m in example.messages)


def contamination_stage_config(cfg: Any) -> dict[str, Any]:
    """The contamination key's config: n-gram settings and the benchmark items it reads (files, subsets, languages)."""
    e = cfg.eval
    return {
        "contamination": e.contamination.model_dump(exclude={"enabled"}),
        **{
            b.name: {
                "files": paths_fingerprint(b.data_files(e), b.data_dir(e)),
                "settings": b.config(e).model_dump(mode="json", include=set(b.contamination_settings)),
            }
            for b in checked_benchmarks(e)
        },
    }


def checked_benchmarks(e: Any) -> list[Any]:
    """Enabled registered benchmarks that declare text for the contamination check."""
    return [b for b in benchmarks().values() if b.checks_contamination and b.enabled(e)]


def run_contamination(ctx: Any, corpus: Artifact, tasks: dict[str, Artifact]) -> Artifact | None:
    """Build (or reuse) the overlap report; None when no benchmark runs or the check is off."""
    e = ctx.cfg.eval
    if not e.contamination.enabled or not checked_benchmarks(e):
        return None
    stage_cfg = contamination_stage_config(ctx.cfg)
    inputs = {"corpus": corpus.key, **{f"task:{n}": a.key for n, a in sorted(tasks.items())}}

    def produce(bctx: BuildContext) -> None:
        items = [text for b in checked_benchmarks(e) for text in b.contamination_texts(e)]
        report = contamination_report(
            training_texts(corpus, tasks), items, e.contamination.n, e.contamination.threshold
        )
        report.items.to_csv(bctx.path / "items.csv", index=False)
        report.summary.to_csv(bctx.path / "summary.csv", index=False)
        bctx.counts.update({"benchmark_items": len(report.items), "flagged": int(report.items.flagged.sum())})

    return ctx.stage("contamination", stage_cfg, inputs, produce, label="benchmarks vs training data")


def contamination_markdown(art: Artifact) -> str:
    import pandas as pd

    summary = pd.read_csv(Path(art.path) / "summary.csv")
    n = art.manifest["config"]["contamination"]["n"]
    return (
        f"# Contamination: {n}-gram overlap of benchmark items with our corpus and SFT data\n\n"
        f"{art.counts['flagged']} of {art.counts['benchmark_items']} items flagged "
        f"(overlap ≥ {art.manifest['config']['contamination']['threshold']}); per item: {art.path}/items.csv\n\n"
        + summary.round(4).to_markdown(index=False)
        + "\n"
    )
