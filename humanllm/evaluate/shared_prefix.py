"""Multiple-choice log-likelihoods with each context run once.

lm-eval's HFLM shares a context's forward pass only between single-token continuations; answer options
(titles, BIG-bench targets, MotiveBench/ToMBench options in log-likelihood mode) are usually several
tokens, so every option re-runs the whole prompt. `SharedPrefixHFLM.loglikelihood` groups requests by
context: the context runs once and its key/value cache is extended by all of the group's continuations
in one right-padded batch. Numbers equal lm-eval's own (tested); groups that would need truncation, and
single requests, go through lm-eval unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lm_eval.models.huggingface import HFLM


def encode_pair(tokenizer: Any, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """Context and continuation tokens exactly as lm-eval's HFLM splits them (trailing context whitespace
    moves to the continuation; the continuation's tokens are cut from the joint encoding)."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        context, continuation = context[:-n_spaces], context[-n_spaces:] + continuation
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    ctx = tokenizer(context, add_special_tokens=False)["input_ids"]
    return ctx, whole[len(ctx):]


def shared_prefix_loglikelihoods(model: Any, tokenizer: Any, context: str, continuations: list[str],
                                 max_length: int | None = None) -> list[tuple[float, bool]]:
    """(log P(continuation | context), whether greedy decoding would produce it) for each continuation.

    The context runs once; its cache is repeated for the batch of continuations (right-padded: padding
    sits after every real token, so causal attention never sees it). ValueError when the pairs do not
    share one context encoding, a continuation is empty, or context + continuation exceeds max_length.
    """
    import torch

    pairs = [encode_pair(tokenizer, context, c) for c in continuations]
    ctx = pairs[0][0]
    conts = [p[1] for p in pairs]
    if not ctx or any(p[0] != ctx for p in pairs) or not all(conts):
        raise ValueError("continuations must share one non-empty context encoding and be non-empty")
    if max_length is not None and len(ctx) + max(map(len, conts)) > max_length:
        raise ValueError("context + continuation longer than max_length")
    device = model.device
    with torch.no_grad():
        prefix = model(input_ids=torch.tensor([ctx], device=device), use_cache=True)
        first = torch.log_softmax(prefix.logits[0, -1].float(), dim=-1)
        logps = [[first[c[0]].item()] for c in conts]
        greedy = [int(first.argmax()) == c[0] for c in conts]
        width = max(map(len, conts)) - 1
        if width > 0:
            cache = prefix.cache  # transformers 5 names it `cache` (formerly past_key_values)
            cache.batch_repeat_interleave(len(conts))
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
            ids = torch.tensor([c[:-1] + [pad] * (width - len(c) + 1) for c in conts], device=device)
            mask = torch.ones(len(conts), len(ctx) + width, dtype=torch.long, device=device)
            logits = model(input_ids=ids, attention_mask=mask, cache=cache, use_cache=True).logits.float()
            logp = torch.log_softmax(logits, dim=-1)
            for i, c in enumerate(conts):
                rest = torch.tensor(c[1:], device=device)
                rows = logp[i, : len(c) - 1]
                logps[i].append(rows.gather(1, rest[:, None]).sum().item())
                greedy[i] = greedy[i] and bool((rows.argmax(-1) == rest).all())
    return [(sum(lp), g) for lp, g in zip(logps, greedy)]


class SharedPrefixHFLM(HFLM):
    """lm-eval's HFLM whose `loglikelihood` runs each distinct context once (see the module docstring)."""

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, req in enumerate(requests):
            groups[req.args[0]].append(i)
        results: list[Any] = [None] * len(requests)
        rest: list[int] = []
        for context, idx in groups.items():
            if len(idx) < 2:
                rest += idx
                continue
            try:
                scored = shared_prefix_loglikelihoods(self.model, self.tokenizer, context,
                                                      [requests[i].args[1] for i in idx], self.max_length)
            except ValueError:
                rest += idx
                continue
            for i, value in zip(idx, scored):
                results[i] = value
        if rest:
            for i, value in zip(rest, super().loglikelihood([requests[i] for i in rest], disable_tqdm=disable_tqdm)):
                results[i] = value
        return results
