"""Item selection as a ranking: which candidate title does the model find most likely as its reply?

No generation and no parsing: each candidate title is scored as the assistant's reply to the same
chat prompt. Titles are compared by log-likelihood per byte, as lm-eval's `acc_norm` does, so that short
titles are not favoured. Cheap and low-variance: it gives item selection power on CPU.

Scored through the LM's `loglikelihood`: with an HF model that is `SharedPrefixHFLM`, which runs each
prompt once for all its candidates (humanllm/eval/shared_prefix.py); vLLM goes through lm-eval's.
"""

from __future__ import annotations

from typing import Any

from humanllm.eval.metrics import true_index
from humanllm.task.base import TaskExample


def chat_context(tokenizer: Any, prompt: list[dict[str, str]], template_kwargs: dict[str, Any]) -> str:
    """The prompt rendered with the chat template, ending where the assistant's reply starts."""
    return tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False, **template_kwargs)


def candidate_loglikelihoods(
    lm: Any, tokenizer: Any, examples: list[TaskExample], template_kwargs: dict[str, Any]
) -> list[list[float]]:
    """Per example, the per-byte log-likelihood of every candidate title as the reply."""
    from lm_eval.api.instance import Instance

    requests, owners = [], []
    for i, e in enumerate(examples):
        context = chat_context(tokenizer, e.prompt, template_kwargs)
        for title in e.meta["candidate_titles"]:
            requests.append(
                Instance(request_type="loglikelihood", doc={}, arguments=(context, title), idx=len(requests))
            )
            owners.append((i, len(title.encode("utf-8")) or 1))
    results = lm.loglikelihood(requests, disable_tqdm=True) if requests else []
    out: list[list[float]] = [[] for _ in examples]
    for (i, n_bytes), (loglik, _greedy) in zip(owners, results):
        out[i].append(loglik / n_bytes)
    return out


def rank_accuracy(scores: list[list[float]], examples: list[TaskExample]) -> list[float]:
    """1 when the true candidate has the highest score (ties count as misses)."""
    values = []
    for s, e in zip(scores, examples):
        truth = true_index(e)
        best = max(s)
        values.append(float(s[truth] == best and s.count(best) == 1))
    return values
