"""Every stage is built in `humanllm/<group>/stage.py`: a call `ctx.stage("<name>", ...)` anywhere else fails,
except the two side stages of the eval group kept in their own modules, each with its reason."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "humanllm"

# module → why its stage is not in its package's stage.py
SIDE_STAGES = {
    "eval/judge.py": "the judge stage: its own module so that judge code is not in the eval key (editing a rubric "
    "re-judges, it does not re-score)",
    "eval/contamination_check.py": "the contamination stage: its own module so that the overlap check's code is "
    "not in the eval key",
}


def stage_calls(path: Path) -> list[tuple[str, int]]:
    """(stage name, line) of each `<x>.stage(<name>, ...)` call in one module: a string, or a module-level
    constant holding one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "stage"):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            calls.append((first.value, node.lineno))
        elif isinstance(first, ast.Name) and isinstance(constants.get(first.id), str):
            calls.append((constants[first.id], node.lineno))
    return calls


def all_stage_calls() -> dict[str, list[tuple[str, int]]]:
    return {str(p.relative_to(ROOT)): calls for p in sorted(ROOT.rglob("*.py")) if (calls := stage_calls(p))}


def test_stages_are_built_in_their_packages_stage_module() -> None:
    misplaced = [
        f"humanllm/{module}:{line} builds stage {name!r}"
        for module, calls in all_stage_calls().items()
        if not module.endswith("/stage.py") and module not in SIDE_STAGES
        for name, line in calls
    ]
    assert not misplaced, "a stage outside <package>/stage.py:\n" + "\n".join(misplaced)


def test_the_scan_finds_every_stage_of_the_flow() -> None:
    """The scan above sees every stage the flow builds (so the first test cannot pass by finding nothing)."""
    found = {name for calls in all_stage_calls().values() for name, _ in calls}
    flow = {
        "raw_sample",
        "corpus",
        "curated",
        "tasks",
        "base_model",
        "train",
        "merge",
        "eval",
        "judge",
        "contamination",
    }
    assert found == flow
    assert set(SIDE_STAGES) <= set(all_stage_calls()), "a side stage listed here no longer builds a stage"
