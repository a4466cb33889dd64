"""Commands and reports written into results/ name paths inside the checkout relative to it."""

from __future__ import annotations

from humanllm.paths import shown, shown_override
from humanllm.pipeline.run_record import write_run_record


def test_paths_inside_the_working_folder_are_shown_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "data" / "benchmarks") == "data/benchmarks"
    assert shown("/etc/hosts") == "/etc/hosts"  # outside: kept as is
    assert shown_override(f"eval.data.bigbench={tmp_path}/data/bigbench") == "eval.data.bigbench=data/bigbench"
    assert shown_override("merge.ratios=[0.5]") == "merge.ratios=[0.5]"
    assert (
        shown_override("model.name_or_path=HuggingFaceTB/SmolLM2-135M")
        == "model.name_or_path=HuggingFaceTB/SmolLM2-135M"
    )


def test_the_run_record_names_no_absolute_path_inside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    write_run_record(
        tmp_path / "results" / "demo",
        "pipeline",
        ["experiment=tiny", f"eval.data.bigbench={tmp_path}/data"],
        composed={"x": 1},
    )
    command = (tmp_path / "results" / "demo" / ".hydra" / "command.txt").read_text()
    assert str(tmp_path) not in command, command
    assert "eval.data.bigbench=data" in command and "--config-dir results/demo/.hydra" in command
