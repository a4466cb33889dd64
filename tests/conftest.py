"""Shared fixtures: offline environment, and one tiny random model per test session."""

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
