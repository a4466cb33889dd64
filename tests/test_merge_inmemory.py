"""In-memory merges equal mergekit's: same tensors bit for bit, same lm-eval scores as the written merge."""

import shutil
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file, save_file

from humanllm.config import load_config
from humanllm.eval.backends import HFEvalModel, LoadedModel
from humanllm.eval.lmeval_suites import run_general_suites
from humanllm.merge.config import MergeConfig
from humanllm.merge.inmemory import InMemoryMerger, merged_tensor, state_fingerprint
from humanllm.merge.stage import merge_models


@pytest.fixture(scope="module")
def tuned_dir(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tuned_inmem")
    shutil.copytree(tiny_model_dir, out, dirs_exist_ok=True)
    w = load_file(out / "model.safetensors")
    g = torch.Generator().manual_seed(1)
    save_file(
        {k: v + 0.05 * torch.randn(v.shape, generator=g) for k, v in w.items()},
        out / "model.safetensors",
        metadata={"format": "pt"},
    )
    return out


@pytest.fixture(scope="module")
def merger(tiny_model_dir, tuned_dir):
    cfg = load_config(["model=tiny-random"])
    return InMemoryMerger(tiny_model_dir, tuned_dir, cfg.model)


@pytest.mark.parametrize("method", ["linear", "task_arithmetic"])
@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.9])
def test_in_memory_tensors_equal_mergekit_bit_for_bit(method, alpha, merger, tiny_model_dir, tuned_dir, tmp_path):
    merge_models(
        str(tiny_model_dir), str(tuned_dir), alpha, MergeConfig(method=method, ratios=[alpha]), tmp_path, seed=0
    )
    written = load_file(tmp_path / "model.safetensors")
    mine = merger.merged_state(method, alpha)
    assert set(written) <= set(mine)
    for k, v in written.items():
        assert torch.equal(mine[k], v), (method, alpha, k, (mine[k] - v).abs().max())


def test_fingerprint_follows_the_weights(merger):
    a = merger.apply("linear", 0.3)
    b = merger.apply("task_arithmetic", 0.7)
    assert a != b and a.startswith("mem-")
    assert merger.apply("linear", 0.3) == a
    state = merger.merged_state("linear", 0.3)
    state[sorted(state)[0]].view(-1)[0] += 1e-3
    assert state_fingerprint(state, merger._identity) != a


@pytest.mark.parametrize("method", ["linear", "task_arithmetic"])
def test_loaded_model_holds_the_merged_weights(merger, method):
    fingerprint = merger.apply(method, 0.25)
    params = merger.model.state_dict()
    state = merger.merged_state(method, 0.25)
    for k in merger.base:
        assert torch.equal(params[k], state[k]), k
    assert fingerprint == state_fingerprint(state, merger._identity)  # applied one tensor at a time, same hash


def test_restore_base_gives_the_weights_a_fresh_load_gives(merger, tiny_model_dir):
    from humanllm.model.registry import load_model

    merger.apply("linear", 0.6)
    merger.restore_base()
    fresh = load_model(str(tiny_model_dir), load_config(["model=tiny-random"]).model, device="cpu", dtype="float32")
    mine = merger.model.state_dict()
    for k, v in fresh.state_dict().items():
        assert torch.equal(mine[k], v), k


def test_merged_tensor_into_a_float32_parameter_is_computed_in_place(merger):
    k = sorted(merger.base)[0]
    out = torch.empty_like(merger.base[k])
    for method in ("linear", "task_arithmetic"):
        value = merged_tensor(method, 0.35, merger.base[k], merger.tuned[k], out=out)
        assert value.data_ptr() == out.data_ptr()
        assert torch.equal(out, merged_tensor(method, 0.35, merger.base[k], merger.tuned[k]))
    bf16 = torch.empty_like(merger.base[k], dtype=torch.bfloat16)  # another dtype: computed, then copied
    merged_tensor("linear", 0.35, merger.base[k], merger.tuned[k], out=bf16)
    assert torch.equal(bf16, merged_tensor("linear", 0.35, merger.base[k], merger.tuned[k]).to(torch.bfloat16))


def test_scores_of_the_in_memory_model_equal_those_of_the_written_merge(merger, tiny_model_dir, tuned_dir, tmp_path):
    cfg = load_config(["experiment=tiny", "eval.perplexity.max_docs=6", "progress=false", "eval.device=cpu"])
    ctx = SimpleNamespace(cfg=cfg)
    alpha = 0.4
    merger.apply("linear", alpha)
    mem_scores, mem_items, _ = run_general_suites(
        ctx, HFEvalModel(LoadedModel("mem", merger.model, merger.tokenizer), ctx), tmp_path
    )
    out = tmp_path / "written"
    merge_models(str(tiny_model_dir), str(tuned_dir), alpha, MergeConfig(method="linear", ratios=[alpha]), out, seed=0)
    disk_scores, disk_items, _ = run_general_suites(ctx, HFEvalModel(str(out), ctx), tmp_path)
    assert mem_scores and set(mem_scores) == set(disk_scores)
    for k in disk_scores:
        assert mem_scores[k] == pytest.approx(disk_scores[k], rel=1e-6, abs=1e-9), k
    assert [i["value"] for i in mem_items] == pytest.approx([i["value"] for i in disk_items], rel=1e-6)
    base_scores, _, _ = run_general_suites(ctx, HFEvalModel(str(tiny_model_dir), ctx), tmp_path)
    assert base_scores["general/english/bits_per_byte"] != pytest.approx(
        disk_scores["general/english/bits_per_byte"], rel=1e-6
    )
