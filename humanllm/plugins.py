"""Plug-ins: code outside the package that adds a benchmark, a merge method or a task family. One rule for all.

A plug-in is a Python module that registers what it defines when it is imported: `@register` on a benchmark
class (humanllm.eval.benchmarks.registry) or a task family (humanllm.task.registry), `register_method(
MergeMethod(...))` for a merge method (humanllm.merge.methods). One module may define several, of any kinds.
humanllm imports every module named

- by an entry point in the group `humanllm.plugins` of an installed package
  (`[project.entry-points."humanllm.plugins"] my_plugin = "my_pkg.my_module"`), or
- in the environment variable HUMANLLM_PLUGINS: dotted module names or paths of .py files, separated by
  os.pathsep or commas (set it before humanllm is imported: the eval config is built from the benchmarks).

Each registry calls `load_plugins()` before it answers; it imports them once per process, and a module that cannot be
imported stops the run with an error naming its entry point or the variable. A registry notes the files of the
plug-ins that registered with it (`note_plugin_module`) in the code identity (humanllm.codeid.note_plugin), so an edit to a
plug-in rebuilds exactly the stages whose code reaches that registry.

HUMANLLM_BENCHMARKS (the benchmarks' own variable before this rule) is still read, with a FutureWarning (shown by default, unlike DeprecationWarning).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from humanllm.codeid import note_plugin

ENTRY_POINT_GROUP = "humanllm.plugins"
ENV = "HUMANLLM_PLUGINS"
DEPRECATED_ENV = ("HUMANLLM_BENCHMARKS",)  # read like HUMANLLM_PLUGINS, with a FutureWarning
PACKAGE = "humanllm"

_loaded: list[str] | None = None  # the modules imported, once `load_plugins()` has run
# `load_plugins()` is importing: a plug-in that asks a registry while it is imported gets no second pass
_loading = False


class PluginError(ImportError):
    """A plug-in module named by an entry point or an environment variable cannot be imported."""


def env_entries() -> list[tuple[str, str]]:
    """(variable, entry) for each module named in HUMANLLM_PLUGINS (and the deprecated variables)."""
    out = []
    for var in (ENV, *DEPRECATED_ENV):
        raw = os.environ.get(var, "")
        entries = [p.strip() for p in re.split(rf"[,{re.escape(os.pathsep)}]", raw) if p.strip()]
        if entries and var != ENV:
            warnings.warn(
                f"{var} is deprecated: name plug-in modules in {ENV} (every kind of plug-in)",
                FutureWarning,
                stacklevel=3,
            )
        out += [(var, e) for e in entries]
    return out


def _import_path(entry: str, where: str) -> str:
    """Import a .py file as the module `humanllm_plugin_<stem>`; returns that name."""
    path = Path(entry).expanduser().resolve()
    if not path.is_file():
        raise PluginError(f"{where}: no plug-in module at {path}")
    name = f"humanllm_plugin_{re.sub(r'[^A-Za-z0-9_]', '_', path.stem)}"
    known = sys.modules.get(name)
    if known is not None:
        if Path(getattr(known, "__file__", "") or "").resolve() != path:
            raise PluginError(f"{where}: {path} and {known.__file__} are both plug-ins named {path.name}; rename one")
        return name
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return name


def _import(entry: str, where: str) -> str:
    try:
        if entry.endswith(".py"):
            return _import_path(entry, where)
        importlib.import_module(entry)
        return entry
    except PluginError:
        raise
    except (ImportError, SyntaxError, OSError) as err:  # it cannot be loaded
        raise PluginError(f"{where}: cannot import plug-in '{entry}': {type(err).__name__}: {err}") from err
    except Exception as err:  # its code ran and failed (e.g. a registry refused what it declares): as it is
        err.add_note(f"(while importing plug-in '{entry}', named in {where})")
        raise


def load_plugins() -> list[str]:
    """Import every plug-in module (entry points of group `humanllm.plugins`, then HUMANLLM_PLUGINS), once per
    process; returns their module names. Importing a module registers what it defines."""
    global _loaded, _loading
    if _loaded is not None or _loading:
        return list(_loaded or [])
    _loading = True
    try:
        names = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
            dist = getattr(getattr(ep, "dist", None), "name", None) or "an installed package"
            names.append(
                _import(
                    ep.value.split(":")[0].strip(),
                    f"entry point '{ep.name} = {ep.value}' (group {ENTRY_POINT_GROUP}, {dist})",
                )
            )
        for var, entry in env_entries():
            names.append(_import(entry, var))
        _loaded = names
    finally:
        _loading = False
    return list(names)


def is_plugin(module: str) -> bool:
    """Whether the module `module` is outside the package (its code is not in the project's code identity)."""
    return module != PACKAGE and not module.startswith(PACKAGE + ".")


def note_plugin_module(registry: str, module: str, data: Iterable[Path] = ()) -> None:
    """Count plug-in module `module`'s file (and `data`, files it reads) in the code identity of every stage whose
    code reaches the registry module `registry`. Nothing for the package's own modules."""
    file = getattr(sys.modules.get(module), "__file__", None)
    if is_plugin(module) and file:
        note_plugin(registry, [Path(file), *data])
