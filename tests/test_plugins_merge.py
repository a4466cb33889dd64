"""A merge method added from files alone, in a temporary folder: a module that registers one table entry, an entry
point in the group `humanllm.plugins` naming it (the installed package's metadata, as `pip install` writes it)
and `conf/merge/<name>.yaml` on the Hydra search path. It is accepted by the config, keyed (its own parameters;
its module in the merge stage's code identity, and in no stage that does not reach the method table), merged by
mergekit on the tiny model, and a second entry that names an in-memory kernel joins the in-memory set."""

import shutil
import sys
import textwrap

import pytest
import torch
from safetensors.torch import load_file, save_file

from humanllm import codeid, plugins
from humanllm.cli import build_parser
from humanllm.codeid import code_identity, producer_identity
from humanllm.config import load_config
from humanllm.merge import methods as table
from humanllm.merge.inmemory import IN_MEMORY_METHODS, merged_tensor
from humanllm.merge.stage import merge_models, merge_stage_config, run_merges
from humanllm.pipeline.context import RunContext
from humanllm.schema import ConfigError
from humanllm.store import Artifact

MODULE = "humanllm_test_merge_plugin"
PLUGIN = """
from humanllm.merge.methods import MergeMethod, register_method

# DARE without sign election: drop (1 - density) of the task vector at random, rescale, θ_base + α·Δ'
register_method(MergeMethod("dare_linear", "dare_linear", "task_vector", method_params=("normalize",),
                            model_params=("density",), description="DARE, linear"))
register_method(MergeMethod("cocktail", "linear", "weighted", fixed={"normalize": False}, in_memory="linear"))
"""
YAML = "defaults:\n  - _defaults\n  - _self_\nmethod: dare_linear\ndensity: 0.6\n"


def write_plugin(folder, group, name, target, module, source):
    """A plug-in package in `folder`: its module and the dist-info an install writes (entry points included)."""
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{name} = {target}\n")


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The plug-in folder on sys.path; the method table, the plug-ins loaded and the code identities as they were
    before, afterwards."""
    folder = tmp_path / "plugin"
    (folder / "conf" / "merge").mkdir(parents=True)
    write_plugin(folder, plugins.ENTRY_POINT_GROUP, "extra", MODULE, MODULE, PLUGIN)
    (folder / "conf" / "merge" / "dare_linear.yaml").write_text(YAML)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setattr(table, "_TABLE", dict(table._TABLE))
    monkeypatch.setattr(plugins, "_loaded", None)
    monkeypatch.setattr(codeid, "_PLUGINS", {k: set(v) for k, v in codeid._PLUGINS.items()})
    code_identity.cache_clear()
    yield folder
    sys.modules.pop(MODULE, None)
    monkeypatch.undo()
    code_identity.cache_clear()


def _overrides(folder, *more):
    return [
        "model=tiny-random",
        "tracker=none",
        "progress=false",
        f"hydra.searchpath=[file://{folder / 'conf'}]",
        *more,
    ]


@pytest.fixture(scope="module")
def tuned_dir(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tuned_plugin")
    shutil.copytree(tiny_model_dir, out, dirs_exist_ok=True)
    w = load_file(out / "model.safetensors")
    g = torch.Generator().manual_seed(2)
    save_file(
        {k: v + 0.05 * torch.randn(v.shape, generator=g) for k, v in w.items()},
        out / "model.safetensors",
        metadata={"format": "pt"},
    )
    return out


def test_the_plugin_method_is_keyed_and_merged_by_mergekit(plugin, tiny_model_dir, tuned_dir, tmp_path):
    cfg = load_config(
        _overrides(plugin, "merge=dare_linear", "merge.ratios=[0.5]", f"paths.artifacts={tmp_path / 'a'}")
    )
    assert cfg.merge.method == "dare_linear" and cfg.merge.density == 0.6  # the plug-in's YAML
    key = merge_stage_config(cfg, 0.5)
    assert key == {"method": "dare_linear", "alpha": 0.5, "dtype": cfg.merge.dtype, "normalize": False, "density": 0.6}
    denser = cfg.model_copy(update={"merge": cfg.merge.model_copy(update={"density": 0.9})})
    assert merge_stage_config(denser, 0.5) != key

    ctx = RunContext.from_config(cfg)
    tuned = Artifact("train", "plugin-test", tuned_dir, {})
    merged = run_merges(ctx, "base-key", str(tiny_model_dir), tuned)[0.5]
    code = producer_identity(merge_models)
    assert merged.key == ctx.store.key(
        "merge", code, key, {"base_model": "base-key", "sft": "plugin-test"}, seed=cfg.seed
    )
    base, ft = load_file(tiny_model_dir / "model.safetensors"), load_file(tuned_dir / "model.safetensors")
    out = load_file(merged.path / "model.safetensors")
    # DARE: each delta is dropped (0) or kept, rescaled (mergekit: to the task vector's L1 norm, about 1/density)
    # and scaled by α; no sign election, so every kept delta keeps its sign and one factor per tensor
    kept = total = 0
    for name in base:
        if base[name].ndim < 2:
            continue
        delta, got = ft[name] - base[name], out[name] - base[name]
        on = got.abs() > 1e-7
        factor = got[on] / delta[on]
        assert abs(float(factor.mean()) - 0.5 / 0.6) < 0.05 * 0.5 / 0.6 and float(factor.std()) < 1e-3, name
        kept, total = kept + int(on.sum()), total + got.numel()
    assert 0.5 < kept / total < 0.7, f"kept {kept / total:.3f} of the task vector at density 0.6"

    # an edit to the plug-in's entry moves the merge stage's code identity (so its key), and no stage's that
    # cannot reach the method table
    others = {m: code_identity(m) for m in ("humanllm.task.stage", "humanllm.eval.stage", "humanllm.data.stage")}
    source = plugin / f"{MODULE}.py"
    source.write_text(source.read_text().replace('description="DARE, linear"', 'description="DARE, linear, v2"'))
    code_identity.cache_clear()
    assert producer_identity(merge_models) != code
    assert {m: code_identity(m) for m in others} == others


def test_the_plugin_method_has_its_choices_and_in_memory_kernel(plugin, tiny_model_dir, tuned_dir):
    assert table.method_names() == [
        "linear",
        "task_arithmetic",
        "ties",
        "dare_ties",
        "slerp",
        "dare_linear",
        "cocktail",
    ]
    assert "cocktail" in IN_MEMORY_METHODS and "dare_linear" not in IN_MEMORY_METHODS
    base, ft = load_file(tiny_model_dir / "model.safetensors"), load_file(tuned_dir / "model.safetensors")
    name = sorted(base)[0]
    assert torch.equal(
        merged_tensor("cocktail", 0.3, base[name], ft[name]), merged_tensor("linear", 0.3, base[name], ft[name])
    )
    with pytest.raises(ConfigError, match="merge.method: unknown merge method; choices: .*dare_linear, cocktail"):
        load_config(_overrides(plugin, "merge.method=dare_linar"))
    merge_help = build_parser()._subparsers._group_actions[0].choices["merge"].format_help()  # `humanllm merge --help`
    assert "merge=linear|task_arithmetic|ties|dare_ties|slerp|dare_linear|cocktail." in " ".join(merge_help.split())


def test_without_the_entry_point_the_method_is_refused(plugin):
    (plugin / f"{MODULE}-0.1.dist-info" / "entry_points.txt").unlink()
    with pytest.raises(ConfigError, match="merge.method: unknown merge method.*'dare_linear'"):
        load_config(_overrides(plugin, "merge=dare_linear"))
