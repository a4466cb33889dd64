"""The task registry: every module in humanllm.tasks.families registers one family by name."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from humanllm.schema import validate
from humanllm.tasks.base import TaskFamily

_REGISTRY: dict[str, type[TaskFamily]] = {}
_LOADED = False


def register(cls: type[TaskFamily]) -> type[TaskFamily]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"task family '{cls.name}' registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    import humanllm.tasks.families as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")
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
    return validate(task_family(name).Params, params, prefix=f"params")
