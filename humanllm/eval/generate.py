"""Batched chat generation with a loaded HF model (left padding, greedy or sampled)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm


@dataclass
class Truncation:
    """Inputs cut from the left to fit the model's window (`model.max_length`), counted so that the
    scores can say so: how many were cut, out of how many, and the most tokens cut from one."""

    cut: int = 0
    total: int = 0
    max_tokens: int = 0

    def add(self, lengths: Iterable[int], limit: int) -> None:
        for n in lengths:
            self.total += 1
            if n > limit:
                self.cut += 1
                self.max_tokens = max(self.max_tokens, n - limit)

    def note(self, what: str, window: str) -> str | None:
        """One line for the scores' notes, or None when nothing was cut."""
        if not self.cut:
            return None
        return (
            f"{what}: {self.cut} of {self.total} inputs were longer than {window}; their first tokens were cut "
            f"(up to {self.max_tokens}), as lm-eval does. Raise model.max_length if the model's context allows."
        )


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
    max_length: int | None = None,
    truncation: Truncation | None = None,
) -> list[str]:
    """One reply per chat prompt, in order. temperature 0 means greedy decoding. With `max_length`, a
    prompt longer than `max_length - max_new_tokens` tokens keeps its last tokens (counted in `truncation`)."""
    import torch

    tok.padding_side = "left"
    tok.truncation_side = "left"
    room = None if max_length is None else max(max_length - max_new_tokens, 1)
    kwargs = template_kwargs or {}
    order = sorted(range(len(prompts)), key=lambda i: -len(str(prompts[i])))  # similar lengths batch together
    replies: dict[int, str] = {}
    torch.manual_seed(seed)
    batches: Iterable[int] = range(0, len(order), batch_size)
    for start in tqdm(batches, desc=desc, unit="batch", disable=not progress):
        idx = order[start : start + batch_size]
        texts = [tok.apply_chat_template(prompts[i], add_generation_prompt=True, tokenize=False, **kwargs) for i in idx]
        if room is not None and truncation is not None:
            truncation.add((len(ids) for ids in tok(texts, add_special_tokens=False)["input_ids"]), room)
        enc = tok(
            texts,
            return_tensors="pt",
            padding=True,
            add_special_tokens=False,
            truncation=room is not None,
            max_length=room,
        ).to(model.device)
        gen_kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": tok.pad_token_id}
        if temperature > 0:
            gen_kwargs.update(do_sample=True, temperature=temperature, top_p=1.0)
        else:
            gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.no_grad():
            out = model.generate(**enc, **gen_kwargs)
        new = out[:, enc["input_ids"].shape[1] :]
        for i, seq in zip(idx, new):
            replies[i] = tok.decode(seq, skip_special_tokens=True).strip()
    return [replies[i] for i in range(len(prompts))]
