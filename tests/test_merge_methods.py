"""The merge-method table is the one source: the mergekit YAML, the key fields, the in-memory set and the
config's allowed values all come from its entries, and the built-ins give exactly what they gave before."""

from pathlib import Path

import pytest

from humanllm.config import load_config
from humanllm.merge import methods as table
from humanllm.merge.config import MergeConfig
from humanllm.merge.inmemory import IN_MEMORY_METHODS
from humanllm.merge.methods import MergeMethod, register_method
from humanllm.merge.stage import merge_stage_config, mergekit_config
from humanllm.schema import ConfigError

B, T = str(Path("/m/base").resolve()), str(Path("/m/tuned").resolve())


def _before(method: str, alpha: float, cfg: MergeConfig) -> dict:
    """The mergekit configs as the if-chain wrote them before the table (commit c3caba6), spelled out."""
    return {
        "linear": {
            "merge_method": "linear",
            "dtype": cfg.dtype,
            "parameters": {"normalize": False},
            "models": [
                {"model": T, "parameters": {"weight": alpha}},
                {"model": B, "parameters": {"weight": 1.0 - alpha}},
            ],
        },
        "task_arithmetic": {
            "merge_method": "task_arithmetic",
            "base_model": B,
            "dtype": cfg.dtype,
            "models": [{"model": T, "parameters": {"weight": alpha}}],
        },
        **{
            m: {
                "merge_method": m,
                "base_model": B,
                "dtype": cfg.dtype,
                "parameters": {"normalize": cfg.normalize},
                "models": [{"model": T, "parameters": {"weight": alpha, "density": cfg.density}}],
            }
            for m in ("ties", "dare_ties")
        },
        "slerp": {
            "merge_method": "slerp",
            "base_model": B,
            "dtype": cfg.dtype,
            "parameters": {"t": alpha},
            "models": [{"model": B}, {"model": T}],
        },
    }[method]


@pytest.mark.parametrize("method", ["linear", "task_arithmetic", "ties", "dare_ties", "slerp"])
@pytest.mark.parametrize("alpha,density,normalize,dtype", [(0.3, 0.5, False, "float32"), (0.8, 0.25, True, "bfloat16")])
def test_builtin_mergekit_configs_are_unchanged(method, alpha, density, normalize, dtype):
    cfg = MergeConfig(method=method, ratios=[alpha], density=density, normalize=normalize, dtype=dtype)
    assert mergekit_config(method, alpha, "/m/base", "/m/tuned", cfg) == _before(method, alpha, cfg)


def test_the_table_lists_the_builtins_and_derives_their_key_fields_and_in_memory_set():
    assert table.method_names()[:5] == ["linear", "task_arithmetic", "ties", "dare_ties", "slerp"]
    assert {n: table.get_method(n).key_fields for n in table.method_names()[:5]} == {
        "linear": (),
        "task_arithmetic": (),
        "ties": ("normalize", "density"),
        "dare_ties": ("normalize", "density"),
        "slerp": (),
    }
    assert set(IN_MEMORY_METHODS) == {"linear", "task_arithmetic"} and "ties" not in IN_MEMORY_METHODS


@pytest.mark.parametrize("method", ["linear", "task_arithmetic", "ties", "dare_ties", "slerp"])
def test_every_config_field_a_method_sends_to_mergekit_is_in_its_key(method):
    """Change each merge.* field: the key changes exactly when the mergekit YAML does."""
    root = load_config(["model=tiny-random", f"merge={method}"])
    for field, other in (("density", 0.3), ("normalize", True), ("dtype", "bfloat16")):
        changed = root.model_copy(update={"merge": root.merge.model_copy(update={field: other})})
        yaml_moved = mergekit_config(method, 0.5, B, T, changed.merge) != mergekit_config(method, 0.5, B, T, root.merge)
        key_moved = merge_stage_config(changed, 0.5) != merge_stage_config(root, 0.5)
        assert yaml_moved == key_moved, (method, field)


def test_an_unknown_method_names_the_key_and_the_choices():
    with pytest.raises(
        ConfigError,
        match=r"merge.method: unknown merge method; choices: linear, task_arithmetic, "
        r"ties, dare_ties, slerp.*'frankenmerge'",
    ):
        load_config(["merge.method=frankenmerge"])


@pytest.mark.parametrize(
    "entry,message",
    [
        (MergeMethod("my-merge", "linear", "weighted"), "must be an identifier"),
        (
            MergeMethod("m1", "della", "task_vector", model_params=("epsilon",)),
            r"\['epsilon'\] are not merge config fields",
        ),
        (MergeMethod("m2", "slerp", "interpolate", model_params=("density",)), "no per-model parameters"),
        (
            MergeMethod("m3", "ties", "task_vector", in_memory="task_arithmetic"),
            "reproduces only mergekit 'task_arithmetic'",
        ),
        (MergeMethod("m4", "linear", "weighted", in_memory="ties"), "no in-memory kernel 'ties'"),  # type: ignore[arg-type]
        (MergeMethod("ties", "ties", "task_vector"), "registered twice, differently"),
    ],
)
def test_bad_entries_are_refused_naming_the_method(entry, message):
    with pytest.raises(ValueError, match=message):
        register_method(entry)
    assert entry.name not in table.method_names() or entry.name == "ties"
