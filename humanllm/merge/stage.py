"""The merge stage: base ⊕ fine-tuned at ratio α through mergekit's Python API (`run_merge`).

α is the weight of the fine-tuned model: α = 0 is the base model, α = 1 the fine-tuned one.
Paths are made absolute (a relative `a/b` path makes mergekit query the hub).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from humanllm.merge.config import MergeConfig
from humanllm.merge.methods import get_method
from humanllm.store import Artifact, BuildContext

log = logging.getLogger(__name__)


def mergekit_config(method: str, alpha: float, base: str, tuned: str, cfg: MergeConfig) -> dict[str, Any]:
    """The mergekit YAML (as a dict) for one method and ratio, from the method's entry in the table.

    Reads only `cfg.dtype` and the config fields the entry names (its key fields)."""
    entry = get_method(method)
    base, tuned = str(Path(base).resolve()), str(Path(tuned).resolve())
    params = {**entry.fixed, **{p: getattr(cfg, p) for p in entry.method_params}}
    tuned_params = {p: getattr(cfg, p) for p in entry.model_params}
    if entry.layout == "weighted":
        models = [
            {"model": tuned, "parameters": {"weight": alpha, **tuned_params}},
            {"model": base, "parameters": {"weight": 1.0 - alpha}},
        ]
    elif entry.layout == "task_vector":
        models = [{"model": tuned, "parameters": {"weight": alpha, **tuned_params}}]
    else:  # interpolate
        params = {"t": alpha, **params}
        models = [{"model": base}, {"model": tuned}]
    return {
        "merge_method": entry.mergekit,
        **({"base_model": base} if entry.layout != "weighted" else {}),
        "dtype": cfg.dtype,
        **({"parameters": params} if params else {}),
        "models": models,
    }


def merge_models(base: str, tuned: str, alpha: float, cfg: MergeConfig, out: Path, seed: int) -> None:
    """Run mergekit into `out` and copy the base tokenizer (chat template included)."""
    import torch
    from mergekit.config import MergeConfiguration
    from mergekit.merge import MergeOptions, run_merge
    from transformers import AutoTokenizer

    spec = mergekit_config(cfg.method, alpha, base, tuned, cfg)
    options = MergeOptions(
        device="cuda" if torch.cuda.is_available() else "cpu",
        cuda=torch.cuda.is_available(),
        copy_tokenizer=False,
        lazy_unpickle=False,
        low_cpu_memory=False,
        allow_crimes=False,
        quiet=True,
        random_seed=seed,
        write_model_card=True,
    )
    run_merge(
        MergeConfiguration.model_validate(spec), out_path=str(out), options=options, config_source=yaml.safe_dump(spec)
    )
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    gen_cfg = Path(base) / "generation_config.json"
    if gen_cfg.is_file() and not (out / "generation_config.json").exists():
        (out / "generation_config.json").write_text(gen_cfg.read_text())


def merge_stage_config(root: Any, alpha: float) -> dict[str, Any]:
    """One merge's key config: method, α, dtype and the config fields the method passes to mergekit (its
    entry's key fields; the seed is in the key too). A plug-in method's entry is in the stage's code identity
    (its module, noted by the method table), not here."""
    cfg = root.merge
    entry = get_method(cfg.method)
    return {"method": cfg.method, "alpha": alpha, "dtype": cfg.dtype, **{f: getattr(cfg, f) for f in entry.key_fields}}


def run_merges(ctx: Any, base_key: str, base_path: str, tuned: Artifact) -> dict[float, Artifact]:
    """One merged model per ratio in `merge.ratios`; returns {α: artifact}."""
    cfg = ctx.cfg.merge
    out = {}
    for alpha in cfg.ratios:
        stage_cfg = merge_stage_config(ctx.cfg, alpha)

        def produce(bctx: BuildContext, a: float = alpha) -> None:
            with bctx.timed("merge"):
                merge_models(base_path, str(tuned.path), a, cfg, bctx.path, ctx.cfg.seed)
            bctx.counts["alpha"] = a

        out[alpha] = ctx.stage(
            "merge",
            stage_cfg,
            {"base_model": base_key, "sft": tuned.key},
            produce,
            seed=ctx.cfg.seed,
            label=f"{cfg.method} α={alpha}",
        )
    return out
