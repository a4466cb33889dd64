"""Raw dumps → corpus folder: load, rule filters, dedup, activity thresholds, cap, PII scrub, write.

Blog Authorship files run as parallel streaming shards (shards.py, `data.workers`); the other platforms
run in this process, one at a time.

Writes users.jsonl, items.jsonl, threads.jsonl, rejected.jsonl, funnel.csv and funnel.md, and
returns the counts that go into the artifact manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from humanllm.data.activity import activity_filter, cap_users
from humanllm.data.assemble import assemble
from humanllm.data.candidate import Candidate, Loaded
from humanllm.data.config import PLATFORMS, DataConfig, SourcesConfig
from humanllm.data.dedup import find_duplicates
from humanllm.data.loaders import load_platform
from humanllm.data.pii import Scrubber
from humanllm.data.records import Item, Thread, UserRecord
from humanllm.data.rules import Decisions, amazon_rules, blogger_rules, reddit_rules, twitter_rules
from humanllm.data.shards import SHARDED_PLATFORMS, absorb_funnel, build_blogger, rejected_by_reason
from humanllm.funnel import Funnel, FunnelMismatch


def _rules(platform: str, cands: list[Candidate], cfg: DataConfig, loaded: Loaded) -> Decisions:
    f = cfg.filters
    if platform == "reddit":
        return reddit_rules(cands, f, set(loaded.threads))
    if platform == "twitter":
        return twitter_rules(cands, f)
    if platform == "blogger":
        return blogger_rules(cands, f)
    return amazon_rules(cands, f)


def filter_platform(loaded: Loaded, cfg: DataConfig, funnel: Funnel, seed: int) -> list[Candidate]:
    """Run one platform's candidates through every stage, recording the funnel."""
    p = loaded.platform
    cands = funnel.parse(loaded)
    cands = funnel.apply("rules", cands, _rules(p, cands, cfg, loaded))
    cands = funnel.apply("dedup", cands, find_duplicates(cands, cfg.dedup))
    cands = funnel.apply("activity", cands, activity_filter(cands, p, cfg.filters))
    if cfg.max_users_per_platform is not None:
        cands = funnel.apply("cap", cands, cap_users(cands, cfg.max_users_per_platform, seed))
    return cands


def quoted_threads(loaded: Loaded, kept: list[Candidate], user_ids: set[str], scrub: Scrubber) -> list[Thread]:
    """The threads that kept comments reply to (scrubbed), each with its author's corpus user id if kept."""
    linked = {c.post.meta["link_id"] for c in kept if c.kind == "comment" and c.post is not None}
    out = []
    for tid in sorted(linked & set(loaded.threads)):
        t = loaded.threads[tid]
        uid = f"{loaded.platform}:{t.author}"
        out.append(
            t.model_copy(
                update={
                    "title": scrub(t.title),
                    "text": scrub(t.text),
                    "author_user_id": uid if uid in user_ids else None,
                }
            )
        )
    return out


def _check_written(platform: str, kept: list[Candidate], users: list[UserRecord], items: list[Item]) -> None:
    profiles = sum(1 for c in kept if c.kind == "profile")
    written = sum(len(u.posts) for u in users) + len(items) + profiles
    if written != len(kept):
        raise FunnelMismatch(f"{platform}: {len(kept)} records kept but {written} written")


def _line(rec: Any) -> str:
    return json.dumps(rec.model_dump(mode="json"), ensure_ascii=False, default=str) + "\n"


def _sharded(platform: str, cfg: DataConfig) -> bool:
    """Blog Authorship runs as datatrove shards (shards.py) unless a user cap needs every user at once."""
    return platform in SHARDED_PLATFORMS and cfg.max_users_per_platform is None


def build_corpus(
    cfg: DataConfig, sources: SourcesConfig, out: Path, seed: int, progress: bool = False
) -> dict[str, Any]:
    """Build the corpus into `out` and return its counts (raises FunnelMismatch if anything is lost).

    Records are written as each platform finishes, so only one in-process platform is held at a time.
    """
    funnel = Funnel()
    per_platform: dict[str, dict[str, int]] = {}
    totals: dict[str, dict[str, int]] = {}
    n_users = n_posts = n_items = n_threads = 0
    with (
        open(out / "users.jsonl", "w", encoding="utf-8") as users_fh,
        open(out / "items.jsonl", "w", encoding="utf-8") as items_fh,
        open(out / "threads.jsonl", "w", encoding="utf-8") as threads_fh,
        open(out / "rejected.jsonl", "w", encoding="utf-8") as rejected_fh,
    ):
        for platform in [p for p in PLATFORMS if p in cfg.platforms()]:
            if _sharded(platform, cfg):
                res = build_blogger(
                    cfg.model_copy(update={"sources": sources}), out / "_shards", funnel, users_fh, rejected_fh
                )
                counts = {"users": res.users, "posts": res.posts, "items": 0, "threads": 0}
                totals[platform] = {
                    "raw_records": funnel.raw[platform],
                    "kept_records": res.kept,
                    "rejected_records": res.rejected,
                }
            else:
                part = Funnel()
                loaded = load_platform(platform, sources, progress)
                kept = filter_platform(loaded, cfg, part, seed)
                scrub = Scrubber(cfg.pii, {c.author for c in loaded.candidates if c.author})
                p_users, p_items = assemble(kept, scrub)
                _check_written(platform, kept, p_users, p_items)
                p_threads = quoted_threads(loaded, kept, {u.user_id for u in p_users}, scrub)
                totals.update(part.reconcile(kept))
                for fh, records in (
                    (users_fh, p_users),
                    (items_fh, p_items),
                    (threads_fh, p_threads),
                    (rejected_fh, part.rejected),
                ):
                    fh.writelines(_line(r) for r in records)
                counts = {
                    "users": len(p_users),
                    "posts": sum(len(u.posts) for u in p_users),
                    "items": len(p_items),
                    "threads": len(p_threads),
                }
                absorb_funnel(funnel, part)
                funnel.formats.update(part.formats)
            per_platform[platform] = counts
            n_users, n_posts = n_users + counts["users"], n_posts + counts["posts"]
            n_items, n_threads = n_items + counts["items"], n_threads + counts["threads"]
    funnel.write(out)
    for p, t in totals.items():
        per_platform.setdefault(p, {}).update(t)
    by_reason = rejected_by_reason(out / "rejected.jsonl")
    return {
        "raw_records": sum(t["raw_records"] for t in totals.values()),
        "kept_records": sum(t["kept_records"] for t in totals.values()),
        "rejected_records": sum(by_reason.values()),
        "users": n_users,
        "posts": n_posts,
        "items": n_items,
        "threads": n_threads,
        "per_platform": per_platform,
        "rejected_by_reason": dict(sorted(by_reason.items())),
    }
