"""The Blog Authorship stage as parallel streaming shards on datatrove (local processes or a SLURM array).

Four datatrove steps over a work folder, then a merge in the calling process:
1. `ParseShard` (one task per shard): the loader's per-file reading, the funnel's parse and rules stages,
   a dedup fingerprint per post (dedup.py), the survivors pickled per file, rejections spilled to disk;
   the shard's fingerprints, and their candidate keys (one per exact text and per LSH band) split into
   buckets by key.
2. `BucketReduce` (one task per bucket): every shard's keys of that bucket → the posts that share a key
   with another post (the only ones a dedup decision can touch).
3. `DedupResolve` (one task): those posts' fingerprints → the dedup decisions (the same function a single
   process applies to all posts), split by shard; and the platform's author names for the PII scrubber.
4. `FinishShard` (one task per shard): dedup and activity stages, PII scrub, one user record per line.
The merge sums the shard funnels, writes users in user-id order (by seeking into the shard files) and
the rejections, and checks raw = kept + rejected. Files go to shards by blogger id, so one blogger's
files meet in one shard (repeated ids are caught there, as the single loader catches them); shards hold
about `data.shard_files` files, so each task's memory is one shard's fingerprints (~350 bytes a post)
or one bucket's keys, whatever the corpus size. Only the decisions (one per dropped post) and the author
names grow with the corpus.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from humanllm.data import dedup
from humanllm.data.activity import activity_filter
from humanllm.data.assemble import assemble
from humanllm.data.candidate import Candidate, Loaded, UnreadableSource
from humanllm.data.config import DataConfig
from humanllm.data.loaders.blogger import EXPECTED, FILENAME, _load_file
from humanllm.data.pii import Scrubber
from humanllm.data.rawio import expand
from humanllm.data.rules import blogger_rules
from humanllm.funnel import Funnel, FunnelMismatch

SHARDED_PLATFORMS = ("blogger",)


def _line(rec: Any) -> str:
    return json.dumps(rec.model_dump(mode="json"), ensure_ascii=False, default=str) + "\n"


def shard_of(path: Path, tasks: int) -> int:
    """A file's shard: by blogger id (so one blogger's files share a shard), else by file name."""
    m = FILENAME.match(path.name)
    key = m["id"] if m else path.name
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") % tasks


@dataclass
class ShardPlan:
    """Where one run's shards read and write; pickled into each datatrove task."""

    cfg: DataConfig
    work: Path
    tasks: int

    @cached_property
    def all_files(self) -> list[Path]:
        """Every input file, expanded once (read before the plan is pickled, it travels with it)."""
        assert self.cfg.sources.blogger is not None
        return expand(self.cfg.sources.blogger.files, "data.sources.blogger.files")

    def files(self, rank: int) -> list[Path]:
        return [f for f in self.all_files if shard_of(f, self.tasks) == rank]

    def path(self, rank: int | None, name: str) -> Path:
        folder = self.work / (f"shard{rank:05d}" if rank is not None else "reduce")
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


def _spill(funnel: Funnel, fh: IO[str]) -> None:
    fh.writelines(_line(r) for r in funnel.rejected)
    funnel.rejected.clear()


class _PlanStep(PipelineStep):
    """A datatrove step of the data stage: it reads and writes the files of one ShardPlan."""

    type = "humanllm"

    def __init__(self, plan: ShardPlan):
        super().__init__()
        self.plan = plan


def _ref(shard: int, rows: np.ndarray) -> np.ndarray:
    return (np.int64(shard) << np.int64(32)) | rows.astype(np.int64)


class ParseShard(_PlanStep):
    name = "parse, rules, fingerprints"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        plan, cfg = self.plan, self.plan.cfg
        funnel, fp, seen, authors = Funnel(), dedup.Fingerprints(), set(), set()
        hasher = dedup.MinHasher(cfg.dedup.num_perm) if cfg.dedup.enabled and cfg.dedup.near else None
        batches: list[tuple[str | None, int]] = []
        with (
            open(plan.path(rank, "rules.pkl"), "wb") as kept,
            open(plan.path(rank, "rejected.jsonl"), "w", encoding="utf-8") as rejected,
        ):
            for path in plan.files(rank):
                loaded = Loaded("blogger")
                _load_file(loaded, path, seen)
                authors.update(c.author for c in loaded.candidates if c.author)
                cands = funnel.parse(loaded)
                cands = funnel.apply("rules", cands, blogger_rules(cands, cfg.filters))
                if cfg.dedup.enabled:
                    fp.extend(cands, cfg.dedup, hasher)
                if cands:
                    batches.append((cands[0].author, kept.tell()))
                    pickle.dump(cands, kept, protocol=pickle.HIGHEST_PROTOCOL)
                _spill(funnel, rejected)
                self.stat_update("files")
                self.stat_update("posts", value=len(loaded.candidates) + len(loaded.failures))
        cols = fp.arrays()
        if hasher is None:
            cols["sigs"] = np.full((len(fp.ids), 1), dedup._EMPTY, dtype=np.uint32)
        with open(plan.path(rank, "fingerprints.pkl"), "wb") as fh:
            pickle.dump(cols, fh, protocol=pickle.HIGHEST_PROTOCOL)
        keys = dedup.candidate_keys(cols, cfg.dedup)
        rows = np.repeat(np.arange(keys.shape[0], dtype=np.int64), keys.shape[1])
        flat = keys.reshape(-1)
        bucket = flat % np.uint64(plan.tasks)
        for b in range(plan.tasks):
            pick = bucket == b
            np.save(plan.path(rank, f"keys.{b:05d}.npy"), np.stack([flat[pick].view(np.int64), _ref(rank, rows[pick])]))
        with open(plan.path(rank, "parse.pkl"), "wb") as fh:
            pickle.dump({"funnel": funnel, "batches": batches, "authors": sorted(authors)}, fh)
        return iter(())


class BucketReduce(_PlanStep):
    name = "posts sharing a dedup key (one bucket of keys)"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        plan = self.plan
        parts = [np.load(plan.path(r, f"keys.{rank:05d}.npy")) for r in range(plan.tasks)]
        keys, refs = np.concatenate(parts, axis=1) if parts else np.zeros((2, 0), dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        keys, refs = keys[order], refs[order]
        shared = np.zeros(len(keys), dtype=bool)
        same = keys[1:] == keys[:-1]
        shared[1:] |= same
        shared[:-1] |= same
        np.save(plan.path(rank, "candidates.npy"), np.unique(refs[shared]))
        return iter(())


class DedupResolve(_PlanStep):
    name = "dedup decisions over the candidates of all shards"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        plan = self.plan
        refs = np.unique(np.concatenate([np.load(plan.path(b, "candidates.npy")) for b in range(plan.tasks)]))
        parts, owner, authors = [], [], set()
        for r in range(plan.tasks):
            rows = refs[(refs >> np.int64(32)) == r] & np.int64(0xFFFFFFFF)
            cols = pickle.loads(plan.path(r, "fingerprints.pkl").read_bytes())
            parts.append(dedup.take(cols, rows))
            owner += [r] * len(rows)
            del cols
            authors.update(pickle.loads(plan.path(r, "parse.pkl").read_bytes())["authors"])
        cols = dedup.concat(parts)
        decisions = dedup.decide(cols, plan.cfg.dedup)
        shard_of_id = dict(zip(cols["ids"].tolist(), owner))
        per_shard: list[dict] = [{} for _ in range(plan.tasks)]
        for rid, decision in decisions.items():
            per_shard[shard_of_id[rid]][rid] = decision
        for r in range(plan.tasks):
            with open(plan.path(r, "decisions.pkl"), "wb") as fh:
                pickle.dump(per_shard[r], fh, protocol=pickle.HIGHEST_PROTOCOL)
        with open(plan.path(None, "authors.pkl"), "wb") as fh:
            pickle.dump(sorted(authors), fh)
        return iter(())


class FinishShard(_PlanStep):
    name = "dedup, activity, PII, users"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        plan, cfg = self.plan, self.plan.cfg
        decisions = pickle.loads(plan.path(rank, "decisions.pkl").read_bytes())
        scrub = Scrubber(cfg.pii, pickle.loads(plan.path(None, "authors.pkl").read_bytes()))
        parsed = pickle.loads(plan.path(rank, "parse.pkl").read_bytes())
        by_author: dict[str | None, list[int]] = defaultdict(list)
        for author, offset in parsed["batches"]:
            by_author[author].append(offset)
        funnel, index, kept_n = Funnel(), [], 0
        with (
            open(plan.path(rank, "rules.pkl"), "rb") as src,
            open(plan.path(rank, "users.jsonl"), "w", encoding="utf-8") as users,
            open(plan.path(rank, "rejected.jsonl"), "a", encoding="utf-8") as rejected,
        ):
            for offsets in by_author.values():
                cands: list[Candidate] = []
                for offset in offsets:
                    src.seek(offset)
                    cands += pickle.load(src)
                cands = funnel.apply(
                    "dedup", cands, {c.record_id: decisions[c.record_id] for c in cands if c.record_id in decisions}
                )
                cands = funnel.apply("activity", cands, activity_filter(cands, "blogger", cfg.filters))
                for user in assemble(cands, scrub)[0]:
                    text = _line(user)
                    index.append((user.user_id, users.tell(), len(text.encode("utf-8")), len(user.posts)))
                    users.write(text)
                kept_n += len(cands)
                _spill(funnel, rejected)
        with open(plan.path(rank, "finish.pkl"), "wb") as fh:
            pickle.dump({"funnel": funnel, "index": index, "kept": kept_n}, fh)
        return iter(())


def absorb_funnel(into: Funnel, part: Funnel) -> None:
    """Add a shard's funnel counts (its rejected records are on disk) into the run's funnel."""
    for key, row in part.rows.items():
        mine = into._row(*key)
        mine.n_in += row.n_in
        mine.kept += row.kept
        mine.reasons.update(row.reasons)
    into.raw.update(part.raw)


def run_shards(plan: ShardPlan, workers: int) -> None:
    """The four steps on this machine: `workers` processes (datatrove's local executor), each after the last."""
    steps = [(ParseShard, "parse", plan.tasks), (BucketReduce, "buckets", plan.tasks), (DedupResolve, "resolve", 1),
             (FinishShard, "finish", plan.tasks)]  # fmt: skip
    previous = None
    for step, name, tasks in steps:
        previous = LocalPipelineExecutor([step(plan)], tasks=tasks, workers=min(workers, tasks), depends=previous,
                                         logging_dir=str(plan.work / "logs" / name), skip_completed=False)  # fmt: skip
    assert previous is not None
    previous.run()


@dataclass
class ShardedResult:
    users: int
    posts: int
    kept: int
    rejected: int


def merge_shards(plan: ShardPlan, funnel: Funnel, users_out: IO[str], rejected_out: IO[str]) -> ShardedResult:
    """Sum the shard funnels into `funnel`, write users (by user id) and rejections, check the counts."""
    index: list[tuple[str, int, int, int, int]] = []
    kept = rejected = 0
    for r in range(plan.tasks):
        parsed = pickle.loads(plan.path(r, "parse.pkl").read_bytes())
        finished = pickle.loads(plan.path(r, "finish.pkl").read_bytes())
        for part in (parsed["funnel"], finished["funnel"]):
            absorb_funnel(funnel, part)
        kept += finished["kept"]
        index += [(uid, r, off, size, n) for uid, off, size, n in finished["index"]]
        with open(plan.path(r, "rejected.jsonl"), encoding="utf-8") as fh:
            for line in fh:
                rejected_out.write(line)
                rejected += 1
    index.sort()
    with ExitStack() as stack:
        handles = {r: stack.enter_context(open(plan.path(r, "users.jsonl"), "rb")) for r in range(plan.tasks)}
        for _, r, off, size, _ in index:
            handles[r].seek(off)
            users_out.write(handles[r].read(size).decode("utf-8"))
    posts = sum(n for *_, n in index)
    raw = funnel.raw["blogger"]
    if raw != kept + rejected or posts != kept:
        raise FunnelMismatch(f"blogger: {raw} raw records but {kept} kept + {rejected} rejected, {posts} written")
    return ShardedResult(users=len(index), posts=posts, kept=kept, rejected=rejected)


def build_blogger(
    cfg: DataConfig, work: Path, funnel: Funnel, users_out: IO[str], rejected_out: IO[str], tasks: int | None = None
) -> ShardedResult:
    """Run the sharded Blog Authorship stage in `work` (removed afterwards) and merge it into the outputs."""
    plan = ShardPlan(cfg, work, tasks or 1)
    if tasks is None:
        plan.tasks = max(cfg.workers * 4, -(-len(plan.all_files) // cfg.shard_files))
    if work.exists():
        shutil.rmtree(work)
    run_shards(plan, cfg.workers)
    result = merge_shards(plan, funnel, users_out, rejected_out)
    parsed = sum(r.kept for (p, _, stage), r in funnel.rows.items() if p == "blogger" and stage == "parse")
    if funnel.raw["blogger"] and not parsed:
        raise UnreadableSource(
            f"data.sources.blogger: all {funnel.raw['blogger']} raw records were rejected "
            f"while parsing (see {work}/shard*/rejected.jsonl); expected: {EXPECTED}"
        )
    shutil.rmtree(work)
    return result


def rejected_by_reason(path: Path) -> Counter:
    """Reason counts of a rejected.jsonl (for the manifest) without holding the records."""
    out: Counter = Counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            out[json.loads(line)["reason"]] += 1
    return out
