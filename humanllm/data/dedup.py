"""Exact and near-duplicate removal over post texts, decided from per-post fingerprints.

A post's fingerprint is its group (platform and kind, plus author with `scope: user`), its order key
(time, then id), a 128-bit hash of its normalised word sequence, and a fixed-seed MinHash signature of
its word shingles. Decisions are a function of the set of fingerprints only, so shards that fingerprint
their own posts and one reduce over all fingerprints drop exactly the records a single process drops:
- exact: posts with the same normalised text in a group; the earliest is kept (a 128-bit hash compares them);
- near, among the exact survivors: in each LSH band, every post is compared with the earliest post that
  has the same band values; a pair whose signatures agree on >= `jaccard_threshold` of their `num_perm`
  values (the MinHash estimate of shingle Jaccard) is linked; linked posts form clusters (union-find) and
  each cluster keeps its earliest post.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from humanllm.data.candidate import Candidate
from humanllm.data.config import DedupConfig
from humanllm.data.rules import Decisions
from humanllm.data.text import normalise

_MIX = np.uint64(1_000_003)
_MASK = np.uint64(0x7FFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)  # signature of a text with no words (never near-compared)


class MinHasher:
    """Fixed random hash functions h(x) = ((a*x + b) mod 2^64) >> 32 (multiply-shift, a odd), seeded so
    signatures are reproducible in any process."""

    def __init__(self, num_perm: int, seed: int = 1):
        rng = np.random.default_rng(seed)
        odd = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self.a = odd[:, None]
        self.b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)[:, None]

    def signatures(self, norms: list[str], k: int, chunk: int = 1 << 15) -> np.ndarray:
        """uint32[len(norms), num_perm]: the MinHash over each text's k-word shingles (one shingle of all its words
        if shorter than k; `_EMPTY` if it has none), hashed in batches of about `chunk` shingles
        (numpy over all texts at once instead of a call per text)."""
        out = np.full((len(norms), len(self.a)), _EMPTY, dtype=np.uint32)
        words = [n.encode("utf-8").split() for n in norms]
        lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        w = np.fromiter(map(zlib.crc32, chain.from_iterable(words)), dtype=np.uint64, count=int(lens.sum()))
        w &= _MASK
        ends = np.cumsum(lens)
        starts = ends - lens
        for i in np.flatnonzero((lens > 0) & (lens < k)):  # shorter than k: one shingle of all its words
            sh = w[starts[i] : starts[i] + 1].copy()
            for j in range(1, lens[i]):
                sh = (sh * _MIX + w[starts[i] + j : starts[i] + j + 1]) & _MASK
            out[i] = ((self.a * sh[None, :] + self.b) >> np.uint64(32)).min(axis=1).astype(np.uint32)
        full = np.flatnonzero(lens >= k)
        if not len(full):
            return out
        # shingle hashes at every position of the concatenation; position p starts a shingle of its own
        # text when p + k <= that text's end
        sh = w[: len(w) - k + 1].copy()
        for j in range(1, k):
            sh = (sh * _MIX + w[j : len(w) - k + 1 + j]) & _MASK
        counts = lens[full] - k + 1
        pos = np.repeat(starts[full] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        sh = sh[pos]
        seg = np.cumsum(counts) - counts  # each text's first shingle in `sh`
        lo = 0
        while lo < len(full):  # whole texts per batch, about `chunk` shingles each
            hi = int(np.searchsorted(seg, seg[lo] + chunk, side="right"))
            hi = max(hi, lo + 1)
            a, b = int(seg[lo]), int(seg[hi - 1] + counts[hi - 1])
            h = self.a * sh[None, a:b]
            h += self.b
            h >>= np.uint64(32)
            out[full[lo:hi]] = np.minimum.reduceat(h, seg[lo:hi] - a, axis=1).T
            lo = hi
        return out


def group_of(c: Candidate, cfg: DedupConfig) -> str:
    parts = [c.platform, c.kind] + ([c.author or ""] if cfg.scope == "user" else [])
    return "\x1f".join(parts)


def order_key(c: Candidate) -> tuple[bool, int, str]:
    """Earlier first: posts with a time by time, then those without; ties by record id."""
    t = c.post.created_at if c.post is not None else None
    return (t is None, t or 0, c.record_id)


@dataclass
class Fingerprints:
    """Columns of per-post fingerprints (one process's or one shard's posts)."""

    ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    missing_time: list[bool] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    exact: list[bytes] = field(default_factory=list)
    sigs: list[np.ndarray] = field(default_factory=list)

    def extend(self, cands: list[Candidate], cfg: DedupConfig, hasher: MinHasher | None) -> None:
        """Fingerprint a batch of posts (their MinHash signatures in one numpy pass)."""
        norms = [normalise(c.text) for c in cands]
        for c, norm in zip(cands, norms):
            missing, t, rid = order_key(c)
            self.ids.append(rid)
            self.groups.append(group_of(c, cfg))
            self.missing_time.append(missing)
            self.times.append(t)
            self.exact.append(hashlib.blake2b(norm.encode("utf-8"), digest_size=16).digest())
        if hasher is not None and cands:
            self.sigs.append(hasher.signatures(norms, cfg.shingle_size))

    def arrays(self) -> dict[str, Any]:
        """The columns as numpy arrays (what a shard saves)."""
        n = len(self.ids)
        return {
            "ids": np.array(self.ids, dtype=object),
            "groups": np.array(self.groups, dtype=object),
            "missing_time": np.array(self.missing_time, dtype=bool),
            "times": np.array(self.times, dtype=np.int64),
            "exact": np.frombuffer(b"".join(self.exact), dtype=np.uint64).reshape(n, 2),
            "sigs": np.concatenate(self.sigs) if self.sigs else np.zeros((n, 0), dtype=np.uint32),
        }


def take(cols: dict[str, Any], rows: np.ndarray) -> dict[str, Any]:
    """The fingerprints of some rows."""
    return {k: v[rows] for k, v in cols.items()}


def _group_hash(groups: np.ndarray) -> np.ndarray:
    names, inverse = np.unique(groups.astype(str), return_inverse=True)
    h = [int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in names]
    return np.array(h, dtype=np.uint64)[inverse.reshape(-1)] if len(groups) else np.zeros(0, dtype=np.uint64)


def candidate_keys(cols: dict[str, Any], cfg: DedupConfig) -> np.ndarray:
    """uint64[n, k]: per post, one key per comparison it can take part in (its exact text, each LSH band),
    each a hash of the group and the compared values. Posts that `decide` could link share a key;
    posts sharing a key need not be linked (a hash collision only adds a candidate)."""
    n = len(cols["ids"])
    g = _group_hash(cols["groups"])
    keys = []
    with np.errstate(over="ignore"):
        if cfg.exact:
            ex = cols["exact"]
            keys.append(g * np.uint64(0x9E3779B97F4A7C15) ^ ex[:, 0] ^ (ex[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)))
        if cfg.near and cols["sigs"].shape[1] == cfg.num_perm:
            rows = cfg.num_perm // cfg.bands
            sig = cols["sigs"].astype(np.uint64)
            for band in range(cfg.bands):
                h = g ^ np.uint64(band + 1) * np.uint64(0xFF51AFD7ED558CCD)
                for j in range(rows):
                    h = h * np.uint64(0x100000001B3) ^ sig[:, band * rows + j]
                keys.append(h)
    return np.stack(keys, axis=1) if keys else np.zeros((n, 0), dtype=np.uint64)


def concat(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One column set from several shards' columns."""
    parts = [p for p in parts if len(p["ids"])] or parts[:1]  # an empty shard's signatures have no width
    if not parts:
        return Fingerprints().arrays()
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _runs(keys: list[np.ndarray], rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by keys then rank; return the order and, per sorted position, the position of its run's first."""
    order = np.lexsort([rank] + keys[::-1])
    new = np.zeros(len(order), dtype=bool)
    if len(order):
        new[0] = True
        for k in keys:
            sk = k[order]
            new[1:] |= sk[1:] != sk[:-1]
    starts = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    return order, starts


def decide(cols: dict[str, Any], cfg: DedupConfig) -> Decisions:
    """{record_id: ('exact_duplicate' | 'near_duplicate', 'of <kept id>')} from all posts' fingerprints."""
    ids = cols["ids"]
    n = len(ids)
    if not cfg.enabled or n == 0:
        return {}
    groups, missing, times = cols["groups"], cols["missing_time"], cols["times"]
    by_time = sorted(range(n), key=lambda i: (groups[i], missing[i], times[i], ids[i]))
    rank = np.empty(n, dtype=np.int64)
    rank[np.array(by_time, dtype=np.int64)] = np.arange(n)
    group = np.unique(cols["groups"].astype(str), return_inverse=True)[1].astype(np.int64)
    out: Decisions = {}
    alive = np.ones(n, dtype=bool)
    if cfg.exact:
        ex = cols["exact"]
        order, starts = _runs([group, ex[:, 0], ex[:, 1]], rank)
        for pos in np.flatnonzero(starts != np.arange(n)):
            i, first = order[pos], order[starts[pos]]
            out[ids[i]] = ("exact_duplicate", f"of {ids[first]}")
            alive[i] = False
    if cfg.near:
        out.update(_near(cols["sigs"], group, rank, alive, ids, cfg))
    return out


def _near(
    sigs: np.ndarray, group: np.ndarray, rank: np.ndarray, alive: np.ndarray, ids: np.ndarray, cfg: DedupConfig
) -> Decisions:
    idx = np.flatnonzero(alive & (sigs[:, 0] != _EMPTY))
    sig, grp, rk = sigs[idx], group[idx], rank[idx]
    rows = cfg.num_perm // cfg.bands
    parent = np.arange(len(idx))
    for band in range(cfg.bands):
        cols = [sig[:, band * rows + j] for j in range(rows)]
        order, starts = _runs([grp] + cols, rk)
        linked = starts != np.arange(len(order))
        a, b = order[linked], order[starts[linked]]
        close = (sig[a] == sig[b]).mean(axis=1) >= cfg.jaccard_threshold
        for x, y in zip(a[close].tolist(), b[close].tolist()):
            _union(parent, x, y, rk)
    out: Decisions = {}
    for x in range(len(idx)):
        root = _find(parent, x)
        if root != x:
            out[ids[idx[x]]] = ("near_duplicate", f"of {ids[idx[root]]}")
    return out


def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = int(parent[x])
    return x


def _union(parent: np.ndarray, x: int, y: int, rank: np.ndarray) -> None:
    """Join two clusters under the earlier of their roots (so a root is always its cluster's earliest)."""
    rx, ry = _find(parent, x), _find(parent, y)
    if rx != ry:
        if rank[rx] < rank[ry]:
            parent[ry] = rx
        else:
            parent[rx] = ry


def find_duplicates(cands: list[Candidate], cfg: DedupConfig) -> Decisions:
    """Decisions for one process's posts (the same function of fingerprints that sharded runs reduce)."""
    if not cfg.enabled:
        return {}
    fp = Fingerprints()
    hasher = MinHasher(cfg.num_perm) if cfg.near else None
    fp.extend([c for c in cands if c.post is not None], cfg, hasher)
    cols = fp.arrays()
    if hasher is None:
        cols["sigs"] = np.full((len(fp.ids), 1), _EMPTY, dtype=np.uint32)
    return decide(cols, cfg)
