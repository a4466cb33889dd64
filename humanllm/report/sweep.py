"""`humanllm report sweep=<name>`: the trial table, the best trial with a CI, Pareto and α-curve plots.

Reads the study (storage recorded in `results/sweeps/<name>/sweep.json`) and each trial's evaluation;
loads no model. Rows are sorted by parameter values, so a resumed sweep gives the same table as an
uninterrupted one. Writes trials.{md,csv,tex}, best.md, pareto.png / alpha_curve.png, and logs one W&B
summary run per sweep (group = sweep name) with the table and the plots.
"""

from __future__ import annotations

import json
import logging
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.config import load_config
from humanllm.eval.flips import is_binary, item_flips, paired_items
from humanllm.eval.stats import bootstrap_ci, paired_bootstrap_diff
from humanllm.io import stable_hash
from humanllm.paths import shown
from humanllm.pipeline.run_record import reproduce_command
from humanllm.report import sweep_budget as budget_module
from humanllm.report.tables import item_weights, load_items
from humanllm.sweep.folder import sweep_record
from humanllm.sweep.storage import open_storage
from humanllm.tracker import Tracker

log = logging.getLogger("humanllm")
ALPHA_KEY = "merge.ratios"


def trials_frame(study: Any) -> pd.DataFrame:
    """One row per COMPLETE trial: parameters, objectives, every metric; sorted by parameters."""
    from optuna.trial import TrialState

    names = study.user_attrs.get("objectives") or [f"objective_{i}" for i in range(len(study.directions))]
    rows = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        row: dict[str, Any] = {"trial": t.number, **{f"param:{k}": v for k, v in t.params.items()}}
        row.update(dict(zip(names, t.values)))
        row.update({f"metric:{k}": v for k, v in sorted(t.user_attrs.get("metrics", {}).items())})
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    params = [c for c in frame.columns if c.startswith("param:")]
    return frame.sort_values(params, key=lambda s: s.astype(str) if s.dtype == object else s).reset_index(drop=True)


def _items(results_dir: Path, kind: str) -> pd.DataFrame:
    index = json.loads((results_dir / "evaluations.json").read_text())
    return load_items(next(e for e in index["evaluations"] if e["kind"] == kind))


def objective_interval(
    trial: Any, objective: dict[str, Any], samples: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """Bootstrap CI of one objective over the evaluation's items (paired against base when relative),
    resampling clusters where items have them; a ratio bootstrap where items carry weights (bits_per_byte)."""
    suite, task, metric = objective["metric"].split("/", 2)
    results_dir = Path(trial.user_attrs["results_dir"])
    if objective.get("statistic", "value") != "value":
        return flip_interval(results_dir, objective, samples, seed)

    def values(kind: str) -> pd.DataFrame:
        items = _items(results_dir, kind)
        sel = items[(items.suite == suite) & (items.task == task) & (items.metric == metric)]
        return sel.set_index("item_id").sort_index()

    merged = values("merged")
    if len(merged) < 2:
        return None
    if objective["relative_to"] == "base":
        base = values("base").value.reindex(merged.index)
        if base.isna().any():
            return None
        d = paired_bootstrap_diff(
            base.to_numpy(),
            merged.value.to_numpy(),
            samples,
            0.95,
            seed,
            clusters=merged.cluster.to_numpy(),
            weights=item_weights(merged),
        )
        return d.low, d.high
    ci = bootstrap_ci(
        merged.value.to_numpy(), samples, 0.95, seed, clusters=merged.cluster.to_numpy(), weights=item_weights(merged)
    )
    return ci.low, ci.high


def flip_interval(
    results_dir: Path, objective: dict[str, Any], samples: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """Paired cluster-bootstrap CI of a right→wrong (wrong→right) rate of the merged model against the base."""
    rows = [_items(results_dir, kind).to_dict("records") for kind in ("base", "merged")]
    both = paired_items(*rows, objective["metric"])
    if len(both) < 2 or not (is_binary(both.value_base) and is_binary(both.value_model)):
        return None
    f = item_flips(both.value_base, both.value_model, samples, 0.95, seed, clusters=both.cluster.to_numpy())
    rate = f.right_to_wrong_rate if objective["statistic"] == "right_to_wrong" else f.wrong_to_right_rate
    return rate.low, rate.high


def _against_base(objective: dict[str, Any]) -> str:
    """How an objective reads against the base: ' − base', ' right→wrong vs base', or nothing."""
    statistic = objective.get("statistic", "value")
    if statistic != "value":
        return f" {statistic.replace('_to_', '→')} vs base (share of items)"
    return " − base" if objective["relative_to"] == "base" else ""


def _best_markdown(study: Any, spec: dict[str, Any]) -> str:
    objectives = spec["objectives"]
    lines = [f"# Best trial{'s (Pareto front)' if len(objectives) > 1 else ''} of sweep {study.study_name}\n"]
    for t in study.best_trials:
        lines.append(f"## trial {t.number}: " + ", ".join(f"{k}={v}" for k, v in t.params.items()))
        for o, v in zip(objectives, t.values):
            ci = objective_interval(t, o)
            rel = _against_base(o)
            span = f" [95% CI {ci[0]:.4g}, {ci[1]:.4g}]" if ci else ""
            lines.append(f"- {o['name']} ({o['direction']}; {o['metric']}{rel}): {v:.4g}{span}")
        overrides = [
            o
            for o in t.user_attrs.get("overrides", [])  # where a machine keeps files: not the run's
            if not o.startswith(("paths.results=", "paths.artifacts="))
        ]
        lines.append(
            "\nReproduce:\n\n```bash\n"
            + reproduce_command("pipeline", overrides)
            + "\n# or exactly this run's config:\nhumanllm pipeline --config-dir "
            + shlex.quote(shown(Path(t.user_attrs["results_dir"]) / ".hydra"))
            + "\n```\n"
        )
    return "\n".join(lines) + "\n"


def plot_alpha_curve(
    frame: pd.DataFrame, objectives: list[str], out: Path, budget: dict[str, Any] | None = None
) -> bool:
    """Each objective against α, one line per value of the other parameters; the forgetting budget as a
    dashed line on its objective's panel."""
    col = f"param:{ALPHA_KEY}"
    if col not in frame:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    others = [c for c in frame.columns if c.startswith("param:") and c != col]
    fig, axes = plt.subplots(1, len(objectives), figsize=(4.5 * len(objectives), 3.4), squeeze=False)
    for ax, name in zip(axes.flat, objectives):
        groups = frame.groupby(others) if others else [((), frame)]
        for key, d in groups:
            d = d.sort_values(col)
            label = ", ".join(f"{c[6:]}={v}" for c, v in zip(others, key if isinstance(key, tuple) else (key,)))
            ax.plot(d[col], d[name], marker="o", label=label or None)
        if budget and budget["objective"] == name:
            ax.axhline(budget["max_rate"], color="C3", linestyle="--", linewidth=1, label="forgetting budget")
            ax.legend(fontsize=7)
        ax.set_xlabel("α (weight of the fine-tuned model)")
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
        if others:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def plot_pareto(frame: pd.DataFrame, study: Any, objectives: list[str], out: Path) -> bool:
    if len(objectives) < 2:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = objectives[:2]
    front = frame[frame.trial.isin({t.number for t in study.best_trials})].sort_values(x)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(frame[x], frame[y], color="0.6", label="trials")
    ax.plot(front[x], front[y], marker="o", color="C3", label="Pareto front")
    for _, r in frame.iterrows():
        ax.annotate(str(int(r.trial)), (r[x], r[y]), textcoords="offset points", xytext=(3, 3), fontsize=7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def write_sweep_report(folder: Path, storage: str | None = None) -> dict[str, Path]:
    """Write the sweep's report files into its folder; returns their paths."""
    import optuna

    record = sweep_record(folder)
    url = storage or record["storage"]
    if "***" in url:
        raise ValueError(f"{folder}/sweep.json records the storage without its password: pass --storage URL")
    study = optuna.load_study(study_name=record["name"], storage=open_storage(url, 0))
    spec = record["spec"]
    names = [o["name"] for o in spec["objectives"]]
    frame = trials_frame(study)
    files = {
        "table_md": folder / "trials.md",
        "table_csv": folder / "trials.csv",
        "table_tex": folder / "trials.tex",
        "best_md": folder / "best.md",
    }
    # The same trials, spec and report code as last time: the files on disk are what this would write.
    code = Path(__file__).read_text() + Path(budget_module.__file__).read_text()
    digest = stable_hash({"trials": frame.to_dict("records"), "spec": spec, "code": code})
    marker = folder / ".report_digest"
    if marker.is_file() and marker.read_text() == digest and all(p.is_file() for p in files.values()):
        return {
            **files,
            **{k: folder / f"{k}.png" for k in ("alpha_curve", "pareto") if (folder / f"{k}.png").is_file()},
        }
    header = (
        f"# Sweep {record['name']}: {len(frame)} complete trials\n\nObjectives: "
        + ", ".join(f"{o['name']} = {o['metric']}{_against_base(o)} ({o['direction']})" for o in spec["objectives"])
        + "\n\n"
    )
    shown = frame[[c for c in frame.columns if not c.startswith("metric:")]] if not frame.empty else frame
    files["table_md"].write_text(
        header + (shown.to_markdown(index=False, floatfmt=".4g") if not frame.empty else "_(no rows)_") + "\n"
    )
    frame.to_csv(files["table_csv"], index=False, float_format="%.6g")
    files["table_tex"].write_text(
        shown.style.hide(axis="index").format(precision=4).to_latex(hrules=True) if not frame.empty else ""
    )
    choice = budget_module.budget_choice(study, spec, objective_interval) if not frame.empty else None
    files["best_md"].write_text(
        budget_module.budget_markdown(choice) + "\n" + _best_markdown(study, spec)
        if not frame.empty
        else "no complete trial yet\n"
    )
    budget = spec.get("forgetting_budget")
    if not frame.empty and plot_alpha_curve(frame, names, folder / "alpha_curve.png", budget):
        files["alpha_curve"] = folder / "alpha_curve.png"
    if not frame.empty and plot_pareto(frame, study, names, folder / "pareto.png"):
        files["pareto"] = folder / "pareto.png"
    _track(record, folder, frame, files)
    marker.write_text(digest)
    return files


def _track(record: dict[str, Any], folder: Path, frame: pd.DataFrame, files: dict[str, Path]) -> None:
    """One W&B summary run per sweep, logged again only when the table changed."""
    cfg = load_config([*record["spec"]["overrides"], *record["extra_overrides"]], record.get("config_dir"))
    digest = stable_hash(frame.to_dict("records"))
    marker = folder / ".wandb_summary_logged"
    if cfg.tracker.kind == "none" or frame.empty or (marker.is_file() and marker.read_text() == digest):
        return
    import wandb

    tracker_cfg = cfg.tracker.model_copy(update={"group": record["name"]})
    with Tracker(tracker_cfg, folder / "wandb").run(f"{record['name']}-summary", "sweep", record["spec"]) as run:
        run.table("trials", frame)
        images = {k: wandb.Image(str(files[k])) for k in ("alpha_curve", "pareto") if k in files}
        if images:
            run.log(images)
        run.summary({"complete_trials": len(frame)})
    marker.write_text(digest)
