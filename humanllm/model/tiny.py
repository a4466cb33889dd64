"""Tiny random causal LMs with a locally trained byte-level BPE tokenizer (fast tests, no downloads)."""

from __future__ import annotations

import importlib
import inspect
import random
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from humanllm.model.config import TinyModelSpec

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SKIP_MODULES = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}


def _training_text() -> Iterator[str]:
    """Real English from stdlib docstrings plus chat-shaped text; identical on every machine."""
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in SKIP_MODULES:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = importlib.import_module(name)
        except Exception:
            continue
        for obj in [mod] + [getattr(mod, a, None) for a in sorted(dir(mod))[:200]]:
            # the module and the classes and functions it defines: never an instance (sys.stdout, sys.argv,
            # a logger), whose docstring depends on how this process started (pytest's capture, `python -m`)
            if obj is not mod and not (inspect.isclass(obj) or inspect.isroutine(obj)):
                continue
            if obj is not mod and getattr(obj, "__module__", None) != name:
                continue
            doc = getattr(obj, "__doc__", None)
            if isinstance(doc, str):
                yield doc
    rng = random.Random(0)
    topics = ["the weather", "a new job", "cooking pasta", "a football match", "learning piano", "a product review"]
    for _ in range(2000):
        yield (
            f"<|im_start|>user\nWhat do you think about {rng.choice(topics)}?<|im_end|>\n"
            f"<|im_start|>assistant\nI think {rng.choice(topics)} is great. Answer: {rng.choice('ABCDEF')}<|im_end|>\n"
        )


def train_tokenizer(vocab_size: int):
    """A byte-level BPE wrapped as a fast HF tokenizer with a ChatML chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_training_text(), trainer=trainer)
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|pad|>",
        unk_token=None,
        model_max_length=4096,
    )
    hf.chat_template = CHATML_TEMPLATE
    return hf


def build_tiny_model(spec: TinyModelSpec, out_dir: Path) -> int:
    """Write a random-init model + tokenizer to `out_dir`; returns the parameter count."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    tok = train_tokenizer(spec.vocab_size)
    common = dict(
        vocab_size=len(tok),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_hidden_layers,
        num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_key_value_heads,
        max_position_embeddings=spec.max_position_embeddings,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(spec.seed)
    model = LlamaForCausalLM(LlamaConfig(**common)) if spec.arch == "llama" else Qwen2ForCausalLM(Qwen2Config(**common))
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id
    )
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return sum(p.numel() for p in model.parameters())
