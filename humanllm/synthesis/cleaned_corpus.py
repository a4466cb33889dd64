"""The cleaned corpus: the input corpus with every post's text replaced by its cleaned version.

Written into the curated artifact (folder `corpus/`, the same files as a corpus artifact) so that every
task family, the raw-text ones included, reads cleaned text when synthesis is not raw. Every user stays
(the user split depends on the user list); a post the clean pass dropped is left out (rejected.jsonl says
why), and so is a post curation never selected, unless `unselected_raw` keeps those with their text as is
(CPU demos that clean a few users only; the manifest counts them as `posts_raw`). A Reddit thread takes its submission's cleaned text, and is left out
when that submission was dropped; threads of authors outside curation keep their text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from humanllm.data.records import Corpus
from humanllm.io import write_jsonl
from humanllm.synthesis.records import CLEANED_CORPUS, CleanedPost


def write_cleaned_corpus(
    corpus: Corpus, kept: Mapping[str, CleanedPost], cleaned_ids: set[str], out: Path, unselected_raw: bool = False
) -> dict[str, int]:
    """`kept`: cleaned posts by post_id; `cleaned_ids`: every post the clean pass saw (kept or dropped)."""
    folder = out / CLEANED_CORPUS
    folder.mkdir(parents=True, exist_ok=True)
    users, n_raw = [], 0
    for u in corpus.users:
        posts = []
        for p in u.posts:
            if p.post_id in kept:
                posts.append(p.model_copy(update={"text": kept[p.post_id].text}))
            elif unselected_raw and p.post_id not in cleaned_ids:
                posts.append(p)
                n_raw += 1
        users.append(u.model_copy(update={"posts": posts}))
    threads = []
    for t in corpus.threads.values():
        post_id = f"reddit:{t.thread_id}"
        if post_id in kept:
            threads.append(t.model_copy(update={"text": kept[post_id].text}))
        elif post_id not in cleaned_ids:
            threads.append(t)
    write_jsonl(folder / "users.jsonl", users)
    write_jsonl(folder / "items.jsonl", list(corpus.items.values()))
    write_jsonl(folder / "threads.jsonl", threads)
    n_posts = sum(len(u.posts) for u in users)
    return {"users": len(users), "posts_cleaned": n_posts - n_raw, "posts_raw": n_raw, "threads": len(threads)}
