"""Exact and near-duplicate removal over post texts.

Exact: the same normalised word sequence. Near: word-shingle MinHash signatures, LSH banding to find
candidate pairs, then the true shingle Jaccard against the threshold. Posts are compared within one
(platform, kind) group, or per user with `scope: user`; the earliest post (time, then id) is kept.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Iterable

import numpy as np

from humanllm.data.candidate import Candidate
from humanllm.data.config import DedupConfig
from humanllm.data.rules import Decisions
from humanllm.data.text import normalise, words

_PRIME = np.uint64(2_147_483_647)  # 2^31 - 1: a*h + b stays below 2^64 for 31-bit a, b, h


def shingles(text: str, k: int) -> set[int]:
    """31-bit hashes of the k-word shingles of a text (the whole text when shorter than k)."""
    toks = words(text)
    grams = {" ".join(toks[i:i + k]) for i in range(max(1, len(toks) - k + 1))}
    return {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") & 0x7FFFFFFF for g in grams}


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class MinHasher:
    """Fixed random permutations (a*h + b mod p), seeded so signatures are reproducible."""

    def __init__(self, num_perm: int, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, int(_PRIME), size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, int(_PRIME), size=num_perm, dtype=np.uint64)

    def signature(self, hashes: set[int]) -> np.ndarray:
        h = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
        return ((self.a[:, None] * h[None, :] + self.b[:, None]) % _PRIME).min(axis=1)


def find_duplicates(cands: list[Candidate], cfg: DedupConfig) -> Decisions:
    """{record_id: ('exact_duplicate' | 'near_duplicate', 'of <kept id>')} for posts to drop."""
    if not cfg.enabled:
        return {}
    groups: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in cands:
        if c.post is not None:
            key = (c.platform, c.kind, c.author) if cfg.scope == "user" else (c.platform, c.kind)
            groups[key].append(c)
    hasher = MinHasher(cfg.num_perm) if cfg.near else None
    out: Decisions = {}
    for group in groups.values():
        group.sort(key=lambda c: (c.post.created_at is None, c.post.created_at or 0, c.record_id))  # type: ignore[union-attr]
        out.update(_dedup_group(group, cfg, hasher))
    return out


def _dedup_group(group: list[Candidate], cfg: DedupConfig, hasher: MinHasher | None) -> Decisions:
    out: Decisions = {}
    exact: dict[str, str] = {}
    rows = cfg.num_perm // cfg.bands
    buckets: dict[tuple[int, bytes], list[tuple[str, set[int]]]] = defaultdict(list)
    for c in group:
        norm = normalise(c.text)
        if cfg.exact:
            if norm in exact:
                out[c.record_id] = ("exact_duplicate", f"of {exact[norm]}")
                continue
            exact[norm] = c.record_id
        if hasher is None or not norm:
            continue
        sh = shingles(norm, cfg.shingle_size)
        sig = hasher.signature(sh)
        keys = [(band, sig[band * rows:(band + 1) * rows].tobytes()) for band in range(cfg.bands)]
        match = _first_similar(sh, (entry for key in keys for entry in buckets.get(key, ())), cfg.jaccard_threshold)
        if match:
            out[c.record_id] = ("near_duplicate", f"of {match}")
            continue
        for key in keys:
            buckets[key].append((c.record_id, sh))
    return out


def _first_similar(sh: set[int], candidates: Iterable[tuple[str, set[int]]], threshold: float) -> str | None:
    """The first candidate (each checked once, though it shares several bands) at or above the threshold."""
    checked: set[str] = set()
    for rid, other in candidates:
        if rid not in checked:
            checked.add(rid)
            if jaccard(sh, other) >= threshold:
                return rid
    return None
