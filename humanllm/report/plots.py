"""Metrics against the merge ratio α (base = 0, merged α, fine-tuned = 1), one panel per metric."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from humanllm.report.tables import column_names


def plot_metrics_vs_alpha(long: pd.DataFrame, out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = long[long.headline].dropna(subset=["alpha"])
    data = data[~data.metric.isin(["byte_perplexity", "word_perplexity"])]
    data = data.assign(panel=column_names(data))
    panels = sorted(data.panel.unique())
    if not panels:
        return
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        d = data[data.panel == panel].sort_values("alpha")
        ax.plot(d.alpha, d.value, marker="o")
        if d.low.notna().any():
            ax.fill_between(d.alpha, d.low, d.high, alpha=0.2)
        for _, r in d.iterrows():
            if r.model in ("base", "sft"):
                ax.annotate(r.model, (r.alpha, r.value), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel("α (weight of the fine-tuned model)")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
