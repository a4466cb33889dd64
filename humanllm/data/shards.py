"""The Blog Authorship stage as parallel streaming shards on datatrove (local processes or a SLURM array).

Three datatrove steps over a work folder, then a merge in the calling process:
1. `ParseShard` (one task per shard): the loader's per-file reading, the funnel's parse and rules stages,
   a dedup fingerprint per post (dedup.py), the survivors pickled per file, rejections spilled to disk.
2. `DedupReduce` (one task): every shard's fingerprints → the dedup decisions (the same function a single
   process applies), and the platform's author names for the PII scrubber.
3. `FinishShard` (one task per shard): dedup and activity stages, PII scrub, one user record per line.
The merge sums the shard funnels, writes users in user-id order (by seeking into the shard files) and
the rejections, and checks raw = kept + rejected. Files go to shards by blogger id, so one blogger's
files meet in one shard (repeated ids are caught there, as the single loader catches them); memory is
one file's posts plus the fingerprints (~300 bytes a post), whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import numpy as np
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from humanllm.data import dedup
from humanllm.data.activity import activity_filter
from humanllm.data.candidate import Candidate, Loaded, UnreadableSource
from humanllm.data.config import DataConfig
from humanllm.data.funnel import Funnel, FunnelMismatch
from humanllm.data.loaders.blogger import EXPECTED, FILENAME, _load_file
from humanllm.data.pii import Scrubber
from humanllm.data.rawio import expand
from humanllm.data.rules import blogger_rules

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

    def files(self, rank: int) -> list[Path]:
        assert self.cfg.sources.blogger is not None
        files = expand(self.cfg.sources.blogger.files, "data.sources.blogger.files")
        return [f for f in files if shard_of(f, self.tasks) == rank]

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


class ParseShard(_PlanStep):
    name = "parse, rules, fingerprints"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        plan, cfg = self.plan, self.plan.cfg
        funnel, fp, seen, authors = Funnel(), dedup.Fingerprints(), set(), set()
        hasher = dedup.MinHasher(cfg.dedup.num_perm) if cfg.dedup.enabled and cfg.dedup.near else None
        batches: list[tuple[str | None, int]] = []
        with open(plan.path(rank, "rules.pkl"), "wb") as kept, \
                open(plan.path(rank, "rejected.jsonl"), "w", encoding="utf-8") as rejected:
            for path in plan.files(rank):
                loaded = Loaded("blogger")
                _load_file(loaded, path, seen)
                authors.update(c.author for c in loaded.candidates if c.author)
                cands = funnel.parse(loaded)
                cands = funnel.apply("rules", cands, blogger_rules(cands, cfg.filters))
                if cfg.dedup.enabled:
                    for c in cands:
                        fp.add(c, cfg.dedup, hasher)
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
        with open(plan.path(rank, "parse.pkl"), "wb") as fh:
            pickle.dump({"funnel": funnel, "batches": batches, "authors": sorted(authors)}, fh)
        return iter(())


class DedupReduce(_PlanStep):
    name = "dedup decisions over all shards"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        plan = self.plan
        parts, authors = [], set()
        for r in range(plan.tasks):
            parts.append(pickle.loads(plan.path(r, "fingerprints.pkl").read_bytes()))
            authors.update(pickle.loads(plan.path(r, "parse.pkl").read_bytes())["authors"])
        decisions = dedup.decide(dedup.concat(parts), plan.cfg.dedup)
        with open(plan.path(None, "decisions.pkl"), "wb") as fh:
            pickle.dump({"decisions": decisions, "authors": sorted(authors)}, fh)
        return iter(())


class FinishShard(_PlanStep):
    name = "dedup, activity, PII, users"

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        from humanllm.data.build import assemble  # build imports this module

        plan, cfg = self.plan, self.plan.cfg
        reduced = pickle.loads(plan.path(None, "decisions.pkl").read_bytes())
        decisions, scrub = reduced["decisions"], Scrubber(cfg.pii, reduced["authors"])
        parsed = pickle.loads(plan.path(rank, "parse.pkl").read_bytes())
        by_author: dict[str | None, list[int]] = defaultdict(list)
        for author, offset in parsed["batches"]:
            by_author[author].append(offset)
        funnel, index, kept_n = Funnel(), [], 0
        with open(plan.path(rank, "rules.pkl"), "rb") as src, \
                open(plan.path(rank, "users.jsonl"), "w", encoding="utf-8") as users, \
                open(plan.path(rank, "rejected.jsonl"), "a", encoding="utf-8") as rejected:
            for offsets in by_author.values():
                cands: list[Candidate] = []
                for offset in offsets:
                    src.seek(offset)
                    cands += pickle.load(src)
                cands = funnel.apply("dedup", cands, {c.record_id: decisions[c.record_id] for c in cands
                                                      if c.record_id in decisions})
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
    """The three steps on this machine: `workers` processes (datatrove's local executor)."""
    logs = plan.work / "logs"
    common = {"logging_dir": str(logs), "skip_completed": False}
    parse = LocalPipelineExecutor([ParseShard(plan)], tasks=plan.tasks, workers=workers,
                                  **common | {"logging_dir": str(logs / "parse")})
    reduce = LocalPipelineExecutor([DedupReduce(plan)], tasks=1, workers=1, depends=parse,
                                   **common | {"logging_dir": str(logs / "reduce")})
    finish = LocalPipelineExecutor([FinishShard(plan)], tasks=plan.tasks, workers=workers, depends=reduce,
                                   **common | {"logging_dir": str(logs / "finish")})
    finish.run()


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
    handles = {r: open(plan.path(r, "users.jsonl"), "rb") for r in range(plan.tasks)}
    try:
        for _, r, off, size, _ in index:
            handles[r].seek(off)
            users_out.write(handles[r].read(size).decode("utf-8"))
    finally:
        for h in handles.values():
            h.close()
    posts = sum(n for *_, n in index)
    raw = funnel.raw["blogger"]
    if raw != kept + rejected or posts != kept:
        raise FunnelMismatch(f"blogger: {raw} raw records but {kept} kept + {rejected} rejected, "
                             f"{posts} written")
    return ShardedResult(users=len(index), posts=posts, kept=kept, rejected=rejected)


def build_blogger(cfg: DataConfig, work: Path, funnel: Funnel, users_out: IO[str], rejected_out: IO[str],
                  tasks: int | None = None) -> ShardedResult:
    """Run the sharded Blog Authorship stage in `work` (removed afterwards) and merge it into the outputs."""
    plan = ShardPlan(cfg, work, tasks or max(1, cfg.workers) * 4)
    if work.exists():
        shutil.rmtree(work)
    run_shards(plan, cfg.workers)
    result = merge_shards(plan, funnel, users_out, rejected_out)
    parsed = sum(r.kept for (p, _, stage), r in funnel.rows.items() if p == "blogger" and stage == "parse")
    if funnel.raw["blogger"] and not parsed:
        raise UnreadableSource(f"data.sources.blogger: all {funnel.raw['blogger']} raw records were rejected "
                               f"while parsing (see {work}/shard*/rejected.jsonl); expected: {EXPECTED}")
    shutil.rmtree(work)
    return result


def rejected_by_reason(path: Path) -> Counter:
    """Reason counts of a rejected.jsonl (for the manifest) without holding the records."""
    out: Counter = Counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            out[json.loads(line)["reason"]] += 1
    return out
