"""Base class for typed configs: unknown keys are errors, and errors name the full config key."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class StrictModel(BaseModel):
    """A config node: extra keys forbidden, assignments validated, frozen after load."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def at(key: str, message: str) -> ValueError:
    """An error for a validator to raise about one of its sub-keys (reported with the full key)."""
    return ValueError(f"@{key}: {message}")


class ConfigError(ValueError):
    """A config problem found before any heavy work; the message names the key."""


def format_validation_error(err: ValidationError, prefix: str = "") -> str:
    """Turn a pydantic error into lines like `train.learning_rate: must be > 0 (got -1)`."""
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if p != "__root__")
        key = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        msg = e["msg"].removeprefix("Value error, ")
        if msg.startswith("@") and ": " in msg:  # a validator naming a sub-key: "@tasks.foo: ..."
            sub, msg = msg[1:].split(": ", 1)
            key = f"{key}.{sub}" if key else sub
            lines.append(f"{key}: {msg}")
            continue
        got = e.get("input")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] != "missing" and not isinstance(got, (dict, list)) and got is not None:
            msg = f"{msg} (got {got!r})"
        lines.append(f"{key}: {msg}")
    return "\n".join(lines)


def validate(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    """Validate `data` into `model`, raising ConfigError with key names on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, prefix)) from None
