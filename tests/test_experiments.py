"""Experiments: every spec and run composes; each experiment runs end to end in fast mode on tiny-random
(LLM curation through the loopback scoring server, benchmarks from fixture folders in the official
schemas); a table cell is rebuilt from the artifact key its row names; a partly finished experiment
lists its missing runs with the command that fills them, and invents no row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from humanllm.config import load_config
from humanllm.eval.benchmarks.fixtures import (
    write_bigbench_fixture,
    write_motivebench_fixture,
    write_tombench_fixture,
)
from humanllm.experiments.runner import full_overrides, run_experiment
from humanllm.experiments.spec import experiment_names, load_experiment
from humanllm.io import read_json
from humanllm.report.experiment import write_experiment_report
from humanllm.schema import ConfigError
from humanllm.synthesis.testing import ScoringServer, server_overrides

CPU_EXPERIMENTS = ["main", "ood", "forgetting", "single_task", "merge_vs_sft", "synthesis", "base_models"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("experiments")
    with ScoringServer(latency_s=0.0) as server:
        llm = [o for o in server_overrides(server, root / "artifacts") if not o.startswith("synthesis=")]
        data = [
            f"eval.data.motivebench={write_motivebench_fixture(root / 'mb')}",
            f"eval.data.tombench={write_tombench_fixture(root / 'tb')}",
            f"eval.data.bigbench={write_bigbench_fixture(root / 'bb')}",
            "eval.bigbench.tasks=[navigate,snarks]",
        ]
        yield root, [*llm, *data]


@pytest.mark.parametrize("name", experiment_names())
def test_every_run_of_every_experiment_composes(name, tmp_path):
    spec = load_experiment(name)
    for fast in (False, True):
        for run in spec.expand(fast):
            cfg = load_config(full_overrides(spec, run, tmp_path, fast, []))
            assert cfg.experiment_name == spec.name and len(cfg.merge.ratios) == 1
            assert cfg.results_dir == (tmp_path / name / "runs" / run.name).resolve()
            if fast:
                assert cfg.model.name == "tiny-random"


def test_a_bad_spec_names_the_file_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: t\nruns: [{name: a, label: A}]\ngrid: {key: model, values: [x]}\nlayout: {suites: [indomain]}\n"
    )
    with pytest.raises(ConfigError, match=r"bad.yaml:\nruns: give either runs"):
        load_experiment(bad)
    bad.write_text("title: t\nruns: [{name: a, label: A}]\nlayout: {suites: [nonsense]}\n")
    with pytest.raises(ConfigError, match="layout.suites"):
        load_experiment(bad)


@pytest.mark.parametrize("name", CPU_EXPERIMENTS)
def test_experiment_runs_end_to_end_in_fast_mode(name, env):
    root, extra = env
    spec = load_experiment(name)
    status = run_experiment(spec, root / "results", fast=True, extra=extra)
    runs = spec.expand(fast=True)
    assert status == {r.name: "done" for r in runs}
    folder = root / "results" / name
    md = (folder / "table.md").read_text()
    cells = pd.read_csv(folder / "table.csv", comment="#")
    labels = [r.label for r in runs]
    assert set(labels) <= set(cells.model) and all(f"| {label}" in md for label in labels)
    assert {m for m in cells.model if m.startswith("base")}, "the base row is in the table"
    assert set(cells.suite) <= set(spec.layout.suites) and not cells.value.isna().any()
    assert "Missing runs" not in md and "regenerate: humanllm experiment" in md
    tex = (folder / "table.tex").read_text()
    assert "\\toprule" in tex and "\\bottomrule" in tex
    merged = cells[~cells.model.str.startswith("base")]
    assert merged.delta.notna().all() and set(merged.significant) <= {"yes", "no", "n too small"}
    plots = {"bars": "per_task_bars.png", "alpha_curve": "alpha_curve.png", "pareto": "pareto.png"}
    for plot in spec.layout.plots:
        assert (folder / plots[plot]).read_bytes()[:4] == b"\x89PNG", plot
    if name == "single_task":  # every model is scored on every family, whatever it trained on
        assert cells[cells.suite == "indomain"].groupby("model").task.nunique().eq(6).all()
    if name == "ood":
        assert {"motivebench", "tombench"} <= set(cells.suite)
        assert "> NOTE: motivebench: protocol official" in md and "> NOTE: tombench: protocol official" in md
    if name == "forgetting":
        assert "bigbench" in set(cells.suite) and "general" in set(cells.suite)
        flips = pd.read_csv(folder / "flips.csv")  # every merged model against its base, item by item
        bb = flips[(flips.suite == "bigbench") & (flips.task == "all")]
        assert set(bb.model) == set(merged.model) and (bb.right_to_wrong <= bb.base_right).all()
        assert "### Forgetting: right→wrong flips on general reasoning" in md


def test_a_table_cell_is_rebuilt_from_its_artifact_key(env):
    """Every cell names the evaluation artifact holding it; that artifact's scores give the same number."""
    from humanllm.store import ArtifactStore

    root, extra = env
    spec = load_experiment("merge_vs_sft")
    run_experiment(spec, root / "results", fast=True, extra=extra)
    cells = pd.read_csv(root / "results" / "merge_vs_sft" / "table.csv", comment="#")
    cell = cells[(cells.model == "α=0.5") & (cells.column == "writing_imitation/rouge_l")].iloc[0]
    store = ArtifactStore(root / "artifacts")
    art = store.get("eval", cell.eval_key)
    assert art is not None
    scores = read_json(art.path / "scores.json")["scores"]
    assert scores["indomain/writing_imitation/rouge_l"] == pytest.approx(cell.value, abs=1e-6)
    prov = read_json(root / "results" / "merge_vs_sft" / "provenance.json")
    run = next(r for r in prov["runs"] if r["run"] == "alpha_0.5")
    assert run["artifact_keys"]["eval_merged"] == cell.eval_key


def test_partial_experiment_lists_missing_runs_and_invents_no_row(env, tmp_path):
    _root, extra = env
    spec = load_experiment("merge_vs_sft")
    status = run_experiment(spec, tmp_path, fast=True, extra=extra, only=["alpha_0.5"])
    assert status == {"alpha_0.5": "done"}
    md = (tmp_path / "merge_vs_sft" / "table.md").read_text()
    cells = pd.read_csv(tmp_path / "merge_vs_sft" / "table.csv", comment="#")
    assert set(cells.model) == {"base", "α=0.5"}
    missing = (tmp_path / "merge_vs_sft" / "missing.md").read_text()
    for run in ("alpha_0.25", "alpha_1.0"):
        assert f"| {run} |" in missing and f"--run {run} --fast`" in missing
    assert "## Missing runs" in md and "not run yet" in md
    # the report alone (no model loaded) rebuilds the same table
    files = write_experiment_report(spec, tmp_path)
    assert files["table_md"].read_text() == md


def test_runs_that_cannot_start_are_reported_with_the_reason(env, tmp_path):
    """ood without benchmark folders: the run is recorded as failed, the report says why and how to fill it."""
    _root, extra = env
    no_data = [o for o in extra if not o.startswith(("eval.data.motivebench", "eval.data.tombench"))]
    no_data += [f"eval.data.motivebench={tmp_path / 'absent'}", f"eval.data.tombench={tmp_path / 'absent2'}"]
    status = run_experiment(load_experiment("ood"), tmp_path, fast=True, extra=no_data)
    assert status["humanllm"].startswith("failed") and "motivebench" in status["humanllm"].lower()
    missing = (tmp_path / "ood" / "missing.md").read_text()
    assert (
        "humanllm experiment ood " in missing
        and "--run humanllm --fast`" in missing
        and "motivebench" in missing.lower()
    )
    assert "_(no finished run yet)_" in (tmp_path / "ood" / "table.md").read_text()


def test_a_run_that_breaks_is_recorded_and_the_others_still_run(env, tmp_path, monkeypatch):
    """An unexpected error in one run (here injected into sft_only) fails that run only: it is recorded with
    its traceback and listed as missing with the error; the other runs and the report still happen."""
    from humanllm.sweep.trial import TrialRunner

    _root, extra = env
    real_run = TrialRunner.run

    def run(self, number, overrides, params):
        if params.get("run") == "sft_only":
            raise RuntimeError("injected failure")
        return real_run(self, number, overrides, params)

    monkeypatch.setattr(TrialRunner, "run", run)
    status = run_experiment(load_experiment("forgetting"), tmp_path, fast=True, extra=extra)
    assert status == {"sft_only": "failed: RuntimeError: injected failure", "merged": "done"}
    record = read_json(tmp_path / "forgetting" / "runs" / "sft_only" / "run.json")
    assert record["status"] == "failed" and "injected failure" in record["traceback"]
    assert "humanllm/" in record["traceback"] and f"{Path.cwd()}/" not in record["traceback"]  # no machine folder
    assert "injected failure" in (tmp_path / "forgetting" / "missing.md").read_text()
    assert "| merged (α=0.5)" in (tmp_path / "forgetting" / "table.md").read_text()


def test_best_per_column_is_bold_ties_are_not_and_significant_deltas_are_marked():
    from humanllm.report.experiment import latex, wide

    def cell(model, column, metric, value, significant=None, direction=None):
        return {
            "model": model,
            "column": column,
            "metric": metric,
            "value": value,
            "low": value - 0.1,
            "high": value + 0.1,
            "significant": significant,
            "direction": direction,
        }

    cells = pd.DataFrame(
        [
            cell("base", "t/rouge_l", "rouge_l", 0.20),
            cell("m", "t/rouge_l", "rouge_l", 0.30, "yes", "better"),
            cell("base", "english/bits_per_byte", "bits_per_byte", 1.10),
            cell("m", "english/bits_per_byte", "bits_per_byte", 1.30, "yes", "worse"),
            cell("base", "t/hit", "hit", 0.5),
            cell("m", "t/hit", "hit", 0.5, "no", "same"),
        ]
    )
    md = wide(cells, ["base", "m"], "md")
    assert md.loc["m", "t/rouge_l"].startswith("**0.3000**") and md.loc["m", "t/rouge_l"].endswith("*")
    assert md.loc["base", "english/bits_per_byte"].startswith("**1.1000**")  # lower is better
    assert md.loc["m", "english/bits_per_byte"].endswith("†")
    assert "**" not in md.loc["base", "t/hit"] + md.loc["m", "t/hit"]  # a tie has no best
    tex = latex(wide(cells, ["base", "m"], "tex"), "caption")
    assert "\\textbf{0.3000}" in tex and "$^{†}$" in tex and "t/rouge\\_l" in tex
