"""Judge-score histograms in one PNG: per judged record kind, a metric × score (1-10) grid of counts.

Each row of a panel is one metric's histogram; a cell reads "kept/all" records with that score.
"""

from __future__ import annotations

from pathlib import Path

from humanllm.synthesis.config import JUDGE_METRICS

PLOT_FILE = "judge_scores.png"


def score_histograms(scores: dict[str, list[tuple[dict[str, int], bool]]], folder: Path) -> list[str]:
    """`scores[kind]` = [(judge scores, kept?)]; writes judge_scores.png and returns its name ([] if no scores)."""
    kinds = [k for k in JUDGE_METRICS if scores.get(k)]
    if not kinds:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(kinds), figsize=(4.6 * len(kinds), 3.6), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        metrics = JUDGE_METRICS[kind]
        total = np.zeros((len(metrics), 10), dtype=int)
        kept = np.zeros_like(total)
        for row_scores, was_kept in scores[kind]:
            for i, m in enumerate(metrics):
                if m in row_scores and 1 <= row_scores[m] <= 10:
                    total[i, row_scores[m] - 1] += 1
                    kept[i, row_scores[m] - 1] += was_kept
        ax.imshow(total, cmap="Blues", aspect="auto", vmin=0)
        for i, j in zip(*np.nonzero(total)):
            dark = total[i, j] > total.max() / 2
            ax.text(
                j,
                i,
                f"{kept[i, j]}/{total[i, j]}",
                ha="center",
                va="center",
                fontsize=6,
                color="white" if dark else "black",
            )
        ax.set_xticks(range(10), [str(s) for s in range(1, 11)], fontsize=7)
        ax.set_yticks(range(len(metrics)), metrics, fontsize=7)
        ax.set_xlabel("score (10 = best)", fontsize=8)
        ax.set_title(f"{kind} (n={len(scores[kind])}, cells: kept/all)", fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.99, wspace=0.55, bottom=0.15)
    fig.savefig(folder / PLOT_FILE, dpi=90)
    plt.close(fig)
    return [PLOT_FILE]
