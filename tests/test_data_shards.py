"""The sharded Blog Authorship stage (datatrove): 1 and 2 workers drop and keep the same records."""

from __future__ import annotations

import json
from pathlib import Path

from humanllm.data.build import build_corpus
from humanllm.data.config import DataConfig

WORDS = "river stone light window garden morning letter coffee winter music city train paper dream".split()


def _post(seed: int, n: int = 70) -> str:
    step = seed % 5 + 1
    return " ".join(WORDS[(seed * 7 + i * step) % len(WORDS)] + str((seed * 31 + i) % 97) for i in range(n))


def _blogs(folder: Path) -> None:
    """Eight bloggers; exact copies and a near copy across bloggers, short posts, an unterminated post."""
    folder.mkdir()
    base = _post(1)
    posts = {
        1: [base, _post(2), "too short"],
        2: [base.upper(), _post(3)],  # exact duplicate of blogger 1's first post (later date)
        3: [base.replace("river", "ocean", 1) + " extra", _post(4)],  # near duplicate
        4: [_post(5), _post(5)],  # an exact duplicate within one blogger
        5: [_post(6)],
        6: [_post(7), "short"],
        7: [_post(8)],
        8: [_post(9), None],
    }
    for bid, texts in posts.items():
        body = "".join(
            f"<date>{d + 1},May,{2000 + bid}</date><post>{t}</post>"
            if t is not None
            else "<date>1,June,2004</date><post>cut off"
            for d, t in enumerate(texts)
        )
        name = f"{1000 + bid}.female.25.indUnk.Leo.xml"
        (folder / name).write_text(f"<Blog>{body}</Blog>", encoding="utf-8")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run(src: Path, out: Path, workers: int) -> tuple[dict, dict, dict, str]:
    out.mkdir()
    cfg = DataConfig.model_validate(
        {
            "name": "t",
            "sources": {"blogger": {"files": [str(src / "*.xml")]}},
            "workers": workers,
            "filters": {"blogger": {"min_chars": 20}},
        }
    )
    counts = build_corpus(cfg, cfg.sources, out, seed=0)
    rejected = {r["record_id"]: (r["reason"], r["detail"]) for r in _jsonl(out / "rejected.jsonl")}
    kept = {p["post_id"]: p["text"] for u in _jsonl(out / "users.jsonl") for p in u["posts"]}
    return counts, rejected, kept, (out / "funnel.csv").read_text()


def test_one_and_two_workers_agree(tmp_path):
    _blogs(tmp_path / "blogs")
    one, two = _run(tmp_path / "blogs", tmp_path / "w1", 1), _run(tmp_path / "blogs", tmp_path / "w2", 2)
    assert one[1] == two[1] and one[2] == two[2] and one[3] == two[3]
    counts, rejected, kept, _ = one
    assert counts == two[0]
    assert counts["raw_records"] == 15 == len(kept) + len(rejected)  # 15 <post> elements
    assert rejected["blogger:1002:1"] == ("exact_duplicate", "of blogger:1001:1")
    assert rejected["blogger:1004:2"][0] == "exact_duplicate"
    assert rejected["blogger:1003:1"] == ("near_duplicate", "of blogger:1001:1")
    assert rejected["blogger:1008:2"][0] == "unterminated_post"
    assert {rejected[f"blogger:{b}"][0] for b in ("1001:3", "1006:2")} == {"too_short"}
    users = [u["user_id"] for u in _jsonl(tmp_path / "w2" / "users.jsonl")]
    assert users == sorted(users) and len(users) == 8


def _many_blogs(folder: Path, bloggers: int = 30) -> None:
    """Bloggers whose posts are copied, lightly edited and re-dated across bloggers and shards."""
    import random

    rnd = random.Random(7)
    folder.mkdir()
    pool = [_post(s, rnd.randint(30, 90)) for s in range(40)]
    for bid in range(bloggers):
        texts = []
        for _ in range(rnd.randint(2, 6)):
            text = rnd.choice(pool)
            words = text.split()
            for _ in range(rnd.choice([0, 0, 1, 2, 8])):  # 0 edits: an exact copy; a few: near; 8: maybe not
                words[rnd.randrange(len(words))] = rnd.choice(WORDS)
            texts.append(" ".join(words))
        body = "".join(f"<date>{rnd.randint(1, 3)},May,2004</date><post>{t}</post>" for t in texts)
        (folder / f"{2000 + bid}.male.30.indUnk.Leo.xml").write_text(f"<Blog>{body}</Blog>", encoding="utf-8")


def _decisions(src: Path, out: Path, **data) -> dict:
    out.mkdir()
    cfg = DataConfig.model_validate(
        {
            "name": "t",
            "sources": {"blogger": {"files": [str(src / "*.xml")]}},
            "filters": {"blogger": {"min_chars": 20}},
            **data,
        }
    )
    build_corpus(cfg, cfg.sources, out, seed=0)
    return {
        r["record_id"]: (r["reason"], r["detail"])
        for r in _jsonl(out / "rejected.jsonl")
        if r["reason"].endswith("_duplicate")
    }


def test_sharded_dedup_equals_single_process(tmp_path):
    """Many shards (each with its own keys, buckets and candidates) drop exactly what one process drops."""
    _many_blogs(tmp_path / "blogs")
    # a user cap the corpus never reaches sends Blog Authorship through the single-process path
    single = _decisions(tmp_path / "blogs", tmp_path / "single", max_users_per_platform=10_000)
    kinds = {reason for reason, _ in single.values()}
    assert kinds == {"exact_duplicate", "near_duplicate"} and len(single) > 20
    for name, data in [
        ("one_shard", {"shard_files": 1000}),
        ("many", {"shard_files": 3}),
        ("many_two_workers", {"shard_files": 4, "workers": 2}),
    ]:
        assert _decisions(tmp_path / "blogs", tmp_path / name, **data) == single, name
