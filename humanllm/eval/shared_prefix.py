"""Multiple-choice log-likelihoods with shared prompt text run once.

lm-eval's HFLM shares a context's forward pass only between single-token continuations; answer options
(titles, BIG-bench targets, MotiveBench/ToMBench options in log-likelihood mode) are usually several
tokens, so every option re-runs the whole prompt, and prompts that differ only at the end (MotiveBench's
18 orderings of one question's options) each run in full. `SharedPrefixHFLM.loglikelihood` feeds each
distinct token sequence (context + continuation minus its last token) once, reading every request that
ends in it from the same row, and runs text that sequences share as a prefix tree: a shared prefix runs
once and its key/value cache is extended by what follows, in right-padded batches. Logits are computed
only at the positions read. Numbers equal lm-eval's own (tested); requests that would need truncation
go through lm-eval unchanged. `loglikelihood_rolling` (perplexity) scores lm-eval's own windows the same
way, in length-sorted batches with little padding.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field
from typing import Any

from lm_eval.models.huggingface import HFLM
from tqdm.auto import tqdm

from humanllm.eval.benchmarks.runner import collapsed_truncation_warnings
from humanllm.eval.generate import Truncation

MIN_SHARED = 16  # tokens sequences must share to run their prefix once
MIN_SAVED = 256  # tokens a shared prefix must save (length x extra rows) to get a forward pass of its own
MAX_BATCH_TOKENS = 4096  # rows x padded width per forward pass
LOGIT_BUDGET = 64 * 2**20  # logits (rows x positions read x vocabulary) per forward pass
MAX_PADDING = 0.25  # share of a batch's padded width x rows that may be padding


@dataclass
class Row:
    """A token sequence to feed, and the requests read from it: (request index, where its continuation
    starts in `tokens`, the continuation)."""

    tokens: list[int]
    targets: list[tuple[int, int, list[int]]] = field(default_factory=list)

    @property
    def first_read(self) -> int:
        return min(start for _, start, _ in self.targets) - 1

    def positions(self) -> list[int]:
        return sorted({start - 1 + k for _, start, cont in self.targets for k in range(len(cont))})

    def after(self, n: int) -> Row:
        """The same row with its first n tokens moved into the cache."""
        return Row(self.tokens[n:], [(i, start - n, cont) for i, start, cont in self.targets])


def _keeps_logits(model: Any) -> bool:
    """Whether the model's forward takes `logits_to_keep` (all transformers 5 causal LMs do)."""
    return "logits_to_keep" in inspect.signature(model.forward).parameters


def _common(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def prefix_clusters(rows: list[Row], min_shared: int = MIN_SHARED) -> list[tuple[int, list[int]]]:
    """(shared prefix length, indices) clusters of rows: neighbours in sorted order join a cluster while they
    share ≥ min_shared tokens with it. The shared length stops before the first position any member reads."""
    order = sorted(range(len(rows)), key=lambda i: rows[i].tokens)
    clusters: list[tuple[int, list[int]]] = []
    for i in order:
        if clusters:
            shared, members = clusters[-1]
            n = min(_common(rows[members[0]].tokens, rows[i].tokens), shared)
            if n >= min_shared:
                clusters[-1] = (n, members + [i])
                continue
        clusters.append((len(rows[i].tokens), [i]))
    return [(min(shared, *(rows[m].first_read for m in members)), members) for shared, members in clusters]


def _batches(rows: list[Row], vocab: int) -> list[list[int]]:
    """Row indices, shortest first, in batches within MAX_BATCH_TOKENS and LOGIT_BUDGET, with at most
    MAX_PADDING of each batch's padded tokens being padding (rows of unequal length go to other batches)."""
    out: list[list[int]] = []
    reads = real = 0
    for i in sorted(range(len(rows)), key=lambda k: len(rows[k].tokens)):
        n_read, n = len(rows[i].positions()), len(rows[i].tokens)
        padded = (len(out[-1]) + 1) * n if out else 0
        if (
            out
            and padded <= MAX_BATCH_TOKENS
            and (len(out[-1]) + 1) * (reads + n_read) * vocab <= LOGIT_BUDGET
            and real + n >= (1 - MAX_PADDING) * padded
        ):
            out[-1].append(i)
            reads += n_read
            real += n
        else:
            out.append([i])
            reads, real = n_read, n
    return out


def _extend(model: Any, cache: Any, cached: int, tokens: list[int]) -> Any:
    """A new batch-1 cache: `cache` (holding `cached` tokens; None for none) followed by `tokens`."""
    import torch

    kwargs: dict[str, Any] = {"logits_to_keep": 1} if _keeps_logits(model) else {}  # these logits go unused
    if cache is not None:
        kwargs.update(
            cache=copy.deepcopy(cache),
            attention_mask=torch.ones(1, cached + len(tokens), dtype=torch.long, device=model.device),
        )
    return model(input_ids=torch.tensor([tokens], device=model.device), use_cache=True, **kwargs).cache


def _score_rows(model: Any, cache: Any, cached: int, rows: list[Row], pad_id: int) -> dict[int, tuple[float, bool]]:
    """One forward pass over right-padded rows that follow the batch-1 `cache` (holding `cached` tokens):
    {request: (log-likelihood, greedy)}. Logits are computed only at the positions some row reads."""
    import torch

    device = model.device
    width = max(len(r.tokens) for r in rows)
    ids = torch.tensor([r.tokens + [pad_id] * (width - len(r.tokens)) for r in rows], device=device)
    # padding trails every real token, so causal attention never sees it
    mask = torch.ones(len(rows), cached + width, dtype=torch.long, device=device)
    kwargs: dict[str, Any] = {"attention_mask": mask, "use_cache": cache is not None}
    if cache is not None:
        cache = copy.deepcopy(cache)
        cache.batch_repeat_interleave(len(rows))
        kwargs["cache"] = cache
    read = sorted({p for r in rows for p in r.positions()})
    if _keeps_logits(model):
        kwargs["logits_to_keep"] = torch.tensor(read, device=device)
        column = {p: k for k, p in enumerate(read)}
    else:
        column = {p: p for p in read}
    logp = torch.log_softmax(model(input_ids=ids, **kwargs).logits.float(), -1)
    out: dict[int, tuple[float, bool]] = {}
    for b, row in enumerate(rows):
        for i, start, cont in row.targets:
            preds = logp[b, [column[start - 1 + k] for k in range(len(cont))]]
            target = torch.tensor(cont, device=device)
            out[i] = (preds.gather(1, target[:, None]).sum().item(), bool((preds.argmax(-1) == target).all()))
    return out


def score_tree(
    model: Any, rows: list[Row], pad_id: int, cache: Any = None, cached: int = 0, progress: Any = None
) -> dict[int, tuple[float, bool]]:
    """{request: (log-likelihood, greedy)} for every target of every row, running shared text once: rows that
    share a prefix worth MIN_SAVED tokens extend one cache by it and recurse on their tails, so nested
    sharing (an instruction, a question, then orderings of its options) runs once per level; the others run
    in batches over `cache` (which holds `cached` tokens preceding every row). `progress` (a tqdm bar)
    advances by one per row."""
    import torch

    out: dict[int, tuple[float, bool]] = {}
    leaves: list[Row] = []
    with torch.no_grad():
        for shared, members in prefix_clusters(rows):
            if shared * (len(members) - 1) >= MIN_SAVED:
                sub = _extend(model, cache, cached, rows[members[0]].tokens[:shared])
                out.update(
                    score_tree(model, [rows[m].after(shared) for m in members], pad_id, sub, cached + shared, progress)
                )
            else:
                leaves += [rows[m] for m in members]
        vocab = model.get_output_embeddings().weight.shape[0]
        for batch in _batches(leaves, vocab):
            out.update(_score_rows(model, cache, cached, [leaves[k] for k in batch], pad_id))
            if progress is not None:
                progress.update(len(batch))
    return out


class SharedPrefixHFLM(HFLM):
    """lm-eval's HFLM whose `loglikelihood` runs shared prompt text once (see the module docstring) and whose
    `loglikelihood_rolling` scores lm-eval's own windows in length-sorted batches (lm-eval pads each batch of
    documents, in document order, to its longest: on short documents most of a forward pass is padding).
    Requests longer than `max_length` are counted in `window_cuts` (lm-eval cuts them from the left)."""

    window_cuts: Truncation | None = None  # HFLM has a `truncation` flag of its own

    @property
    def _pad_id(self) -> int:
        """Fills rows to a batch's width (never read: padding trails every real token)."""
        return self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        rows: dict[tuple[int, ...], Row] = {}
        rest: list[int] = []
        lengths: list[int] = []
        for i, req in enumerate(requests):
            ctx, cont = self._encode_pair(*req.args[:2])  # lm-eval's own tokenization
            lengths.append(len(ctx) + len(cont) - 1)  # the tokens fed: context + continuation minus its last
            if not ctx or not cont or len(ctx) + len(cont) > self.max_length:
                rest.append(i)  # an empty context or truncation: lm-eval handles those
                continue
            tokens = ctx + cont[:-1]
            rows.setdefault(tuple(tokens), Row(tokens)).targets.append((i, len(ctx), cont))
        results: list[Any] = [None] * len(requests)
        with tqdm(
            total=len(rows),
            desc="log-likelihoods (shared text run once)",
            unit="sequence",
            disable=disable_tqdm or len(rows) < 2,
        ) as bar:
            for i, value in score_tree(self.model, list(rows.values()), self._pad_id, progress=bar).items():
                results[i] = value
        if self.window_cuts is not None:
            self.window_cuts.add(lengths, self.max_length)
        if rest:
            with collapsed_truncation_warnings():  # lm-eval warns per request; `window_cuts` has the count
                scored = super().loglikelihood([requests[i] for i in rest], disable_tqdm=disable_tqdm)
            for i, value in zip(rest, scored):
                results[i] = value
        return results

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
        from lm_eval import utils

        rows: list[Row] = []
        owner: list[int] = []
        for i, req in enumerate(requests):
            windows = utils.get_rolling_token_windows(
                token_list=self.tok_encode(req.args[0]),
                prefix_token=self.prefix_token_id,
                max_seq_len=self.max_length,
                context_len=1,
            )
            for ctx, cont in map(utils.make_disjoint_window, windows):  # lm-eval's windows, as its HFLM makes them
                rows.append(Row(ctx + cont[:-1], [(len(rows), len(ctx), cont)]))
                owner.append(i)
        totals = [0.0] * len(requests)
        with tqdm(
            total=len(rows), desc="rolling log-likelihoods", unit="window", disable=disable_tqdm or len(rows) < 2
        ) as bar:
            scored = score_tree(self.model, rows, self._pad_id, progress=bar)
        for k in range(len(rows)):  # windows in order, summed per document as lm-eval sums them
            totals[owner[k]] += scored[k][0]
        for req, total in zip(requests, totals):
            self.cache_hook.add_partial("loglikelihood_rolling", req.args, total)
        return totals
