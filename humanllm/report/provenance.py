"""Where a table's numbers come from: data, synthesis and its keep rule, model weights, seed, code and
library versions, artifact keys and the command that regenerates them. Stored in evaluations.json and
printed at the head of every table."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import humanllm
from humanllm.paths import REPO_ROOT
from humanllm.store import package_versions

PAPER_KEEP = (9, 8)  # overall ≥ 9, every other metric ≥ 8 (generate_sft_data.py's default)


CODE_PATHS = ("humanllm", "conf", "evals", "sweeps", "pyproject.toml")


def git_state(
    paths: Sequence[str], root: Path = REPO_ROOT, short: bool = False, untracked: bool = False
) -> tuple[str, bool] | None:
    """(HEAD commit, whether `paths` hold uncommitted changes, untracked files too if asked) of the checkout
    at `root`; None outside a git checkout."""
    git = ["git", "-C", str(root)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", *(["--short=12"] if short else []), "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", *([] if untracked else ["--untracked-files=no"]), "--", *paths],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit, bool(dirty)


def code_version() -> str:
    """`<commit>` (+`-dirty` when the code or configs have uncommitted changes; results/ and docs do not
    count: a rerun rewrites the committed results it reports on) or the package version."""
    state = git_state(CODE_PATHS, short=True)
    if state is None:
        return f"humanllm {humanllm.__version__} (not a git checkout)"
    return f"humanllm {humanllm.__version__} @ {state[0]}{'-dirty' if state[1] else ''}"


def keep_rule(synthesis: Any) -> dict[str, Any]:
    """The judge's keep rule and whether it is the paper's or relaxed."""
    if synthesis.mode == "raw":
        return {"text": "no LLM curation (raw text)", "relaxed": False}
    j = synthesis.judge
    if not j.enabled:
        return {"text": "judge QC off: every synthesized record kept", "relaxed": True}
    text = f"overall ≥ {j.overall_min}, other metrics ≥ {j.metric_min}"
    if j.per_metric:
        text += "; " + ", ".join(f"{m} ≥ {v}" for m, v in sorted(j.per_metric.items()))
    if j.per_kind:
        text += f"; per-kind rules for {', '.join(sorted(j.per_kind))}"
    relaxed = (j.overall_min, j.metric_min) < PAPER_KEEP or any(
        v < PAPER_KEEP[1] - 1 for rule in j.per_kind.values() for v in rule.values()
    )
    return {"text": text + (" — RELAXED, below the paper's rule" if relaxed else ""), "relaxed": relaxed}


def build_provenance(cfg: Any, state: Any) -> dict[str, Any]:
    """The provenance block of one experiment's evaluations."""
    data = cfg.data
    record = Path(cfg.results_dir) / ".hydra" / "command.txt"
    return {
        "data": {
            "name": data.name,
            "rules": getattr(data, "rules", None),
            "source": "generated sample corpus (synthetic users in the platforms' real schemas)"
            if data.sample is not None
            else "real dumps (data.sources)",
            "corpus_key": state.corpus.key if state.corpus else None,
            "curated_key": state.curated.key if state.curated else None,
        },
        "synthesis": {"name": cfg.synthesis.name, "mode": cfg.synthesis.mode, "keep_rule": keep_rule(cfg.synthesis)},
        "model": {"name": cfg.model.name, "base_key": state.base.key if state.base else None},
        "train_key": state.sft.key if state.sft else None,
        "seed": cfg.seed,
        "code": code_version(),
        "versions": package_versions(),
        "command": record.read_text().splitlines()[0]
        if record.is_file()
        else f"humanllm pipeline experiment={cfg.experiment_name}",
    }


def provenance_lines(p: dict[str, Any]) -> list[str]:
    """The block as short `key: value` lines (markdown, CSV comments and LaTeX comments use them)."""
    v = p["versions"]
    libs = ", ".join(f"{k} {v[k]}" for k in ("torch", "transformers", "trl", "peft", "mergekit", "lm_eval") if k in v)
    return [
        f"data: {p['data']['name']} — {p['data']['source']}; rules {p['data'].get('rules')}; "
        f"corpus {p['data']['corpus_key']}"
        + (f", curated {p['data']['curated_key']}" if p["data"]["curated_key"] else ""),
        f"synthesis: {p['synthesis']['name']} ({p['synthesis']['mode']}); keep rule: {p['synthesis']['keep_rule']['text']}",
        f"model: {p['model']['name']} (base {p['model']['base_key']}); fine-tuned {p['train_key']}",
        f"seed: {p['seed']}; code: {p['code']}",
        f"libraries: {libs}",
        f"regenerate: {p['command']}",
    ]
