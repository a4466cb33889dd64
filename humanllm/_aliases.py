"""Old module names kept importable for one release: `humanllm.<old>` loads `humanllm.<new>` with a FutureWarning.

Packages were renamed to the config groups users type (`tracker`, `synthesis`, `eval`, ...). A user's script that
still imports an old name gets the new module itself (the same object, so patches and isinstance checks agree),
and a warning naming the new path. Submodules follow: `humanllm.<old>.x` is `humanllm.<new>.x`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Callable

_PACKAGE = __name__.rpartition(".")[0]
# old name → new name, both relative to the package (no dotted literal, so codeid does not read these as imports)
RENAMED = {
    "data.funnel": "funnel",
    "synthesis.funnel": "funnel",
    "tasks.build": "task.stage",
    "tasks": "task",
    "models": "model",
    "merge.mergekit_merge": "merge.stage",
    "eval.runner": "eval.stage",
    "report.experiment_plots": "report.table_runs_plots",
    "report.experiment": "report.table_runs",
    "experiments": "tables",
    "tracking": "tracker",
    "curate": "synthesis",
    "evaluate": "eval",
}


def new_name(fullname: str) -> str | None:
    """The module's new full name when `fullname` is (under) a renamed one, else None."""
    prefix = _PACKAGE + "."
    if not fullname.startswith(prefix):
        return None
    rest = fullname[len(prefix) :]
    for old, new in RENAMED.items():
        if rest == old or rest.startswith(old + "."):
            return prefix + new + rest[len(old) :]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self.spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.spec = module.__spec__  # the import system overwrites __spec__ with the alias's; put it back below
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self.spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        new = new_name(fullname)
        if new is None:
            return None
        _warn_renamed(fullname, new)  # at the import line (warnings skips the import machinery's frames)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(new))


def _warn_renamed(old: str, new: str) -> None:
    """The FutureWarning of an old name, shown at the caller of the caller (the line that used the old name)."""
    warnings.warn(
        f"{old} was renamed to {new}; the old name goes away in the next release", FutureWarning, stacklevel=3
    )


def renamed_attributes(module: str, renamed: dict[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` that still serves each old public name (old → new) with the same FutureWarning."""

    def __getattr__(name: str) -> object:
        if name not in renamed:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        _warn_renamed(f"{module}.{name}", renamed[name])
        return getattr(sys.modules[module], renamed[name])

    return __getattr__


def install() -> None:
    """Put the finder first, so an old name never loads the new file a second time under another name."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
