"""mergekit merges through our API: every method runs, and α means what it says."""

import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from humanllm.merge.config import MergeConfig
from humanllm.merge.stage import merge_models


@pytest.fixture(scope="module")
def tuned_dir(tiny_model_dir, tmp_path_factory):
    """The tiny model with every weight nudged: a stand-in fine-tuned model."""
    out = tmp_path_factory.mktemp("tuned")
    shutil.copytree(tiny_model_dir, out, dirs_exist_ok=True)
    w = load_file(out / "model.safetensors")
    g = torch.Generator().manual_seed(0)
    save_file(
        {k: v + 0.01 * torch.randn(v.shape, generator=g) for k, v in w.items()},
        out / "model.safetensors",
        metadata={"format": "pt"},
    )
    return out


def _merge(base, tuned, out, method, alpha, **kw):
    merge_models(str(base), str(tuned), alpha, MergeConfig(method=method, ratios=[alpha], **kw), out, seed=0)
    return load_file(out / "model.safetensors")


@pytest.mark.parametrize("method", ["linear", "task_arithmetic", "ties", "dare_ties", "slerp"])
def test_every_method_merges_between_base_and_tuned(method, tiny_model_dir, tuned_dir, tmp_path):
    base, tuned = load_file(tiny_model_dir / "model.safetensors"), load_file(tuned_dir / "model.safetensors")
    merged = _merge(tiny_model_dir, tuned_dir, tmp_path / method, method, 0.5)
    assert set(merged) == set(base)
    moved = sum(not torch.equal(merged[k], base[k]) for k in base)
    assert moved > len(base) // 2, f"{method} left the base weights unchanged"
    for k in base:
        if method == "slerp":  # on the arc between the two: closer to each than they are to each other
            span = (tuned[k] - base[k]).norm()
            assert (merged[k] - base[k]).norm() < span and (merged[k] - tuned[k]).norm() < span, k
        elif method != "dare_ties":  # DARE rescales the deltas it keeps by 1/density
            lo, hi = torch.minimum(base[k], tuned[k]), torch.maximum(base[k], tuned[k])
            assert bool(((merged[k] >= lo - 1e-5) & (merged[k] <= hi + 1e-5)).all()), (method, k)
    assert (tmp_path / method / "tokenizer.json").is_file() and (tmp_path / method / "chat_template.jinja").is_file()


def test_alpha_is_the_weight_of_the_tuned_model(tiny_model_dir, tuned_dir, tmp_path):
    base, tuned = load_file(tiny_model_dir / "model.safetensors"), load_file(tuned_dir / "model.safetensors")
    zero = _merge(tiny_model_dir, tuned_dir, tmp_path / "a0", "linear", 0.0)
    one = _merge(tiny_model_dir, tuned_dir, tmp_path / "a1", "task_arithmetic", 1.0)
    quarter = _merge(tiny_model_dir, tuned_dir, tmp_path / "a25", "linear", 0.25)
    ta_quarter = _merge(tiny_model_dir, tuned_dir, tmp_path / "t25", "task_arithmetic", 0.25)
    for k in base:
        torch.testing.assert_close(zero[k], base[k])
        torch.testing.assert_close(one[k], tuned[k])
        torch.testing.assert_close(quarter[k], 0.75 * base[k] + 0.25 * tuned[k], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(ta_quarter[k], quarter[k], rtol=1e-5, atol=1e-6)
