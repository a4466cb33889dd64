"""Batched chat generation with a loaded HF model (left padding, greedy or sampled)."""

from __future__ import annotations

from typing import Any, Iterable

from tqdm.auto import tqdm


def generate_replies(
    model: Any,
    tok: Any,
    prompts: list[list[dict[str, str]]],
    *,
    max_new_tokens: int,
    temperature: float = 0.0,
    batch_size: int = 8,
    seed: int = 0,
    template_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
    desc: str = "generate",
) -> list[str]:
    """One reply per chat prompt, in order. temperature 0 means greedy decoding."""
    import torch

    tok.padding_side = "left"
    kwargs = template_kwargs or {}
    order = sorted(range(len(prompts)), key=lambda i: -len(str(prompts[i])))  # similar lengths batch together
    replies: dict[int, str] = {}
    torch.manual_seed(seed)
    batches: Iterable[int] = range(0, len(order), batch_size)
    for start in tqdm(batches, desc=desc, unit="batch", disable=not progress):
        idx = order[start: start + batch_size]
        texts = [tok.apply_chat_template(prompts[i], add_generation_prompt=True, tokenize=False, **kwargs) for i in idx]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        gen_kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": tok.pad_token_id}
        if temperature > 0:
            gen_kwargs.update(do_sample=True, temperature=temperature, top_p=1.0)
        else:
            gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.no_grad():
            out = model.generate(**enc, **gen_kwargs)
        new = out[:, enc["input_ids"].shape[1]:]
        for i, seq in zip(idx, new):
            replies[i] = tok.decode(seq, skip_special_tokens=True).strip()
    return [replies[i] for i in range(len(prompts))]
