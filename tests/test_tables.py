"""Table specs (sweeps/tables/): every spec and run composes; each runs end to end in fast mode on tiny-random
(LLM curation through the loopback scoring server, benchmarks from fixture folders in the official
schemas); a table cell is rebuilt from the artifact key its row names; a partly finished table
lists its missing runs with the command that fills them, and invents no row. The old spellings (`humanllm
experiment`, `report experiment=`, sweeps/experiments/, humanllm.experiments names) still work for one release."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from humanllm.config import load_config
from humanllm.eval.benchmarks.fixtures import (
    write_bigbench_fixture,
    write_motivebench_fixture,
    write_tombench_fixture,
)
from humanllm.io import read_json
from humanllm.report.table_runs import write_table_report
from humanllm.schema import ConfigError
from humanllm.synthesis.testing import ScoringServer, server_overrides
from humanllm.tables.runner import full_overrides, run_table
from humanllm.tables.spec import load_table_spec, table_names

CPU_TABLES = ["main", "ood", "forgetting", "single_task", "merge_vs_sft", "synthesis", "base_models"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("tables")
    with ScoringServer(latency_s=0.0) as server:
        llm = [o for o in server_overrides(server, root / "artifacts") if not o.startswith("synthesis=")]
        data = [
            f"eval.data.motivebench={write_motivebench_fixture(root / 'mb')}",
            f"eval.data.tombench={write_tombench_fixture(root / 'tb')}",
            f"eval.data.bigbench={write_bigbench_fixture(root / 'bb')}",
            "eval.bigbench.tasks=[navigate,snarks]",
        ]
        yield root, [*llm, *data]


@pytest.mark.parametrize("name", table_names())
def test_every_run_of_every_table_spec_composes(name, tmp_path):
    spec = load_table_spec(name)
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
        load_table_spec(bad)
    bad.write_text("title: t\nruns: [{name: a, label: A}]\nlayout: {suites: [nonsense]}\n")
    with pytest.raises(ConfigError, match="layout.suites"):
        load_table_spec(bad)


def test_old_command_spelling_still_works_and_names_the_new_one(capsys):
    """`humanllm experiment <name>` does what `humanllm table <name>` does (here: print each run's overrides)
    and says once, on stderr, to use `humanllm table <name>`; the new spelling says nothing of the kind."""
    from humanllm.cli import main

    assert main(["table", "merge_vs_sft", "--cfg"]) == 0
    new = capsys.readouterr()
    assert "alpha_0.5: experiment=merge_vs_sft" in new.out and "deprecated" not in new.err
    assert main(["experiment", "merge_vs_sft", "--cfg"]) == 0
    old = capsys.readouterr()
    assert old.out == new.out
    assert old.err.strip().splitlines() == [
        "humanllm experiment merge_vs_sft: deprecated, goes away in the next release; use `humanllm table merge_vs_sft`"
    ]


def test_help_lists_table_and_hides_the_old_spelling():
    import re

    from humanllm.cli import build_parser

    commands = build_parser().format_help().split("<command>\n", 1)[1].split("\noptions:", 1)[0]
    listed = re.findall(r"^ {4}(\w+)", commands, re.M)  # the commands (`experiment` stays a config group)
    assert "table" in listed and "sweep" in listed and "experiment" not in listed
    old = build_parser().parse_args(["experiment", "main"])
    assert old.command == "experiment" and old.name == "main" and old.out == "results"


def test_report_old_spelling_reports_the_table_and_names_the_new_one(capsys, monkeypatch, tmp_path):
    """`humanllm report experiment=<spec>` still rebuilds the table spec's report (here: no runs found, so
    every run is missing), with the deprecation line; `report table=<spec>` writes the same, silently."""
    from humanllm.cli import main

    monkeypatch.chdir(tmp_path)  # the report writes under ./results
    assert main(["report", "table=base_models"]) == 0
    new = capsys.readouterr()
    assert (
        "deprecated" not in new.err
        and "humanllm table base_models " in (tmp_path / "results" / "base_models" / "missing.md").read_text()
    )
    assert main(["report", "experiment=base_models"]) == 0
    old = capsys.readouterr()
    assert old.out == new.out
    assert "use `humanllm report table=base_models`" in old.err and len(old.err.strip().splitlines()) == 1


def test_a_spec_in_the_old_folder_is_found_with_a_warning(monkeypatch, tmp_path):
    from humanllm.tables import spec as spec_module

    new_dir, old_dir = tmp_path / "tables", tmp_path / "experiments"
    new_dir.mkdir(), old_dir.mkdir()
    monkeypatch.setattr(spec_module, "SPEC_DIR", new_dir)
    monkeypatch.setattr(spec_module, "OLD_SPEC_DIR", old_dir)
    text = "title: t\nruns: [{name: a, label: A}]\nlayout: {suites: [indomain]}\n"
    (old_dir / "mine.yaml").write_text(text)
    assert spec_module.table_names() == ["mine"] and spec_module.has_spec("mine")
    with pytest.warns(FutureWarning, match=r"mine.yaml: table specs now live in sweeps/tables/"):
        assert load_table_spec("mine").name == "mine"
    (new_dir / "mine.yaml").write_text(text.replace("title: t", "title: new"))  # the new folder wins, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_table_spec("mine").title == "new"


def test_old_public_names_still_import_with_a_warning():
    from humanllm.tables import spec as spec_module

    with pytest.warns(FutureWarning, match=r"humanllm\.tables\.spec\.load_experiment was renamed to load_table_spec"):
        from humanllm.tables.spec import load_experiment
    assert load_experiment is spec_module.load_table_spec
    with pytest.raises(ImportError):
        from humanllm.tables.spec import no_such_name  # noqa: F401


@pytest.mark.parametrize("name", CPU_TABLES)
def test_table_runs_end_to_end_in_fast_mode(name, env):
    root, extra = env
    spec = load_table_spec(name)
    status = run_table(spec, root / "results", fast=True, extra=extra)
    runs = spec.expand(fast=True)
    assert status == {r.name: "done" for r in runs}
    folder = root / "results" / name
    md = (folder / "table.md").read_text()
    cells = pd.read_csv(folder / "table.csv", comment="#")
    labels = [r.label for r in runs]
    assert set(labels) <= set(cells.model) and all(f"| {label}" in md for label in labels)
    assert {m for m in cells.model if m.startswith("base")}, "the base row is in the table"
    assert set(cells.suite) <= set(spec.layout.suites) and not cells.value.isna().any()
    assert "Missing runs" not in md and "regenerate: humanllm table" in md
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
    spec = load_table_spec("merge_vs_sft")
    run_table(spec, root / "results", fast=True, extra=extra)
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


def test_partial_table_lists_missing_runs_and_invents_no_row(env, tmp_path):
    _root, extra = env
    spec = load_table_spec("merge_vs_sft")
    status = run_table(spec, tmp_path, fast=True, extra=extra, only=["alpha_0.5"])
    assert status == {"alpha_0.5": "done"}
    md = (tmp_path / "merge_vs_sft" / "table.md").read_text()
    cells = pd.read_csv(tmp_path / "merge_vs_sft" / "table.csv", comment="#")
    assert set(cells.model) == {"base", "α=0.5"}
    missing = (tmp_path / "merge_vs_sft" / "missing.md").read_text()
    for run in ("alpha_0.25", "alpha_1.0"):
        assert f"| {run} |" in missing and f"--run {run} --fast`" in missing
    assert "## Missing runs" in md and "not run yet" in md
    # the report alone (no model loaded) rebuilds the same table
    files = write_table_report(spec, tmp_path)
    assert files["table_md"].read_text() == md


def test_runs_that_cannot_start_are_reported_with_the_reason(env, tmp_path):
    """ood without benchmark folders: the run is recorded as failed, the report says why and how to fill it."""
    _root, extra = env
    no_data = [o for o in extra if not o.startswith(("eval.data.motivebench", "eval.data.tombench"))]
    no_data += [f"eval.data.motivebench={tmp_path / 'absent'}", f"eval.data.tombench={tmp_path / 'absent2'}"]
    status = run_table(load_table_spec("ood"), tmp_path, fast=True, extra=no_data)
    assert status["humanllm"].startswith("failed") and "motivebench" in status["humanllm"].lower()
    missing = (tmp_path / "ood" / "missing.md").read_text()
    assert "humanllm table ood " in missing and "--run humanllm --fast`" in missing and "motivebench" in missing.lower()
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
    status = run_table(load_table_spec("forgetting"), tmp_path, fast=True, extra=extra)
    assert status == {"sft_only": "failed: RuntimeError: injected failure", "merged": "done"}
    record = read_json(tmp_path / "forgetting" / "runs" / "sft_only" / "run.json")
    assert record["status"] == "failed" and "injected failure" in record["traceback"]
    assert "humanllm/" in record["traceback"] and f"{Path.cwd()}/" not in record["traceback"]  # no machine folder
    assert "injected failure" in (tmp_path / "forgetting" / "missing.md").read_text()
    assert "| merged (α=0.5)" in (tmp_path / "forgetting" / "table.md").read_text()


def test_best_per_column_is_bold_ties_are_not_and_significant_deltas_are_marked():
    from humanllm.report.table_runs import latex, wide

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
