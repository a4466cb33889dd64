"""From a trial's parameter values to Hydra overrides, checked against the composed config tree."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from humanllm.config import GROUPS, RootConfig, compose, load_config
from humanllm.schema import ConfigError, validate
from humanllm.sweep.spec import SweepSpec


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return str(value)


def _lookup(tree: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _with(tree: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A deep copy of `tree` with the dotted `key` (one the tree holds) set to `value`."""
    out = copy.deepcopy(dict(tree))
    parent, _, last = key.rpartition(".")
    node = _lookup(out, parent)[1] if parent else out
    node[last] = value
    return out


def merge_overrides(base: Sequence[str], extra: Sequence[str]) -> list[str]:
    """`base` then `extra`, where an extra override replaces a base one for the same key."""
    keys = {o.split("=", 1)[0].lstrip("+~") for o in extra}
    return [o for o in base if o.split("=", 1)[0].lstrip("+~") not in keys] + list(extra)


class OverrideBuilder:
    """Knows which swept keys are groups and which hold lists (a scalar α becomes `merge.ratios=[α]`)."""

    def __init__(self, spec: SweepSpec, extra: Sequence[str] = (), config_dir: str | None = None):
        self.spec = spec
        self.base = merge_overrides(spec.overrides, extra)
        self.config_dir = config_dir
        self.tree = tree = compose(self.base, config_dir)
        self.list_keys: set[str] = set()
        for key in spec.params:
            if key in GROUPS:
                continue
            found, value = _lookup(tree, key)
            if not found:
                raise ConfigError(f"params.{key}: unknown config key (not in the composed config)")
            if isinstance(value, list):
                self.list_keys.add(key)

    def param_overrides(self, params: Mapping[str, Any]) -> list[str]:
        out = []
        for key in self.spec.params:
            if key not in params:
                continue
            out.append(f"{key}={_text(self._value(key, params[key]))}")
        return out

    def _value(self, key: str, value: Any) -> Any:
        """A scalar for a list-valued key becomes a one-element list."""
        return [value] if key in self.list_keys and not isinstance(value, (list, tuple)) else value

    def trial_overrides(self, params: Mapping[str, Any]) -> list[str]:
        return [*self.base, *self.param_overrides(params)]

    def check_values(self) -> None:
        """Validate the config once per distinct value of each parameter (fails in seconds). Plain keys are set
        in the composed base config; config groups are composed afresh."""
        for key, p in self.spec.params.items():
            values = p.grid if p.grid is not None else p.choices if p.choices is not None else [p.low, p.high]
            for v in values:
                if p.kind == "range" and p.type == "int":
                    v = int(v)
                try:
                    if key in GROUPS:
                        load_config(self.trial_overrides({key: v}), self.config_dir)
                    else:
                        validate(RootConfig, _with(self.tree, key, self._value(key, v)))
                except ConfigError as e:
                    raise ConfigError(f"params.{key}={_text(v)}:\n{e}") from None
