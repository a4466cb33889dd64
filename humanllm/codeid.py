"""Code identity of a stage: a hash of the code (syntax tree) of every project module its producer can run.

A stage key must change when the code that writes the artifact changes, without anyone remembering
to bump a number. The producer's module is the entry point; every `humanllm` module it imports,
directly or lazily inside a function, is followed (static import graph, read with `ast`). Modules
that only orchestrate, log or store (they cannot change what a stage writes) are left out, so
editing the CLI or the W&B wrapper does not invalidate finished work. A module that imports
`evals_dir` also pulls in the lm-eval task files under evals/, a string naming a project module
(`importlib.import_module("humanllm.x")`) counts as importing it, and a plug-in registry (a module that
calls `pkgutil.iter_modules` on a package it imports or names) pulls in every module of that package.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from pathlib import Path

PACKAGE = "humanllm"
_DOTTED = re.compile(rf"{PACKAGE}(?:\.[A-Za-z_]\w*)+")  # a module's full name (not "humanllm." or a sentence)
ROOT = Path(__file__).resolve().parent
# Orchestration, storage and logging only: they decide where and whether, never what is written.
NOT_OUTPUT = (
    "humanllm._aliases",
    "humanllm.pipeline",
    "humanllm.cli",
    "humanllm.store",
    "humanllm.tracker",
    "humanllm.config",
    "humanllm.codeid",
    "humanllm.sweep",
)
DATA_TREES = {"evals_dir": ROOT.parent / "evals"}  # imported name → non-Python files it reads


def _module_file(module: str) -> Path | None:
    rel = Path(*module.split("."))
    for cand in (ROOT.parent / rel.with_suffix(".py"), ROOT.parent / rel / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _excluded(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in NOT_OUTPUT)


@functools.cache
def _imports(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """(project modules, imported names) of one module, from its syntax tree."""
    path = _module_file(module)
    if path is None:
        return frozenset(), frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    mods: set[str] = set()
    names: set[str] = set()
    scans_packages = any(
        isinstance(n, ast.Attribute) and n.attr in ("iter_modules", "walk_packages") for n in ast.walk(tree)
    )

    def add(name: str) -> None:
        """A module imported by name; a scanned plug-in package brings every module in it."""
        mods.add(name)
        pkg_dir = ROOT.parent / Path(*name.split("."))
        if scans_packages and (pkg_dir / "__init__.py").is_file():
            mods.update(f"{name}.{p.stem}" for p in pkg_dir.glob("*.py") if p.stem != "__init__")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    add(alias.name)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _DOTTED.fullmatch(node.value)
            and _module_file(node.value) is not None
        ):
            add(node.value)  # a module loaded by its name, e.g. importlib.import_module("humanllm.x")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                parts = parts if is_pkg else parts[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base.split(".")[0] != PACKAGE:
                continue
            mods.add(base)
            for alias in node.names:
                names.add(alias.name)
                if _module_file(f"{base}.{alias.name}") is not None:
                    mods.add(f"{base}.{alias.name}")
    parents = {".".join(m.split(".")[:i]) for m in mods for i in range(2, len(m.split(".")))}
    return frozenset(m for m in mods | parents if _module_file(m) is not None), frozenset(names)


@functools.cache
def module_closure(entry: str) -> tuple[str, ...]:
    """Every project module reachable from `entry` by imports, minus orchestration-only modules."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        mod = todo.pop()
        if mod in seen or (_excluded(mod) and mod != entry):
            continue
        seen.add(mod)
        todo.extend(_imports(mod)[0])
    return tuple(sorted(seen))


def _data_files(modules: tuple[str, ...]) -> list[Path]:
    names = set().union(*(_imports(m)[1] for m in modules)) if modules else set()
    files: list[Path] = []
    for name, tree in DATA_TREES.items():
        if name in names and tree.is_dir():
            files += [p for p in tree.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sorted(files)


_PLUGINS: dict[str, set[Path]] = {}  # registry module → files of the plug-ins it loaded from outside the package


def note_plugin(registry: str, files: list[Path]) -> None:
    """Count a plug-in's files (its module, its data) in every identity whose code reaches `registry`."""
    _PLUGINS.setdefault(registry, set()).update(Path(f).resolve() for f in files)
    code_identity.cache_clear()


def _code_of(path: Path) -> bytes:
    """A module's code: its syntax tree without positions, so layout and comments (a formatter's
    changes) leave the identity alone; docstrings and every statement count."""
    return ast.dump(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))).encode()


@functools.cache
def code_identity(entry: str) -> str:
    """sha256 (16 hex) over the code of the modules reachable from `entry` (plus the data trees they read,
    and the plug-ins loaded by a registry among them)."""
    modules = module_closure(entry)
    h = hashlib.sha256()
    for mod in modules:
        path = _module_file(mod)
        assert path is not None
        h.update(f"{mod}\n".encode())
        h.update(_code_of(path))
    for path in _data_files(modules):
        h.update(f"{path.relative_to(ROOT.parent)}\n".encode())
        h.update(path.read_bytes())
    for registry in sorted(r for r in _PLUGINS if r in modules):
        for path in sorted(_PLUGINS[registry]):
            h.update(f"plug-in {path.name}\n".encode())  # the name only: no machine folder in a key
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def producer_identity(produce: object) -> str:
    """The code identity of the module that defines a stage's producer (a function or lambda)."""
    produce = getattr(produce, "func", produce)  # functools.partial
    module = getattr(produce, "__module__", None)
    if not module or not module.startswith(PACKAGE):
        return "external:" + str(module)
    return code_identity(module)
