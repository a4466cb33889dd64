"""The task registry: every module in humanllm.tasks.families registers one family by name.

A family outside this package (a plug-in) is a module that registers its family with @register, named by an
entry point in the group `humanllm.task_families` of an installed package (`[project.entry-points.
"humanllm.task_families"] my_family = "my_pkg.my_family"`); its YAML goes in a config folder added with
`hydra.searchpath=[file:///path/to/conf]` (`conf/task/<name>.yaml`). humanllm.codeid follows project modules only,
so a plug-in module's source digest is in its tasks stage key instead (`plugin_source_digest`).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from humanllm.schema import validate
from humanllm.tasks.base import TaskFamily

ENTRY_POINT_GROUP = "humanllm.task_families"
_REGISTRY: dict[str, type[TaskFamily]] = {}
_LOADED = False


def _check_rubric(cls: type[TaskFamily]) -> None:
    """Every family says whether the LLM judge scores it: `rubric` is the judge's question, or None."""
    where = f"task family '{getattr(cls, 'name', cls.__name__)}' ({cls.__module__}.{cls.__qualname__})"
    if not hasattr(cls, "rubric"):
        raise TypeError(f"{where} declares no judge rubric: set `rubric = \"<the question the judge asks of an "
                        f"answer>\"`, or `rubric = None` if its answers are not judged")
    if cls.rubric is not None and (not isinstance(cls.rubric, str) or not cls.rubric.strip()):
        raise TypeError(f"{where}: `rubric` must be a non-empty string or None, not {cls.rubric!r}")


def register(cls: type[TaskFamily]) -> type[TaskFamily]:
    _check_rubric(cls)
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"task family '{cls.name}' registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    from importlib.metadata import entry_points

    pkg = importlib.import_module("humanllm.tasks.families")  # by name: its modules import this one
    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):  # plug-ins: importing the module registers its family
        ep.load()
    _LOADED = True


def task_names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def task_family(name: str) -> TaskFamily:
    _load_all()
    if name not in _REGISTRY:
        raise ValueError(f"unknown task '{name}'. Known tasks: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]()


def plugin_source_digest(name: str) -> str | None:
    """For a plug-in family (its module is outside humanllm), sha256 of its module's source: part of its tasks
    stage key, since humanllm.codeid does not follow code outside the project. None for built-in families."""
    import hashlib
    import inspect
    import sys

    module = type(task_family(name)).__module__
    if module == "humanllm" or module.startswith("humanllm."):
        return None
    source = inspect.getsourcefile(sys.modules[module])
    return hashlib.sha256(Path(source).read_bytes()).hexdigest() if source else None


def validate_params(name: str, params: dict[str, Any]) -> Any:
    return validate(task_family(name).Params, params, prefix=f"params")
