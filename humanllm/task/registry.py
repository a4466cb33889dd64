"""The task registry: every module in humanllm.task.families registers one family by name.

A family outside this package is a plug-in module (humanllm.plugins: an entry point in the group
`humanllm.plugins`, or HUMANLLM_PLUGINS) that registers its family with @register when imported; its YAML goes in
a config folder added with `hydra.searchpath=[file:///path/to/conf]` (`conf/task/<name>.yaml`). The plug-in module
counts in the code identity of the stages that reach this registry (the tasks stage among them), so editing it
rebuilds its tasks.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from humanllm.plugins import is_plugin, load_plugins, note_plugin_module
from humanllm.schema import validate
from humanllm.task.base import TaskFamily

_REGISTRY: dict[str, type[TaskFamily]] = {}
_LOADED = False


def _check_rubric(cls: type[TaskFamily]) -> None:
    """Every family says whether the LLM judge scores it: `rubric` is the judge's question, or None."""
    where = f"task family '{getattr(cls, 'name', cls.__name__)}' ({cls.__module__}.{cls.__qualname__})"
    if not hasattr(cls, "rubric"):
        raise TypeError(
            f'{where} declares no judge rubric: set `rubric = "<the question the judge asks of an '
            f'answer>"`, or `rubric = None` if its answers are not judged'
        )
    if cls.rubric is not None and (not isinstance(cls.rubric, str) or not cls.rubric.strip()):
        raise TypeError(f"{where}: `rubric` must be a non-empty string or None, not {cls.rubric!r}")


def register(cls: type[TaskFamily]) -> type[TaskFamily]:
    _check_rubric(cls)
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"task family '{cls.name}' registered twice")
    _REGISTRY[cls.name] = cls
    if is_plugin(cls.__module__):
        note_plugin_module(__name__, cls.__module__)
    return cls


def _load_all() -> None:
    """Register the families of this package (its modules import this one: loaded by name) and the plug-ins'."""
    global _LOADED
    if _LOADED:
        return
    pkg = importlib.import_module("humanllm.task.families")
    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")
    load_plugins()
    _LOADED = True


def task_names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def task_family(name: str) -> TaskFamily:
    _load_all()
    if name not in _REGISTRY:
        raise ValueError(f"unknown task '{name}'. Known tasks: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]()


def validate_params(name: str, params: dict[str, Any]) -> Any:
    return validate(task_family(name).Params, params, prefix="params")
