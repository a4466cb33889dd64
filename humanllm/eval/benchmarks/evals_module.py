"""Import a benchmark's lm-eval hooks (evals/<name>/utils.py) so the package and lm-eval share one copy
of the loading, prompting and parsing code; the hooks themselves never import humanllm."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from humanllm.paths import evals_dir


def evals_module(name: str, folder: Path | None = None) -> ModuleType:
    """<folder>/utils.py as a module (loaded once per process); folder None: evals/<name>/."""
    return _load(name, (Path(folder) if folder is not None else evals_dir() / name) / "utils.py")


@cache
def _load(name: str, path: Path) -> ModuleType:
    if not path.is_file():
        raise FileNotFoundError(f"benchmark {name!r} has no lm-eval hooks at {path}")
    spec = importlib.util.spec_from_file_location(f"humanllm_evals_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module
