"""`humanllm report table=<name>`: one table spec's table in the paper's layout, from its runs.

Rows are the models (base, then each run's merged model), columns the headline metrics of the
spec's suites; cells are mean [95% CI resampling held-out users], the best per column in bold,
`*` / `†` marking a delta vs base that is significant (CI excludes 0 on enough items and users) and
better / worse. Written as markdown, CSV (one row per cell, with the evaluation artifact key that
holds it) and LaTeX (booktabs), with plots and the provenance block. Runs not finished yet are
listed with the command that fills them; no row is invented for them.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from humanllm._aliases import renamed_attributes
from humanllm.eval.config import BootstrapConfig
from humanllm.io import read_json, write_json
from humanllm.paths import shown_override
from humanllm.report.flips import flip_frame, flips_markdown
from humanllm.report.provenance import provenance_lines
from humanllm.report.table_runs_plots import draw
from humanllm.report.tables import column_names, delta_frame, higher_is_better, load_scores, scores_frame
from humanllm.tables.runs import full_overrides, read_run, run_dir, table_dir
from humanllm.tables.spec import RunSpec, TableSpec

log = logging.getLogger("humanllm")
BOOTSTRAP = BootstrapConfig().model_dump()  # the defaults of eval.bootstrap: one source, the config model


@dataclass
class Collected:
    """What the store holds for a table spec: evaluated rows, per-run pairs, and what is missing."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # evaluations, table order, unique labels
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (base, merged) per run
    missing: list[dict[str, str]] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)  # per finished run


def _status(spec: TableSpec, run: RunSpec, out: Path, fast: bool, extra: list[str]) -> str | None:
    """None when the run is finished with the overrides the spec gives it now; otherwise why not."""
    record = read_run(out, spec.name, run.name)
    if record is None:
        return "not run yet"
    if record.get("status") != "done":
        return record.get("error", "failed").splitlines()[0][:300]
    if not (run_dir(out, spec.name, run.name) / "evaluations.json").is_file():
        return "no evaluations.json (interrupted)"
    if _as_shown(record["overrides"]) != _as_shown(full_overrides(spec, run, out, fast, extra)):
        return "stale: the spec's overrides for this run changed since it ran"
    return None


def _as_shown(overrides: list[str]) -> list[str]:
    """Overrides compared as `shown_override` writes them (records from before paths were shown relative)."""
    return [shown_override(o) for o in overrides]


def fill_command(spec: TableSpec, run: RunSpec, fast: bool, extra: list[str]) -> str:
    words = ["humanllm", "table", spec.name, *extra, "--run", run.name, *(["--fast"] if fast else [])]
    return " ".join(shlex.quote(w) for w in words)


def collect(spec: TableSpec, out: str | Path, fast: bool = False, extra: list[str] | None = None) -> Collected:
    out, extra = Path(out), list(extra or [])
    found = Collected()
    indexes = []
    for run in spec.expand(fast):
        why = _status(spec, run, out, fast, extra)
        if why is not None:
            found.missing.append(
                {"run": run.name, "label": run.label, "reason": why, "command": fill_command(spec, run, fast, extra)}
            )
            continue
        index = read_json(run_dir(out, spec.name, run.name) / "evaluations.json")
        indexes.append((run, index))
    models = {index["model"] for _, index in indexes}
    base_keys = {e["eval_key"] for _, index in indexes for e in index["evaluations"] if e["kind"] == "base"}
    seen: dict[str, dict[str, Any]] = {}
    for run, index in indexes:
        evs = {e["kind"]: e for e in index["evaluations"]}
        base_label = _base_label(len(base_keys), len(models), index["model"], run.label)
        base = seen.get(evs["base"]["eval_key"])
        if base is None:
            base = {**evs["base"], "label": base_label, "run": "base", "model": index["model"]}
            seen[base["eval_key"]] = base
            found.rows.append(base)
        merged = {**evs["merged"], "label": run.label, "run": run.name, "model": index["model"]}
        found.rows.append(merged)
        found.pairs.append((base, merged))
        record = read_run(out, spec.name, run.name) or {}
        found.provenance.append(
            {
                "run": run.name,
                "label": run.label,
                "overrides": record.get("overrides"),
                "artifact_keys": record.get("artifact_keys"),
                "model": index["model"],
                "provenance": index.get("provenance"),
            }
        )
    return found


def _base_label(n_bases: int, n_models: int, model: str, run_label: str) -> str:
    """One base row when every run shares its base evaluation; else one per model, or per run's held-out items."""
    if n_bases == 1:
        return "base"
    return f"base ({model})" if n_bases == n_models else f"base (items of {run_label})"


def _deltas(found: Collected) -> pd.DataFrame:
    b = BOOTSTRAP
    frames = [
        delta_frame(
            {"evaluations": [base, merged]}, b["samples"], b["confidence"], b["seed"], b["min_items"], b["min_clusters"]
        )
        for base, merged in found.pairs
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _flips(found: Collected) -> pd.DataFrame:
    """Item-by-item flips of every run's model against its base on the multiple-choice groups (report/flips.py)."""
    b = BOOTSTRAP
    frames = [
        flip_frame({"evaluations": [base, merged]}, b["samples"], b["confidence"], b["seed"])
        for base, merged in found.pairs
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cell_frame(spec: TableSpec, found: Collected) -> pd.DataFrame:
    """One row per (model row, column): value, CI, n, delta vs base with CI and significance, eval key."""
    b = BOOTSTRAP
    long = scores_frame({"evaluations": found.rows}, b["samples"], b["confidence"], b["seed"])
    if long.empty:
        return long
    long = long[long.headline & long.suite.isin(spec.layout.suites)]
    long = long[~long.metric.isin(["byte_perplexity", "word_perplexity"])]
    long = long.assign(column=column_names(long))
    keys = {r["label"]: r for r in found.rows}
    long = long.assign(
        run=long.model.map(lambda m: keys[m]["run"]),
        eval_key=long.model.map(lambda m: keys[m]["eval_key"]),
        base_model=long.model.map(lambda m: keys[m]["model"]),
    )
    deltas = _deltas(found)
    if not deltas.empty:
        suite_of = dict(zip(zip(long.task, long.metric), long.suite))
        deltas = deltas.assign(suite=[suite_of.get((t, m)) for t, m in zip(deltas.task, deltas.metric)])
        deltas = deltas.rename(columns={"delta": "delta", "low": "delta_low", "high": "delta_high"})
        long = long.merge(
            deltas[
                ["model", "suite", "task", "metric", "delta", "delta_low", "delta_high", "significant", "direction"]
            ],
            on=["model", "suite", "task", "metric"],
            how="left",
        )
    else:
        long = long.assign(
            delta=float("nan"), delta_low=float("nan"), delta_high=float("nan"), significant=None, direction=None
        )
    order = {r["label"]: i for i, r in enumerate(found.rows)}
    return long.sort_values(["model", "column"], key=lambda s: s.map(order) if s.name == "model" else s).reset_index(
        drop=True
    )


def best_per_column(cells: pd.DataFrame) -> set[tuple[str, str]]:
    """(model, column) of the best value in each column (higher or lower is better by metric)."""
    best = set()
    for column, g in cells.groupby("column"):
        shown = g.dropna(subset=["value"]).value.round(4)  # compared as printed
        if shown.nunique() < 2:
            continue  # every row ties: no best
        target = shown.max() if higher_is_better(g.metric.iloc[0]) else shown.min()
        best |= {(m, column) for m in g.loc[shown[shown == target].index, "model"]}
    return best


def mark(row: pd.Series) -> str:
    if row.get("significant") != "yes":
        return ""
    return "*" if row.direction == "better" else "†"


def wide(cells: pd.DataFrame, order: list[str], fmt: str) -> pd.DataFrame:
    """The paper-layout table as text cells: `md` (bold with **) or `tex` (\\textbf)."""
    best = best_per_column(cells)

    def text(r: pd.Series) -> str:
        value = f"{r.value:.4f}"
        if (r.model, r.column) in best:
            value = f"**{value}**" if fmt == "md" else f"\\textbf{{{value}}}"
        ci = (
            ""
            if pd.isna(r.low)
            else (f" [{r.low:.3f}, {r.high:.3f}]" if fmt == "md" else f" {{\\scriptsize[{r.low:.3f}, {r.high:.3f}]}}")
        )
        sig = mark(r)
        return value + ci + (sig if fmt == "md" else (f"$^{{{sig}}}$" if sig else ""))

    table = cells.assign(cell=cells.apply(text, axis=1)).pivot(index="model", columns="column", values="cell")
    columns = sorted(table.columns, key=lambda c: (c.startswith("english") or c.count("/") > 1, c))
    return table.reindex(index=[m for m in order if m in table.index], columns=columns).fillna("—")


def latex(table: pd.DataFrame, caption: str) -> str:
    """A booktabs tabular (no pandas Styler: cells already hold \\textbf and math marks)."""

    def esc(s: str) -> str:
        return s.replace("_", "\\_").replace("&", "\\&").replace("%", "\\%").replace("α", "$\\alpha$")

    lines = [
        f"% {caption}",
        "\\begin{tabular}{l" + "c" * len(table.columns) + "}",
        "\\toprule",
        " & ".join(["model", *map(esc, table.columns)]) + " \\\\",
        "\\midrule",
    ]
    lines += [" & ".join([esc(str(i)), *(str(v) for v in row)]) + " \\\\" for i, row in table.iterrows()]
    return "\n".join([*lines, "\\bottomrule", "\\end{tabular}"]) + "\n"


def provenance_block(spec: TableSpec, found: Collected, fast: bool) -> list[str]:
    lines = [
        f"table: {spec.name} — {spec.title}" + (" (FAST MODE: tiny random model, smoke-test numbers)" if fast else "")
    ]
    first = next((p["provenance"] for p in found.provenance if p["provenance"]), None)
    if first is not None:
        lines += [line for line in provenance_lines(first) if not line.startswith(("regenerate:", "model:"))]
    for p in found.provenance:
        k = p["artifact_keys"] or {}
        lines.append(
            f"run {p['run']} ({p['model']}): base model {k.get('base_model')}, sft {k.get('sft')}, "
            f"eval base {k.get('eval_base')}, eval merged {k.get('eval_merged')}"
        )
    lines.append(f"regenerate: humanllm table {spec.name}" + (" --fast" if fast else ""))
    return lines


def write_table_report(
    spec: TableSpec, out: str | Path = "results", fast: bool | None = None, extra: list[str] | None = None
) -> dict[str, Path]:
    """Write table.{md,csv,tex}, flips.csv (item-by-item flips vs base, also in table.md), provenance.json,
    missing.md and the plots under <out>/<name>/."""
    folder = table_dir(out, spec.name)
    record = read_json(folder / "experiment.json") if (folder / "experiment.json").is_file() else {}
    fast = bool(record.get("fast", False)) if fast is None else fast
    extra = list(record.get("extra_overrides", [])) if extra is None else extra
    found = collect(spec, out, fast, extra)
    cells = cell_frame(spec, found) if found.rows else pd.DataFrame()
    order = [r["label"] for r in found.rows]
    prov = provenance_block(spec, found, fast)
    files = {
        k: folder / f
        for k, f in (
            ("table_md", "table.md"),
            ("table_csv", "table.csv"),
            ("table_tex", "table.tex"),
            ("missing_md", "missing.md"),
            ("provenance", "provenance.json"),
        )
    }
    folder.mkdir(parents=True, exist_ok=True)
    block = "".join(f"> {line}\n" for line in prov)
    notes = sorted({n for r in found.rows for n in load_scores(r)[2]})  # which protocol / source made a number
    block += "".join(f"> NOTE: {n}\n" for n in notes)
    body = "_(no finished run yet)_\n"
    if not cells.empty:
        body = (
            wide(cells, order, "md").to_markdown()
            + "\n\n"
            + (
                "Cells: mean [95% CI, resampling held-out users / benchmark scenarios]; **bold** = best in the column; "
                "`*` / `†` = significantly better / worse than base (paired cluster bootstrap: CI excludes 0 on "
                f"≥ {BOOTSTRAP['min_items']} items from ≥ {BOOTSTRAP['min_clusters']} users). Every delta with its CI: "
                "table.csv; the evaluation artifact behind each cell: its `eval_key` column.\n"
            )
        )
    flips = _flips(found) if found.pairs else pd.DataFrame()
    if not flips.empty:
        files["flips_csv"] = folder / "flips.csv"
        flips.to_csv(files["flips_csv"], index=False, float_format="%.6f")
        body += "\n" + flips_markdown(flips, BOOTSTRAP["confidence"]).replace("## ", "### ")
    missing = _missing_markdown(found.missing)
    gpu = f"\nAt the paper's scale (GPU): `{spec.gpu}`\n" if spec.gpu else ""
    files["table_md"].write_text(f"# {spec.title}\n\n{spec.description.strip()}\n\n{block}\n{body}{missing}{gpu}")
    files["missing_md"].write_text(missing or "Every run is finished.\n")
    csv_cols = [
        "model",
        "run",
        "base_model",
        "alpha",
        "column",
        "suite",
        "task",
        "metric",
        "value",
        "low",
        "high",
        "n",
        "clusters",
        "delta",
        "delta_low",
        "delta_high",
        "significant",
        "eval_key",
    ]
    csv_body = (
        cells[csv_cols].to_csv(index=False, float_format="%.6f") if not cells.empty else ",".join(csv_cols) + "\n"
    )
    files["table_csv"].write_text("".join(f"# {line}\n" for line in prov) + csv_body)
    tex = latex(wide(cells, order, "tex"), spec.title) if not cells.empty else "% no finished run yet\n"
    files["table_tex"].write_text("".join(f"% {line}\n" for line in prov) + tex)
    write_json(
        files["provenance"],
        {"experiment": spec.name, "fast": fast, "runs": found.provenance, "missing": found.missing, "block": prov},
    )
    if not cells.empty:
        files.update(draw(spec, cells, folder))
    log.info("table report written to %s (%d rows, %d runs missing)", folder, len(order), len(found.missing))
    return files


def _missing_markdown(missing: list[dict[str, str]]) -> str:
    if not missing:
        return ""
    lines = ["\n## Missing runs (no rows shown for them)\n", "| run | row | why | fill it with |", "|---|---|---|---|"]
    lines += [f"| {m['run']} | {m['label']} | {m['reason'].replace('|', '/')} | `{m['command']}` |" for m in missing]
    return "\n".join(lines) + "\n"


__getattr__ = renamed_attributes(
    __name__, {"write_experiment_report": "write_table_report"}
)  # the old public names, for one release
