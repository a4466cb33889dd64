"""A table spec's plots: per-task bars with CIs, metrics against α, and in-domain gain vs forgetting."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, out: Path, unused: list[Any] | None = None) -> bool:
    """Blank the grid's unused panels, write the figure and free it; True (it was drawn)."""
    for ax in unused or []:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def plot_bars(cells: pd.DataFrame, out: Path) -> bool:
    """One panel per column, one bar per model row, with its CI as an error bar."""
    columns = sorted(cells.column.unique())
    if not columns:
        return False
    plt = _plt()
    models = list(dict.fromkeys(cells.model))
    cols = min(3, len(columns))
    rows = math.ceil(len(columns) / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.4 * cols, 0.5 + 0.32 * len(models) * rows + 1.2 * rows), squeeze=False
    )
    for ax, column in zip(axes.flat, columns):
        d = cells[cells.column == column].set_index("model").reindex(models)
        err = [(d.value - d.low).clip(lower=0).fillna(0), (d.high - d.value).clip(lower=0).fillna(0)]
        ax.barh(range(len(models)), d.value.fillna(0), xerr=err, color=[f"C{i % 10}" for i in range(len(models))])
        ax.set_yticks(range(len(models)), models, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(column, fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    return _save(plt, fig, out, unused=list(axes.flat)[len(columns) :])


def plot_alpha_curves(cells: pd.DataFrame, out: Path) -> bool:
    """Each column against α (base = 0), with its CI band."""
    data = cells.dropna(subset=["alpha"])
    columns = sorted(data.column.unique())
    if data.alpha.nunique() < 2 or not columns:
        return False
    plt = _plt()
    cols = min(3, len(columns))
    rows = math.ceil(len(columns) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, column in zip(axes.flat, columns):
        d = data[data.column == column].sort_values("alpha")
        ax.plot(d.alpha, d.value, marker="o")
        if d.low.notna().any():
            ax.fill_between(d.alpha, d.low, d.high, alpha=0.2)
        ax.set_xlabel("α (weight of the fine-tuned model; 0 = base, 1 = SFT only)", fontsize=7)
        ax.set_title(column, fontsize=8)
        ax.grid(alpha=0.3)
    return _save(plt, fig, out, unused=list(axes.flat)[len(columns) :])


def pareto_front(points: pd.DataFrame) -> pd.DataFrame:
    """Rows not dominated in (gain: higher better, forgetting: lower better)."""
    keep = []
    for i, r in points.iterrows():
        dominated = (
            (points.gain >= r.gain)
            & (points.forgetting <= r.forgetting)
            & ((points.gain > r.gain) | (points.forgetting < r.forgetting))
        ).any()
        if not dominated:
            keep.append(i)
    return points.loc[keep].sort_values("gain")


def plot_pareto(cells: pd.DataFrame, gain_metric: str, forgetting_metric: str, out: Path) -> bool:
    """In-domain gain over base (x) vs forgetting (y: change of the forgetting metric over base)."""
    key = cells.suite + "/" + cells.task + "/" + cells.metric
    gain = cells[key == gain_metric].set_index("model").delta
    forget = cells[key == forgetting_metric].set_index("model").delta
    points = pd.DataFrame({"gain": gain, "forgetting": forget}).dropna()
    if points.empty:
        return False
    alphas = cells.drop_duplicates("model").set_index("model").alpha
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.2, 4))
    ax.scatter(points.gain, points.forgetting, color="0.5", label="models")
    front = pareto_front(points)
    ax.plot(front.gain, front.forgetting, marker="o", color="C3", label="Pareto front")
    for model, r in points.iterrows():
        ax.annotate(
            f"α={alphas.get(model):g}" if pd.notna(alphas.get(model)) else str(model),
            (r.gain, r.forgetting),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize=7,
        )
    ax.axhline(0, color="0.8", lw=0.8)
    ax.axvline(0, color="0.8", lw=0.8)
    ax.set_xlabel(f"in-domain gain: {gain_metric} − base", fontsize=8)
    ax.set_ylabel(f"forgetting: {forgetting_metric} − base", fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _save(plt, fig, out)


def draw(spec: Any, cells: pd.DataFrame, folder: Path) -> dict[str, Path]:
    """The plots the spec's layout asks for; returns {name: path} of those drawn."""
    drawn: dict[str, Path] = {}
    indomain = cells[cells.suite == "indomain"]
    if "bars" in spec.layout.plots and plot_bars(
        indomain if not indomain.empty else cells, folder / "per_task_bars.png"
    ):
        drawn["bars"] = folder / "per_task_bars.png"
    if "alpha_curve" in spec.layout.plots and plot_alpha_curves(cells, folder / "alpha_curve.png"):
        drawn["alpha_curve"] = folder / "alpha_curve.png"
    if "pareto" in spec.layout.plots and plot_pareto(
        cells, spec.layout.gain_metric, spec.layout.forgetting_metric, folder / "pareto.png"
    ):
        drawn["pareto"] = folder / "pareto.png"
    return drawn
