"""One source of truth for config defaults: the pydantic models (issue #24, point 3).

The rule for the YAML files under conf/<group>/, where <group> is a field of RootConfig:
- a file whose name starts with `_` (a defaults file: Hydra includes it, users never pick it) may hold only
  values equal to the model's defaults, or `???` (Hydra's "every preset must set this"; never a value);
- every other file is a preset: its values are choices (train/lora.yaml's learning rate), free to differ;
- eval has no defaults file at all: Hydra's `eval/_defaults` is generated from EvalConfig and the registered
  benchmarks (humanllm/eval/config.py), and a YAML copy would shadow it.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from humanllm.config import RootConfig, compose
from humanllm.eval.config import EvalConfig, hydra_defaults
from humanllm.paths import conf_dir

MISSING = "???"


def _model_of(group: str) -> type[BaseModel]:
    ann = RootConfig.model_fields[group].annotation
    return next(a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel))


def drift(model: type[BaseModel], values: dict[str, Any], where: str) -> list[str]:
    """`where.key: yaml value != model default` for every value that is not the model's default."""
    out = []
    for key, value in values.items():
        if key == "defaults":
            continue
        field = model.model_fields.get(key)
        if field is None:
            out.append(f"{where}.{key}: not a field of {model.__name__}")
            continue
        if value == MISSING:
            continue
        if field.is_required():
            out.append(f"{where}.{key}: the model requires it, the defaults file sets {value!r} (use ???)")
            continue
        default = field.get_default(call_default_factory=True)
        if isinstance(default, BaseModel) and isinstance(value, dict):
            out += drift(type(default), value, f"{where}.{key}")
            continue
        dumped = default.model_dump(mode="json") if isinstance(default, BaseModel) else default
        if isinstance(dumped, (list, tuple)):
            dumped = list(dumped)
        if value != dumped:
            out.append(f"{where}.{key}: YAML {value!r} != model default {dumped!r}")
    return out


def defaults_files() -> list[tuple[str, Any]]:
    return [
        (g, p)
        for g in RootConfig.model_fields
        if (conf_dir() / g).is_dir()
        for p in sorted((conf_dir() / g).glob("_*.yaml"))
    ]


@pytest.mark.parametrize("group,path", defaults_files(), ids=lambda x: getattr(x, "name", x))
def test_defaults_files_hold_only_the_models_defaults(group, path):
    assert drift(_model_of(group), yaml.safe_load(path.read_text()) or {}, group) == []


def test_the_rule_tells_a_drifted_defaults_file_from_a_preset():
    from humanllm.merge.config import MergeConfig

    assert drift(MergeConfig, {"method": MISSING, "density": 0.5}, "merge") == []
    assert drift(MergeConfig, {"method": MISSING, "density": 0.7}, "merge") == [
        "merge.density: YAML 0.7 != model default 0.5"
    ]
    assert drift(EvalConfig, {"tombench": {"shuffles": 4}}, "eval") == [
        "eval.tombench.shuffles: YAML 4 != model default 5"
    ]
    assert drift(EvalConfig, {"name": "x"}, "eval")  # a required field in a defaults file
    assert drift(EvalConfig, {"tombench": {"shufles": 5}}, "eval")  # a key the model does not have


def test_eval_defaults_are_generated_from_the_model():
    assert not (conf_dir() / "eval" / "_defaults.yaml").exists(), "it would shadow the generated eval/_defaults"
    generated = hydra_defaults()
    without_data = {k: v for k, v in generated.items() if k != "data"}
    assert drift(EvalConfig, without_data, "eval") == []
    assert set(generated) == set(EvalConfig.model_fields)
    composed = compose(["eval=indomain"])["eval"]
    expected = EvalConfig(name="indomain").model_dump(mode="json")
    assert {k: v for k, v in composed.items() if k != "data"} == {k: v for k, v in expected.items() if k != "data"}
    assert composed["data"] == {n: f"data/benchmarks/{n}" for n in expected["data"]}  # where `humanllm fetch` puts it


def test_a_changed_model_default_reaches_the_composed_config(monkeypatch):
    from hydra.core.config_store import ConfigStore

    from humanllm.eval import config as eval_config

    node = hydra_defaults()
    node["bootstrap"]["samples"] = 1234  # as if BootstrapConfig's default had changed
    try:
        ConfigStore.instance().store(group="eval", name="_defaults", node=node)
        assert compose(["eval=social"])["eval"]["bootstrap"]["samples"] == 1234
    finally:
        eval_config._register_hydra_defaults()
    assert compose(["eval=social"])["eval"]["bootstrap"]["samples"] == 1000
