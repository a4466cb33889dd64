"""The package's own import graph has no cycle, and its modules import each other at the top.

The graph is read from the source with `ast` (nothing is imported). A node is a module: `humanllm/x/y.py` is
`humanllm.x.y`, a package's `__init__.py` is the package. Every `humanllm` import counts, at module top and
inside a function alike (an import inside a function is still a dependency, only a later one), except those
under `if TYPE_CHECKING:`, which never run. `from humanllm.x import y` depends on the submodule
`humanllm.x.y` when that file exists, else on `humanllm.x` (a name its `__init__` or module defines);
`from . import y` is resolved the same way. Importing `humanllm.a.b` also runs the `__init__` of each package
on the way (`humanllm.a`), so those are edges too, except the importer's own enclosing packages: Python
runs them before the importer, and reaching a submodule through them reads nothing from their namespace.
"""

from __future__ import annotations

import ast
import functools
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "humanllm"

# The only modules whose `humanllm` imports may sit inside functions, and why.
LAZY_ALLOWED = {
    "humanllm.cli": "the entry point: sets the offline/env defaults before any module that reads them at import "
    "time (huggingface, datasets) loads, and `humanllm --help` or a config error comes back without "
    "loading every command's stack (pandas, hydra, lm-eval, datatrove, ...)",
    "humanllm.launch": "the Hydra job entry point: like the CLI, it sets those defaults before the flow loads",
    "humanllm.llm": "the package must stay light: the root config imports `humanllm.llm.config`, and the backends "
    "(openai, the local server, the response cache) load only when one is made",
    "humanllm.eval.backends": "`eval.shared_prefix` subclasses lm-eval's HFLM: loading it loads lm-eval, "
    "transformers and torch (seconds), only when a model is scored",
}


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a module of the package
    line: int
    in_function: bool
    text: str


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / PACKAGE).rglob("*.py"))}


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every project module `module` depends on, one entry per (statement, target)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    is_package = path.name == "__init__.py"
    own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}  # enclosing packages
    if is_package:
        own.add(module)
    found: list[Import] = []

    def add(node: ast.stmt, target: str, in_function: bool) -> None:
        parts = target.split(".")
        on_the_way = {".".join(parts[:i]) for i in range(1, len(parts))} - own
        for t in sorted(on_the_way | {target}):
            if t in modules and t != module:
                found.append(Import(module, t, node.lineno, in_function, lines[node.lineno - 1].strip()))

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                for orelse in child.orelse:  # `if TYPE_CHECKING: ... else: ...`: the else branch runs
                    visit_stmt(orelse, in_function)
                continue
            visit_stmt(child, in_function)

    def visit_stmt(child: ast.AST, in_function: bool) -> None:
        inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name.split(".")[0] == PACKAGE:
                    add(child, alias.name, in_function)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:  # relative: from the importer's package, one level up per extra dot
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - child.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base.split(".")[0] == PACKAGE:
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    add(child, sub if sub in modules else base, in_function)
        visit(child, inner)

    visit(ast.parse(source, filename=str(path)), False)
    return found


@functools.cache
def import_graph(root: Path = ROOT) -> tuple[dict[str, set[str]], list[Import]]:
    modules = package_modules(root)
    edges: list[Import] = [imp for mod, path in modules.items() for imp in imports_of(mod, path, modules)]
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in edges:
        graph[imp.importer].add(imp.target)
    return graph, edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a shortest one through its smallest module) per strongly connected component of 2+ modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):  # iterative Tarjan
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    found = []
    for component in components:
        first = min(component)
        paths, seen = [[first]], {first}
        while paths:  # breadth-first back to `first` inside the component
            path = paths.pop(0)
            nxt = [n for n in sorted(graph[path[-1]]) if n in component]
            if first in nxt:
                found.append(path + [first])
                break
            for n in nxt:
                if n not in seen:
                    seen.add(n)
                    paths.append(path + [n])
    return sorted(found)


def describe(cycle: list[str], edges: list[Import]) -> str:
    lines = [" -> ".join(cycle)]
    for a, b in itertools.pairwise(cycle):
        for line, in_function, text in sorted(
            {(i.line, i.in_function, i.text) for i in edges if i.importer == a and i.target == b}
        ):
            where = "in a function" if in_function else "at the top"
            lines.append(f"    {a.replace('.', '/')}.py:{line} ({where}): {text}")
    return "\n".join(lines)


def test_no_import_cycle():
    graph, edges = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(describe(c, edges) for c in found)


def test_project_imports_sit_at_the_top():
    _, edges = import_graph()
    lazy = sorted(
        {(imp.importer, imp.line, imp.text) for imp in edges if imp.in_function and imp.importer not in LAZY_ALLOWED}
    )
    assert not lazy, (
        "humanllm imports inside a function (move them to the top, or add the module to "
        "LAZY_ALLOWED with its reason):\n"
        + "\n".join(f"  {m.replace('.', '/')}.py:{line}: {text}" for m, line, text in lazy)
    )


def test_the_allow_list_names_modules_that_use_it():
    _, edges = import_graph()
    lazy = {imp.importer for imp in edges if imp.in_function}
    assert set(LAZY_ALLOWED) <= lazy, f"no longer lazy, drop from LAZY_ALLOWED: {sorted(set(LAZY_ALLOWED) - lazy)}"


# The graph reader itself, on small made-up packages.
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in [p for p in (tmp_path / PACKAGE).rglob("*") if p.is_dir()] + [tmp_path / PACKAGE]:
        (folder / "__init__.py").touch()
    return tmp_path


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    root = _tree(tmp_path, {"a.py": "from humanllm.b import g\n", "b.py": "def g():\n    from humanllm import a\n"})
    graph, edges = import_graph(root)
    assert cycles(graph) == [["humanllm.a", "humanllm.b", "humanllm.a"]]
    assert "humanllm/b.py:2 (in a function): from humanllm import a" in describe(cycles(graph)[0], edges)


@pytest.mark.parametrize(
    "files, expected",
    [
        # a submodule named in `from package import name`, and the package's __init__ run on the way
        (
            {"p/m.py": "from humanllm.q import n\n", "q/n.py": "from humanllm.p import m\n"},
            [["humanllm.p.m", "humanllm.q.n", "humanllm.p.m"]],
        ),
        # relative imports
        (
            {"p/m.py": "from . import n\n", "p/n.py": "from .m import x\n"},
            [["humanllm.p.m", "humanllm.p.n", "humanllm.p.m"]],
        ),
        # through a package __init__ that re-exports: importing humanllm.q.n runs humanllm/q/__init__.py
        (
            {
                "p/m.py": "import humanllm.q.n\n",
                "q/__init__.py": "from humanllm.q.r import x\n",
                "q/r.py": "from humanllm.p.m import y\n",
            },
            [["humanllm.p.m", "humanllm.q", "humanllm.q.r", "humanllm.p.m"]],
        ),
        # a submodule reached from its own package's __init__ is not a cycle; TYPE_CHECKING imports never run
        (
            {
                "p/__init__.py": "from humanllm.p.m import x\n",
                "p/m.py": "from humanllm.p.n import y\n",
                "p/n.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from humanllm.p.m import x\n",
            },
            [],
        ),
    ],
)
def test_the_reader_resolves_imports(tmp_path, files, expected):
    graph, _ = import_graph(_tree(tmp_path, files))
    assert cycles(graph) == expected
