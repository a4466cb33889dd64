"""Committed results name no machine's folders; the run records' writers make paths relative to the checkout."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from humanllm.paths import REPO_ROOT, recorded, recorded_tree, shown_text
from humanllm.pipeline.run_record import write_run_record

TEXT = (".json", ".yaml", ".yml", ".md", ".csv", ".tsv", ".log", ".txt", ".tex")
# a folder of some machine: a POSIX absolute path under a home, temporary or work root (not part of a URL or of
# a longer path), or a Windows drive path
MACHINE_PATH = re.compile(
    r"(?<![\w.:/~-])/(tmp|root|home|work|Users|private|mnt|scratch|var/folders)/"
    r"|(?<![\w])[A-Z]:(\\\\|\\|/)(Users|Documents and Settings|Windows|Temp|tmp|home|work)\b"
)


def committed_text_files(root: Path) -> list[Path]:
    """The text files under `root/results` that a commit takes: tracked or untracked and not ignored (W&B's own
    logs are ignored); every file when `root` is not a git checkout."""
    try:
        names = subprocess.run(
            ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "results"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        files = [root / n for n in names.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in (root / "results").rglob("*")]
    return sorted(p for p in files if p.suffix in TEXT and p.is_file() and not p.is_symlink())


def machine_paths(files: list[Path], root: Path) -> list[str]:
    """`file:line: the match` for every machine path in `files`."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for m in MACHINE_PATH.finditer(line):
                found.append(f"{path.relative_to(root)}:{number}: …{line[max(0, m.start() - 30) : m.end() + 50]}…")
    return found


def test_committed_results_name_no_machine_folder():
    files = committed_text_files(REPO_ROOT)
    assert len(files) > 50, f"only {len(files)} text files under results/: is this the checkout?"
    found = machine_paths(files, REPO_ROOT)
    assert not found, (
        f"{len(found)} absolute machine path(s) under results/ (write them with humanllm.paths."
        "shown/recorded):\n" + "\n".join(found[:40])
    )


def test_the_scan_finds_machine_paths_and_lets_others_be(tmp_path):
    (tmp_path / "results").mkdir()
    bad = {
        "a.json": '{"eval_path": "/tmp/fresh-clone.x/repo/artifacts/eval/1"}',
        "b.yaml": "x: /home/me/data",
        "c.txt": "paths.results=/work/main/results/x",
        "d.log": r"C:\Users\me\run",
        "e.md": "see /Users/me/x",
    }
    good = {
        "f.json": '{"url": "https://example.org/home/x", "p": "results/x", "e": "~/work/x", "t": "as e:\\n"}',
        "g.csv": "artifacts/eval/1,0.5",
    }
    for name, text in {**bad, **good}.items():
        (tmp_path / "results" / name).write_text(text)
    found = machine_paths(committed_text_files(tmp_path), tmp_path)
    assert sorted(f.split(":")[0] for f in found) == sorted(f"results/{n}" for n in bad), found


def test_the_writers_turn_checkout_paths_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the working folder stands for the checkout
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / "tombench").mkdir(parents=True)
    monkeypatch.setenv("HUMANLLM_TOMBENCH", str(outside / "tombench"))
    assert recorded(tmp_path / "artifacts" / "eval" / "ab12") == "artifacts/eval/ab12"
    assert recorded(outside / "tombench" / "data") == "${oc.env:HUMANLLM_TOMBENCH}/data"
    assert recorded(outside / "tombench") == "${oc.env:HUMANLLM_TOMBENCH}"
    assert recorded(outside / "blogs", outside="<data>") == "<data>/blogs"
    assert recorded("results/x") == "results/x"
    assert recorded_tree({"a": [str(tmp_path / "r")], "b": 1.5, "c": "HuggingFaceTB/SmolLM2-135M"}) == {
        "a": ["r"],
        "b": 1.5,
        "c": "HuggingFaceTB/SmolLM2-135M",
    }
    assert shown_text(f'File "{tmp_path}/humanllm/x.py", line 3') == 'File "humanllm/x.py", line 3'
    composed = {
        "paths": {"results": str(tmp_path / "results" / "demo"), "artifacts": "artifacts"},
        "eval": {"data": {"tombench": str(outside / "tombench")}},
        "seed": 0,
    }
    folder = write_run_record(
        tmp_path / "results" / "demo", "pipeline", [f"paths.results={tmp_path}/results/demo"], composed=composed
    )
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config == {
        "paths": {"results": "results/demo", "artifacts": "artifacts"},
        "eval": {"data": {"tombench": "${oc.env:HUMANLLM_TOMBENCH}"}},
        "seed": 0,
    }
    assert composed["paths"]["results"] == str(tmp_path / "results" / "demo")  # the caller's tree is untouched
    assert str(tmp_path) not in (folder / "command.txt").read_text()


def test_evaluations_json_names_its_folders_relative_to_the_checkout(tmp_path, monkeypatch):
    import json
    from types import SimpleNamespace as NS

    from humanllm.pipeline import flow
    from humanllm.report import provenance

    monkeypatch.chdir(tmp_path)
    for module in (provenance, flow):  # flow imports it inside the function or at its top
        monkeypatch.setattr(module, "build_provenance", lambda cfg, state: {}, raising=False)
    cfg = NS(
        results_dir=tmp_path / "results" / "demo",
        experiment_name="demo",
        model=NS(name="tiny"),
        mixture=NS(name="all"),
        merge=NS(method="linear"),
    )
    base = NS(label="base", kind="base", alpha=None, location=str(tmp_path / "artifacts" / "base_model" / "b"))
    hub = NS(label="hub", kind="base", alpha=None, location="HuggingFaceTB/SmolLM2-135M")
    in_memory = NS(label="merged", kind="merged", alpha=0.5, location=NS())  # a LoadedModel: written as str()
    state = NS(
        sft=None,
        judgements={"base": NS(path=tmp_path / "artifacts" / "judge" / "j")},
        evaluations=[
            (base, NS(key="e", path=tmp_path / "artifacts" / "eval" / "e")),
            (hub, NS(key="f", path=tmp_path.parent / "elsewhere" / "f")),
            (in_memory, NS(key="g", path=tmp_path / "artifacts" / "eval" / "g")),
        ],
    )
    rows = json.loads(flow.write_evaluations_index(NS(cfg=cfg), state).read_text())["evaluations"]
    assert [(r["model_path"], r["eval_path"], r["judge_path"]) for r in rows] == [
        ("artifacts/base_model/b", "artifacts/eval/e", "artifacts/judge/j"),
        ("HuggingFaceTB/SmolLM2-135M", str(tmp_path.parent / "elsewhere" / "f"), None),  # outside: kept, readable
        ("namespace()", "artifacts/eval/g", None),
    ]
