"""Read a YAML spec file (a sweep spec, a table spec) into its pydantic model; errors name the file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from humanllm.schema import ConfigError, validate

M = TypeVar("M", bound=BaseModel)


def load_spec_file(path: Path, model: type[M], shape: str) -> M:
    """`path` validated as `model`; its name defaults to the file's stem. `shape` says what the mapping holds."""
    try:
        data: Any = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: invalid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {shape}")
    data.setdefault("name", path.stem)
    try:
        return validate(model, data)
    except ConfigError as e:
        raise ConfigError(f"{path}:\n{e}") from None
