"""Item selection as a ranking: which candidate title does the model find most likely as its reply?

No generation and no parsing: each candidate title is scored as the assistant's reply to the same
chat prompt. Titles are compared by log-likelihood per byte, as lm-eval's `acc_norm` does, so that short
titles are not favoured. Cheap and low-variance: it gives item selection power on CPU.

lm-eval shares a context's forward pass only between single-token continuations, and titles are several
tokens, so with an HF model the prompt is run once and its key/value cache extended by every candidate
in one batch (`shared_prefix_loglikelihoods`: the same numbers as lm-eval's `loglikelihood`, about ten
times fewer tokens through the model). Other backends (vLLM) go through lm-eval's `loglikelihood`.
"""

from __future__ import annotations

from typing import Any

from humanllm.evaluate.metrics import true_index
from humanllm.tasks.base import TaskExample


def chat_context(tokenizer: Any, prompt: list[dict[str, str]], template_kwargs: dict[str, Any]) -> str:
    """The prompt rendered with the chat template, ending where the assistant's reply starts."""
    return tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False, **template_kwargs)


def candidate_loglikelihoods(lm: Any, tokenizer: Any, examples: list[TaskExample],
                             template_kwargs: dict[str, Any]) -> list[list[float]]:
    """Per example, the per-byte log-likelihood of every candidate title as the reply."""
    from lm_eval.api.instance import Instance

    model = getattr(lm, "model", None)
    if model is not None and hasattr(model, "generation_config") and not getattr(model.config, "is_encoder_decoder", False):
        return [[ll / (len(t.encode("utf-8")) or 1) for ll, t in zip(
                    shared_prefix_loglikelihoods(model, tokenizer, chat_context(tokenizer, e.prompt, template_kwargs),
                                                 e.meta["candidate_titles"]), e.meta["candidate_titles"])]
                for e in examples]
    requests, owners = [], []
    for i, e in enumerate(examples):
        context = chat_context(tokenizer, e.prompt, template_kwargs)
        for title in e.meta["candidate_titles"]:
            requests.append(Instance(request_type="loglikelihood", doc={}, arguments=(context, title),
                                     idx=len(requests)))
            owners.append((i, len(title.encode("utf-8")) or 1))
    results = lm.loglikelihood(requests, disable_tqdm=True) if requests else []
    out: list[list[float]] = [[] for _ in examples]
    for (i, n_bytes), (loglik, _greedy) in zip(owners, results):
        out[i].append(loglik / n_bytes)
    return out


def _encode_pair(tokenizer: Any, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """Context and continuation tokens exactly as lm-eval's HFLM splits them (trailing context whitespace
    moves to the continuation; the continuation's tokens are cut from the joint encoding)."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        context, continuation = context[:-n_spaces], context[-n_spaces:] + continuation
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    ctx = tokenizer(context, add_special_tokens=False)["input_ids"]
    return ctx, whole[len(ctx):]


def shared_prefix_loglikelihoods(model: Any, tokenizer: Any, context: str, continuations: list[str]) -> list[float]:
    """log P(continuation | context) for each continuation: the context runs once, its cache is repeated
    for the batch of continuations (right-padded; padding sits after every real token, so causal
    attention never sees it)."""
    import torch

    pairs = [_encode_pair(tokenizer, context, c) for c in continuations]
    ctx = pairs[0][0]
    if any(p[0] != ctx for p in pairs) or any(not p[1] for p in pairs):
        raise ValueError("continuations must share one context encoding and be non-empty")
    conts = [p[1] for p in pairs]
    device = model.device
    with torch.no_grad():
        prefix = model(input_ids=torch.tensor([ctx], device=device), use_cache=True)
        first = torch.log_softmax(prefix.logits[0, -1].float(), dim=-1)
        scores = [float(first[c[0]]) for c in conts]
        width = max(len(c) for c in conts) - 1
        if width > 0:
            cache = prefix.cache  # transformers 5: `cache` (formerly past_key_values)
            cache.batch_repeat_interleave(len(conts))
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
            ids = torch.tensor([c[:-1] + [pad] * (width - len(c) + 1) for c in conts], device=device)
            mask = torch.ones(len(conts), len(ctx) + width, dtype=torch.long, device=device)
            out = model(input_ids=ids, attention_mask=mask, cache=cache, use_cache=True)
            logp = torch.log_softmax(out.logits.float(), dim=-1)
            for i, c in enumerate(conts):
                scores[i] += float(sum(logp[i, j - 1, c[j]] for j in range(1, len(c))))
    return scores


def rank_accuracy(scores: list[list[float]], examples: list[TaskExample]) -> list[float]:
    """1 when the true candidate has the highest score (ties count as misses)."""
    values = []
    for s, e in zip(scores, examples):
        truth = true_index(e)
        best = max(s)
        values.append(float(s[truth] == best and s.count(best) == 1))
    return values
