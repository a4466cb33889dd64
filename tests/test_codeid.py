"""A stage's code identity follows the code that really runs: modules imported lazily or by name, and every
plug-in a registry discovers. An edit to any of them changes the key; an edit elsewhere does not."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from humanllm import codeid

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = [
    "humanllm.eval.stage",
    "humanllm.task.stage",
    "humanllm.synthesis.stage",
    "humanllm.train.sft",
    "humanllm.merge.stage",
    "humanllm.data.stage",
]


def test_every_registered_benchmark_module_is_in_the_eval_identity():
    from humanllm.eval.benchmarks import benchmarks

    closure = set(codeid.module_closure("humanllm.eval.stage"))
    modules = {type(b).__module__ for b in benchmarks().values()}
    assert {
        "humanllm.eval.benchmarks.motivebench",
        "humanllm.eval.benchmarks.tombench",
        "humanllm.eval.benchmarks.bigbench",
    } <= modules
    assert modules <= closure, modules - closure
    assert "humanllm.eval.benchmarks.general_sources" in closure


@pytest.mark.parametrize("entry", ENTRIES)
def test_modules_a_stage_loads_at_run_time_are_in_its_identity(entry):
    """Import the stage and let the registries it reaches discover their plug-ins, as a run does: every project
    module then loaded is in the static closure (orchestration-only modules and what only they import, and
    the entry's own package __init__ files, which Python runs on the way in, aside)."""
    closure = set(codeid.module_closure(entry))
    discover = [f"from {mod} import {fn}; {fn}()" for mod, fn in (
        ("humanllm.eval.benchmarks.registry", "benchmarks"), ("humanllm.task.registry", "task_names"))
        if mod in closure]  # fmt: skip
    script = "\n".join(
        [
            f"import importlib, json, sys; importlib.import_module({entry!r})",
            *discover,
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('humanllm'))))",
        ]
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    )
    parents = {".".join(entry.split(".")[:i]) for i in range(1, entry.count(".") + 1)}
    # what only the orchestration modules import (store -> io: the manifest) is theirs, not the stage's
    theirs = set().union(*(codeid._imports(m)[0] for m in loaded if codeid._excluded(m)))
    reached = {m for m in loaded if not codeid._excluded(m) and codeid._module_file(m) is not None} - parents - theirs
    missing = reached - closure
    assert not missing, f"{entry}: loaded at run time but not in its code identity: {sorted(missing)}"


@pytest.fixture
def tree_copy(tmp_path, monkeypatch):
    """The package and evals/ copied, with codeid pointed at the copy (so edits touch nothing real)."""
    shutil.copytree(ROOT / "humanllm", tmp_path / "humanllm", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "evals", tmp_path / "evals", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codeid, "ROOT", tmp_path / "humanllm")
    monkeypatch.setattr(codeid, "DATA_TREES", {"evals_dir": tmp_path / "evals"})

    def identity(entry: str) -> str:  # edits append a statement: imports, hence closures, stay as they are
        codeid.code_identity.cache_clear()
        return codeid.code_identity(entry)

    for f in (codeid._imports, codeid.module_closure, codeid.code_identity):
        f.cache_clear()

    yield tmp_path, identity
    for f in (codeid._imports, codeid.module_closure, codeid.code_identity):
        f.cache_clear()


def _edited(path: Path):
    original = path.read_bytes()
    path.write_bytes(original + b"\n_AN_EDIT = 1\n")
    return original


def test_layout_and_comments_leave_the_identity_alone_and_code_does_not(tree_copy):
    """What a formatter changes (line breaks, spaces, comments) is not code; a changed constant is."""
    root, identity = tree_copy
    path = root / "humanllm" / "data" / "dedup.py"
    before = identity("humanllm.data.build")
    src = path.read_text()
    path.write_text(
        "# a comment\n" + src.replace("_MIX = np.uint64(1_000_003)", "_MIX = np.uint64(  # reflowed\n    1_000_003\n)")
    )
    assert identity("humanllm.data.build") == before
    path.write_text(src.replace("_MIX = np.uint64(1_000_003)", "_MIX = np.uint64(1_000_033)"))
    assert identity("humanllm.data.build") != before


@pytest.mark.parametrize(
    "entry", [*ENTRIES, "humanllm.model.registry", "humanllm.eval.judge", "humanllm.eval.contamination_check"]
)
def test_an_edit_to_any_module_a_stage_runs_changes_its_key_and_others_do_not(tree_copy, entry):
    tmp, identity = tree_copy
    base = identity(entry)
    closure = set(codeid.module_closure(entry))
    assert len(closure) > 2
    for module in sorted(closure):
        path = codeid._module_file(module)
        original = _edited(path)
        assert identity(entry) != base, f"editing {module} left the {entry} key unchanged"
        path.write_bytes(original)
    assert identity(entry) == base
    outside = sorted(
        p
        for p in (tmp / "humanllm").rglob("*.py")
        if ".".join(p.relative_to(tmp).with_suffix("").parts).removesuffix(".__init__") not in closure
    )
    assert len(outside) > 20 and tmp / "humanllm" / "cli.py" in outside
    for path in outside:
        original = _edited(path)
        assert identity(entry) == base, f"{path.relative_to(tmp)} does not run in {entry}, yet changed its key"
        path.write_bytes(original)


def test_an_lm_eval_task_file_is_part_of_the_eval_code(tree_copy):
    tmp, identity = tree_copy
    base = identity("humanllm.eval.stage")
    for task_file in (tmp / "evals" / "tombench" / "tombench_en.yaml", tmp / "evals" / "motivebench" / "utils.py"):
        original = _edited(task_file)
        assert identity("humanllm.eval.stage") != base, task_file
        task_file.write_bytes(original)


def test_strings_that_are_not_module_names_add_no_module():
    """A string like "humanllm." (a prefix test in a registry) is not an import of the package root."""
    for entry in ("humanllm.eval.stage", "humanllm.data.build", "humanllm.task.stage"):
        bad = [m for m in codeid.module_closure(entry) if not re.fullmatch(r"humanllm(\.[A-Za-z_]\w*)+", m)]
        assert not bad, (entry, bad)
