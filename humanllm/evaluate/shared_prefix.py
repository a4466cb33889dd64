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


def shared_prefix_loglikelihoods(model: Any, context: list[int], continuations: list[list[int]],
                                 pad_id: int) -> list[tuple[float, bool]]:
    """(log P(continuation | context), whether greedy decoding would produce it) for each continuation,
    all given as token ids. The context runs once; its cache is repeated for the batch of continuations
    (right-padded with `pad_id`: padding sits after every real token, so causal attention never sees it)."""
    import torch

    device = model.device
    with torch.no_grad():
        prefix = model(input_ids=torch.tensor([context], device=device), use_cache=True)
        first = torch.log_softmax(prefix.logits[0, -1].float(), dim=-1)
        out = [(first[c[0]].item(), int(first.argmax()) == c[0]) for c in continuations]
        width = max(map(len, continuations)) - 1
        if width == 0:
            return out
        cache = prefix.cache  # transformers 5 names it `cache` (formerly past_key_values)
        cache.batch_repeat_interleave(len(continuations))
        ids = torch.tensor([c[:-1] + [pad_id] * (width - len(c) + 1) for c in continuations], device=device)
        mask = torch.ones(len(continuations), len(context) + width, dtype=torch.long, device=device)
        logp = torch.log_softmax(model(input_ids=ids, attention_mask=mask, cache=cache, use_cache=True).logits.float(), -1)
        for i, c in enumerate(continuations):
            rest, rows = torch.tensor(c[1:], device=device), logp[i, : len(c) - 1]
            loglik, greedy = out[i]
            out[i] = (loglik + rows.gather(1, rest[:, None]).sum().item(), greedy and bool((rows.argmax(-1) == rest).all()))
    return out


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
            pairs = [self._encode_pair(context, requests[i].args[1]) for i in idx]  # lm-eval's own tokenization
            ctx, conts = pairs[0][0], [c for _, c in pairs]
            if not ctx or any(p != ctx for p, _ in pairs) or not all(conts) \
                    or len(ctx) + max(map(len, conts)) > self.max_length:
                rest += idx  # an empty context, a split that differs, or truncation: lm-eval handles those
                continue
            pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
            scored = shared_prefix_loglikelihoods(self.model, ctx, conts, pad)
            for i, value in zip(idx, scored):
                results[i] = value
        if rest:
            for i, value in zip(rest, super().loglikelihood([requests[i] for i in rest], disable_tqdm=disable_tqdm)):
                results[i] = value
        return results
