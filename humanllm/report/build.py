"""`humanllm report`: tables (markdown, CSV, LaTeX), deltas vs base with CIs, and a plot against α.

Every table starts with its provenance block (data, synthesis and keep rule, model, seed, code and
library versions, artifact keys, the command that regenerates it): as markdown text, as `# ` comment
lines in CSV (read with `pd.read_csv(path, comment="#")`) and as `%` comments in LaTeX.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm.io import read_json, stable_hash
from humanllm.report.flips import flip_frame, flips_markdown
from humanllm.report.plots import plot_metrics_vs_alpha
from humanllm.report.provenance import provenance_lines
from humanllm.report.tables import (
    benchmark_table,
    delta_frame,
    load_scores,
    not_run_markdown,
    numeric_table,
    platform_counts,
    scores_frame,
    wide_table,
)
from humanllm.tracker import Tracker

log = logging.getLogger("humanllm")


def load_index(results_dir: Path) -> dict[str, Any]:
    path = results_dir / "evaluations.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: evaluate first (`humanllm eval ...` or `humanllm pipeline ...` "
            f"with the same experiment/overrides)"
        )
    return read_json(path)


def _markdown(frame: pd.DataFrame, **kw: Any) -> str:
    return frame.to_markdown(**kw) if not frame.empty else "_(no rows)_"


def write_report(cfg: Any) -> dict[str, Path]:
    """Write every report file under results/<experiment>/ and return their paths."""
    out = cfg.results_dir
    index = load_index(out)
    b = cfg.eval.bootstrap
    order = [e["label"] for e in index["evaluations"]]
    long = scores_frame(index, b.samples, b.confidence, b.seed)
    deltas = delta_frame(index, b.samples, b.confidence, b.seed, b.min_items, b.min_clusters)
    flips = flip_frame(index, b.samples, b.confidence, b.seed)
    prov = provenance_lines(index["provenance"]) if "provenance" in index else ["provenance: not recorded (old index)"]
    wide, numeric = wide_table(long, order), numeric_table(long, order)
    files = {
        "table_md": out / "table.md",
        "table_csv": out / "table.csv",
        "table_tex": out / "table.tex",
        "scores_csv": out / "scores_long.csv",
        "deltas_md": out / "deltas.md",
        "deltas_csv": out / "deltas.csv",
        "plot": out / "metrics_vs_alpha.png",
        "flips_csv": out / "flips.csv",
    }
    notes = sorted({n for e in index["evaluations"] for n in load_scores(e)[2]})
    block = "".join(f"> {line}\n" for line in prov)
    counts = platform_counts(index)
    header = (
        f"# {index['experiment']}: {index['model']} on mixture {index['mixture']}, "
        f"merge {index['merge_method']}\n\n{block}\n"
        f"Cells: mean [{int(b.confidence * 100)}% bootstrap CI, resampling held-out users "
        f"(benchmark scenarios; items where they do not cluster)].\n\n"
    )
    per_platform = (
        "\n\nHeld-out items per task and platform (n), and distinct users:\n\n" + _markdown(counts)
        if not counts.empty
        else ""
    )
    skipped = not_run_markdown(index)
    files["table_md"].write_text(
        header + _markdown(wide) + per_platform + "\n" + skipped + "".join(f"\n> NOTE: {n}\n" for n in notes)
    )
    _with_comments(files["table_csv"], prov, "# ", numeric.to_csv(float_format="%.6f"))
    _with_comments(files["table_tex"], prov, "% ", numeric.style.format(precision=4).to_latex(hrules=True))
    _with_comments(files["scores_csv"], prov, "# ", long.to_csv(index=False, float_format="%.6f"))
    delta_view = deltas.round(4) if not deltas.empty else deltas
    if "detectable" in delta_view:  # None, not NaN, so that markdown leaves the cell blank
        delta_view = delta_view.astype({"detectable": object}).where(delta_view.notna(), None)
    files["deltas_md"].write_text(
        "# Each model minus base on the same items (paired cluster-bootstrap CI)\n\n"
        + block
        + "\n"
        + flips_markdown(flips, b.confidence)
        + "## Mean deltas\n\n"
        "Groups: in-domain (held-out tasks), social benchmarks, general reasoning (forgetting), judge. "
        f"`significant`: the CI excludes 0, on ≥ {b.min_items} items from ≥ {b.min_clusters} users/scenarios "
        '(otherwise "n too small"). `detectable`: the smallest true difference this n detects with 80% power '
        "(blank where the items show no spread or stand on one user: the sample cannot say).\n\n"
        + _markdown(delta_view, index=False, missingval="")
        + "\n"
        + skipped
    )
    _with_comments(files["deltas_csv"], prov, "# ", deltas.to_csv(index=False, float_format="%.6f"))
    _with_comments(files["flips_csv"], prov, "# ", flips.to_csv(index=False, float_format="%.6f"))
    bench = benchmark_table(long, order)
    if not bench.empty:
        files["benchmarks_md"] = out / "benchmarks.md"
        files["benchmarks_md"].write_text(
            "# MotiveBench and ToMBench by group (mean [95% bootstrap CI])\n\n" + _markdown(bench, index=False) + "\n"
        )
    plot_metrics_vs_alpha(long, files["plot"], title=f"{index['model']} · {index['merge_method']}")
    _track(cfg, long, deltas, stable_hash(long.to_dict("records")))
    log.info("report written to %s", out)
    return files


def _with_comments(path: Path, lines: list[str], marker: str, body: str) -> None:
    path.write_text("".join(f"{marker}{line}\n" for line in lines) + body)


def _track(cfg: Any, long: pd.DataFrame, deltas: pd.DataFrame, digest: str) -> None:
    """Log the tables to W&B once per distinct content (a rerun of an unchanged report logs nothing)."""
    marker = cfg.artifacts_dir / "reports_logged" / f"{stable_hash(str(cfg.results_dir))}.txt"
    if cfg.tracker.kind == "none" or (marker.is_file() and marker.read_text() == digest):
        return

    with Tracker(cfg.tracker, cfg.results_dir / "wandb").run(f"report-{cfg.experiment_name}", "report", {}) as run:
        run.table("scores", long)
        if not deltas.empty:
            run.table("deltas_vs_base", deltas)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(digest)
