"""The curation stage: corpus artifact → `curated` artifact, keyed by the synthesis config, the LLMs'
output-determining settings (endpoint and model, never credentials), the code (prompts and schemas
included, through the stage's code identity) and the corpus key.

A killed run leaves no artifact (the store publishes atomically) but keeps every reply in the LLM
response cache, so the rerun pays only for what was not answered yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humanllm.data.records import Corpus
from humanllm.io import read_json
from humanllm.llm import make_backend
from humanllm.model.stage import resolve_base_model
from humanllm.store import Artifact, BuildContext
from humanllm.synthesis.run import curate_corpus

STAGE = "curated"


def stage_config(cfg: Any) -> dict[str, Any]:
    """What determines the curated records: synthesis settings, the output identity of the
    LLM and of the judge LLM (`judge_llm`, null = the same as `llm`), the seed and, under a user cap, the
    user split. Prompts are code: the
    stage's code identity covers them."""
    judge = getattr(cfg, "judge_llm", None)
    return {
        "synthesis": cfg.synthesis.model_dump(mode="json"),
        "llm": cfg.llm.output_identity(),
        "judge_llm": judge.output_identity() if judge is not None else None,
        "seed": cfg.seed,
        "split": _split(cfg),
    }


def _split(cfg: Any) -> tuple[float, int] | None:
    """The user split a `max_users` cap keeps in proportion (None when every user is curated)."""
    return None if cfg.synthesis.max_users is None else (cfg.split.test_fraction, cfg.split.seed)


def run_curate(ctx: Any, corpus: Artifact) -> Artifact:
    """Build (or reuse) the curated artifact of `corpus` under `ctx.cfg.synthesis` and `ctx.cfg.llm`."""
    cfg = ctx.cfg
    if cfg.synthesis.mode == "raw":
        raise ValueError("synthesis.mode=raw: there is nothing to curate (choose synthesis=paper or structured)")
    inputs = {"corpus": corpus.key}
    model_path = None
    if cfg.llm.backend == "local" and not cfg.llm.model_path:
        base = resolve_base_model(ctx, cfg.model)  # the experiment's base model answers the prompts
        model_path, inputs["llm_model"] = base.location, base.key

    def produce(b: BuildContext) -> None:
        judge_cfg = getattr(cfg, "judge_llm", None)
        with make_backend(cfg.llm, artifacts_dir=cfg.artifacts_dir, model_path=model_path) as backend:
            judge = (
                make_backend(judge_cfg, artifacts_dir=cfg.artifacts_dir, model_path=model_path) if judge_cfg else None
            )
            try:
                with b.timed("curate"):
                    counts = curate_corpus(
                        Corpus(corpus.path),
                        cfg.synthesis,
                        backend,
                        b.path,
                        cfg.seed,
                        cfg.progress,
                        judge_backend=judge,
                        split=_split(cfg),
                    )
            finally:
                if judge is not None:
                    judge.close()
        b.counts.update(counts)

    return ctx.stage(STAGE, stage_config(cfg), inputs, produce, seed=cfg.seed, label=cfg.synthesis.name)


def curation_text(curated_dir: str | Path) -> str:
    """The curation funnel and per-kind rates of a curated folder, for the CLI to print."""
    path = Path(curated_dir)
    funnel = path / "curation_funnel.md"
    if not funnel.is_file():
        raise FileNotFoundError(f"{funnel}: no curation funnel here (is {path} a curated artifact folder?)")
    lines = [funnel.read_text(encoding="utf-8").rstrip(), ""]
    manifest = path / "manifest.json"
    counts = read_json(manifest).get("counts", {}) if manifest.is_file() else {}
    if counts.get("per_kind"):
        lines += ["| kind | planned | valid JSON | judged | judge keep rate | kept |", "|---|---:|---:|---:|---:|---:|"]
        for kind, k in counts["per_kind"].items():
            rate = "—" if k["judge_keep_rate"] is None else f"{k['judge_keep_rate']:.0%}"
            lines.append(f"| {kind} | {k['planned']} | {k['valid']} | {k['judged']} | {rate} | {k['kept']} |")
        lines.append("")
    for stage, acc in counts.get("llm", {}).items():
        lines.append(
            f"LLM {stage}: {acc.get('requests', 0)} requests, {acc.get('requests_sent', 0)} sent, "
            f"{acc.get('cache_hits', 0)} cache hits, {acc.get('prompt_tokens', 0)}+{acc.get('completion_tokens', 0)} "
            f"tokens, rejects {acc.get('rejects_by_reason') or {}}"
        )
    lines.append(f"curated: {path}")
    return "\n".join(lines)
