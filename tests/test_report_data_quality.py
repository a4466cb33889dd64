"""The data-quality report on the sample corpus curated through the loopback scoring server: both funnels
reconcile, keep rates match the kept and rejected files, histograms are drawn, the record sample reads."""

from __future__ import annotations

import re

import pytest

from humanllm.cli import main
from humanllm.config import load_config
from humanllm.io import read_jsonl
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext
from humanllm.report.data_quality import DataQualityError, write_data_quality
from humanllm.synthesis.records import FILES
from humanllm.synthesis.testing import ScoringServer, server_overrides


@pytest.fixture(scope="module")
def server():
    with ScoringServer(latency_s=0.0) as s:
        yield s


@pytest.fixture(scope="module")
def curated(server, tmp_path_factory):
    """The sample corpus (data=sample) curated with synthesis=paper_demo through the scoring server."""
    root = tmp_path_factory.mktemp("dq")
    overrides = server_overrides(
        server, root / "artifacts", "synthesis=paper_demo", f"paths.results={root / 'results'}"
    )
    state = flow.run_data(RunContext.from_config(load_config(overrides)), flow.FlowState())
    return root, overrides, state


def tables(md: str, heading: str) -> dict[str, list[list[str]]]:
    """The markdown tables under `heading`, by their first column's header: {header: rows}."""
    section = md.split(heading, 1)[1].split("\n## ", 1)[0]
    found: dict[str, list[list[str]]] = {}
    for block in re.split(r"\n\s*\n", section):
        lines = [line for line in block.splitlines() if line.startswith("| ")]
        if len(lines) >= 2:
            header = [c.strip() for c in lines[0].strip("|").split("|")]
            found[" ".join(header[:3])] = [[c.strip() for c in line.strip("|").split("|")] for line in lines[1:]]
    return found


def table_rows(md: str, heading: str) -> list[list[str]]:
    return next(iter(tables(md, heading).values()))


def test_report_reconciles_and_samples_records(curated):
    root, _overrides, state = curated
    out = root / "dq_direct"
    files = write_data_quality(state.corpus.path, state.curated.path, out, sample_n=3, seed=7)
    md = files["report"].read_text()

    corpus = tables(md, "## Corpus funnel")
    stage_rows = corpus["platform kind stage"]
    assert stage_rows and all(int(r[3]) == int(r[4]) + int(r[5]) for r in stage_rows)
    platforms = corpus["platform raw records kept"]
    assert len(platforms) == 4 and all(int(r[1]) == int(r[2]) + int(r[3]) for r in platforms)
    curation = tables(md, "## Curation funnel")["stage kind in"]
    assert {r[0] for r in curation} >= {"select", "synthesize", "judge"}  # paper_demo turns the clean pass off
    assert all(int(r[2]) == int(r[3]) + int(r[4]) for r in curation)

    rates = {r[0]: r for r in table_rows(md, "## Keep rate per record kind")}
    assert {"persona", "stories", "scenario_qa"} <= set(rates)
    for kind, r in rates.items():
        planned, kept, rejected = int(r[1]), int(r[2]), int(r[3])
        assert planned == kept + rejected
        on_file = (
            sum(1 for _ in read_jsonl(state.curated.path / FILES[kind]))
            if (state.curated.path / FILES[kind]).is_file()
            else 0
        )
        assert kept == on_file, kind

    # judge histograms per kind that was judged, linked from the report
    pngs = sorted(p.name for p in out.glob("judge_*.png"))
    assert "judge_persona.png" in pngs and all(f"]({p})" in md for p in pngs)
    assert all((out / p).read_bytes()[:4] == b"\x89PNG" for p in pngs)

    # the sample: every group present, records laid out with their fields, scores and source posts
    sample = files["sample"].read_text()
    for group in ("## profile / persona", "## scenario / stories", "## social QA"):
        assert group in sample
    headers = re.findall(r"^#### (\S+) · (\S+) \(\w+\) · (kept|rejected)", sample, flags=re.M)
    assert {h[0] for h in headers} >= {"persona", "stories", "scenario_qa"}
    assert "**question**" in sample and "**answer**" in sample and "judge: " in sample and "source post `" in sample
    # seeded: the same seed gives the same sample, another seed another one
    again = write_data_quality(state.corpus.path, state.curated.path, root / "dq_again", sample_n=3, seed=7)
    other = write_data_quality(state.corpus.path, state.curated.path, root / "dq_other", sample_n=3, seed=8)
    assert again["sample"].read_text() == sample and other["sample"].read_text() != sample


def test_cli_writes_under_results_data_quality(curated, capsys):
    root, overrides, _state = curated
    assert main(["report", "data", *overrides, "--sample", "2"]) == 0
    out = root / "results" / "data_quality"
    assert (out / "report.md").is_file() and (out / "sample.md").is_file()
    assert str(out / "report.md") in capsys.readouterr().out


def test_a_funnel_that_does_not_reconcile_is_an_error(curated, tmp_path):
    import shutil

    _root, _overrides, state = curated
    broken = tmp_path / "curated"
    shutil.copytree(state.curated.path, broken)
    lines = (broken / FILES["persona"]).read_text().splitlines()
    (broken / FILES["persona"]).write_text("\n".join(lines[1:]) + "\n")  # a kept record lost
    with pytest.raises(DataQualityError, match="persona"):
        write_data_quality(state.corpus.path, broken, tmp_path / "out")


def test_raw_synthesis_reports_the_corpus_funnel_only(tmp_path):
    cfg = load_config(["tracker=none", "progress=false", f"paths.artifacts={tmp_path / 'a'}"])
    state = flow.run_data(RunContext.from_config(cfg), flow.FlowState())
    files = write_data_quality(state.corpus.path, None, tmp_path / "out")
    md = files["report"].read_text()
    assert "## Corpus funnel" in md and "synthesis=raw" in md and "sample" not in files
