"""The local transformers backend on a tiny model, through the same interface as the server backend.

The fixture builds a 2-layer Llama with a locally trained byte-level BPE and ChatML template, then
trains it for a few seconds to answer every chat prompt with `{"label": "yes"}`: enough to get ok
results, schema mismatches, truncations and repairs from real batched generation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from humanllm.llm import LLMConfig, LLMRequest, make_backend
from humanllm.llm.structured import json_schema, with_schema_hint
from humanllm.model.tiny import CHATML_TEMPLATE as CHAT_TEMPLATE
from humanllm.model.tiny import SPECIAL_TOKENS as SPECIALS

ANSWER = '{"label": "yes"}'
TOPICS = ["a rainy day", "my first job", "baking bread", "a long hike", "the city bus", "jazz records", "a chess club"]


class Label(BaseModel):
    label: Literal["yes", "no"]


class Score(BaseModel):
    score: int


def prompt(i: int, schema: type[BaseModel] | None = Label) -> list[dict[str, str]]:
    msgs = [{"role": "user", "content": f"Post {i} is about {TOPICS[i % len(TOPICS)]}{'!' * (i % 4)}. Label it."}]
    return with_schema_hint(msgs, json_schema(schema)) if schema else msgs


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = tmp_path_factory.mktemp("tiny_json_model")
    conversations = [
        prompt(i, schema) + [{"role": "assistant", "content": ANSWER}]
        for i in range(24)
        for schema in (Label, Score, None)
    ]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        [m["content"] for conv in conversations for m in conv],
        trainers.BpeTrainer(
            vocab_size=600,
            special_tokens=SPECIALS,
            show_progress=False,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|im_end|>", pad_token="<|pad|>"
    )
    tok.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tok),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=1024,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
            tie_word_embeddings=False,
        )
    )
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    # Train on the assistant answer only: the reply after "<|im_start|>assistant\n" is always ANSWER<|im_end|>.
    examples = []
    for conv in conversations:
        head = tok.apply_chat_template(conv[:-1], tokenize=False, add_generation_prompt=True)
        ids_head = tok(head, add_special_tokens=False)["input_ids"]
        ids_answer = tok(ANSWER + "<|im_end|>", add_special_tokens=False)["input_ids"]
        examples.append((ids_head + ids_answer, [-100] * len(ids_head) + ids_answer))
    width = max(len(ids) for ids, _ in examples)
    ids = torch.tensor([x + [tok.pad_token_id] * (width - len(x)) for x, _ in examples])
    labels = torch.tensor([y + [-100] * (width - len(y)) for _, y in examples])
    mask = (torch.arange(width)[None, :] < torch.tensor([len(x) for x, _ in examples])[:, None]).long()
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _step in range(60):
        batch = torch.randperm(len(examples))[:16]
        loss = model(input_ids=ids[batch], attention_mask=mask[batch], labels=labels[batch]).loss
        loss.backward()
        optim.step()
        optim.zero_grad()
    assert loss.item() < 0.1, f"the tiny model did not learn its answer (loss {loss.item():.3f})"
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def local_cfg(tmp_path: Path, **overrides) -> LLMConfig:
    fields = dict(
        name="local-test",
        backend="local",
        temperature=0.0,
        max_tokens=24,
        batch_size=4,
        cache_dir=str(tmp_path / "cache"),
        schema_in_prompt=False,
    )
    fields.update(overrides)
    return LLMConfig(**fields)


def test_ok_reject_and_repair_through_the_common_interface(tiny_model: Path, tmp_path: Path) -> None:
    requests = [
        LLMRequest("ok", prompt(1), Label),
        LLMRequest("mismatch", prompt(2, Score), Score),
        LLMRequest("text", prompt(3, None), None, metadata={"kind": "text"}),
        LLMRequest("truncated", prompt(4), Label, max_tokens=2),
    ]
    with make_backend(local_cfg(tmp_path), model_path=tiny_model) as backend:
        ok, mismatch, text, truncated = backend.run(requests, progress=False, stage="local")
        acc = backend.accounting("local")
    assert ok.ok and ok.value == Label(label="yes") and ok.attempts == 1 and not ok.repaired
    assert ok.prompt_tokens > 10 and ok.completion_tokens >= 3
    assert not mismatch.ok and mismatch.reason == "schema_mismatch" and "score" in mismatch.error
    assert mismatch.repaired and mismatch.attempts == 2 and mismatch.raw == ANSWER
    assert text.ok and text.value == ANSWER and text.metadata == {"kind": "text"}
    assert not truncated.ok and truncated.reason == "truncated" and truncated.attempts == 2
    assert acc["backend"] == "local" and acc["ok"] == 2 and acc["rejected"] == 2
    assert acc["rejects_by_reason"] == {"schema_mismatch": 1, "truncated": 1}
    assert acc["requests_sent"] == 6 and acc["repairs"] == 2


def test_left_padded_batches_match_single_generation(tiny_model: Path, tmp_path: Path) -> None:
    requests = [LLMRequest(f"r{i}", prompt(i), Label) for i in range(7)]  # prompts of different lengths
    with make_backend(local_cfg(tmp_path, batch_size=4, cache=False), model_path=tiny_model) as backend:
        batched = backend.run(requests, progress=False)
    with make_backend(local_cfg(tmp_path, batch_size=1, cache=False), model_path=tiny_model) as backend:
        single = backend.run(requests, progress=False)
    assert [r.raw for r in batched] == [r.raw for r in single]
    assert [r.completion_tokens for r in batched] == [r.completion_tokens for r in single]
    assert all(r.ok for r in batched)


def test_rerun_generates_nothing(tiny_model: Path, tmp_path: Path) -> None:
    requests = [LLMRequest(f"r{i}", prompt(i), Label) for i in range(3)]
    cfg = local_cfg(tmp_path, schema_in_prompt=True, temperature=0.3)
    with make_backend(cfg, model_path=tiny_model) as backend:
        first = backend.run(requests, progress=False, stage="a")
    with make_backend(cfg, model_path=tiny_model) as backend:
        second = backend.run(requests, progress=False, stage="a")
        acc = backend.accounting("a")
        assert backend._model is None  # never even loaded
    assert acc["requests_sent"] == 0 and acc["cache_hits"] == 3
    assert [r.raw for r in second] == [r.raw for r in first] and all(r.cached for r in second)
