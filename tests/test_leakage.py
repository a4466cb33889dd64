"""No held-out user's text in any training example, prompt included, for every task family.

Measured on normalised 8-word windows that occur in a held-out user's text and in no other text of
the corpus (humanllm.tasks.leakage): the sample corpus's shared template phrases never count, a
verbatim quote of a held-out user always does. Checked on the sample corpus (both task formats), on
Reddit files in the Pushshift schema written here, and on a curated artifact (all six families).
"""

from __future__ import annotations

import json
import random

import pytest

from humanllm.config import load_config
from humanllm.curate.records import load_curated
from humanllm.curate.testing import ScoringServer, server_overrides
from humanllm.data.records import Corpus
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_data, run_task_stage
from humanllm.tasks.base import TaskExample, TaskInputs
from humanllm.tasks.build import held_out_users, load_examples, split_by_user
from humanllm.tasks.leakage import authored_texts, find_leaks, held_out_only_windows
from humanllm.tasks.registry import task_family, validate_params

BASE = ["tracker=none", "progress=false", "split.test_fraction=0.25"]
COMPACT = [f"mixture.tasks.{t}.params.format=compact"
           for t in ("writing_imitation", "personalized_commenting", "item_selection")]


def _flow(tmp_path, *overrides: str) -> tuple[object, FlowState]:
    cfg = load_config([*BASE, "model=tiny-random", f"paths.artifacts={tmp_path}", *overrides])
    ctx = RunContext.from_config(cfg)
    return cfg, run_task_stage(ctx, FlowState())


def _assert_no_leak(cfg, state: FlowState, families: set[str]) -> None:
    corpus = Corpus(state.corpus.path)
    curated = load_curated(state.curated.path) if state.curated else None
    held = held_out_users(corpus.users, cfg.split)
    windows = held_out_only_windows(authored_texts(corpus, curated), held)
    assert held and windows, "the check needs held-out users with text of their own"
    assert set(state.tasks) == families
    live = []
    for name, art in state.tasks.items():
        train, test = load_examples(art, "train"), load_examples(art, "test")
        assert train, name
        leaks = find_leaks(train, windows)
        assert not leaks, f"{name}: {len(leaks)} training examples quote a held-out user, e.g. {leaks[0]}"
        assert not {e.user_id for e in train} & held, name
        if name in ("writing_imitation", "personalized_commenting") and test:
            # the detector is live: held-out users' own examples quote their own posts
            assert find_leaks(test, windows), name
            live.append(name)
    assert "writing_imitation" in live


@pytest.mark.parametrize("fmt", [[], COMPACT], ids=["paper", "compact"])
def test_sample_corpus_training_examples_quote_no_held_out_user(tmp_path, fmt):
    cfg, state = _flow(tmp_path, *fmt)
    _assert_no_leak(cfg, state, {"writing_imitation", "personalized_commenting", "item_selection"})
    commenting = state.tasks["personalized_commenting"]
    assert commenting.counts["dropped_quotes_held_out_user"] > 0  # the sample corpus has such threads


def test_the_check_catches_the_old_thread_behaviour(tmp_path):
    """Split by the example's own user only (the old rule): commenting prompts quote held-out threads."""
    cfg, state = _flow(tmp_path, *COMPACT)
    corpus = Corpus(state.corpus.path)
    held = held_out_users(corpus.users, cfg.split)
    family = task_family("personalized_commenting")
    made = [e for e in family.examples(TaskInputs(corpus), validate_params(family.name, {"format": "compact"}),
                                       random.Random(0)) if isinstance(e, TaskExample)]
    old_train = [e for e in made if e.user_id not in held]
    windows = held_out_only_windows(authored_texts(corpus), held)
    assert find_leaks(old_train, windows)
    new_train, _, dropped = split_by_user(made, held)
    assert not find_leaks(new_train, windows) and dropped
    assert all(held & set(e.quoted_users) for e in made if e.example_id in {d.key for d in dropped})


# --- Reddit files in the Pushshift schema -----------------------------------------------------------

VOCAB = [f"{a}{b}" for a in ("tor", "mel", "qua", "zen", "bri", "fol", "kar", "lum", "vex", "dro")
         for b in ("am", "ix", "ol", "ur", "en", "ap", "is", "ow", "ek", "ut")]


def _prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(words)) + "."


def _pushshift_files(folder, n_users: int = 8, posts: int = 6) -> tuple[str, str]:
    """Self posts that pass the rule filters, and every user's top-level comments on every other user's
    first two posts; each user writes their own random words, so their text is theirs alone."""
    subs, comments = [], []
    for u in range(n_users):
        rng = random.Random(u)
        for i in range(posts):
            sid = f"s{u}x{i}"
            subs.append({"id": sid, "name": f"t3_{sid}", "author": f"writer{u}", "title": f"Notes {u}-{i}",
                         "selftext": _prose(rng, 70), "created_utc": str(1_600_000_000 + 1000 * u + i),
                         "score": 5, "num_comments": 3, "is_self": True, "subreddit": "test",
                         "subreddit_id": "t5_test", "domain": "self.test", "distinguished": None})
    for u in range(n_users):
        rng = random.Random(100 + u)
        for post, v in ((post, v) for post in (0, 1) for v in range(n_users) if v != u):
            cid, sid = f"c{u}x{v}x{post}", f"s{v}x{post}"
            comments.append({"id": cid, "author": f"writer{u}", "body": _prose(rng, 45), "link_id": f"t3_{sid}",
                             "parent_id": f"t3_{sid}", "created_utc": 1_600_100_000 + 100 * post + 10 * u + v,
                             "score": 2, "subreddit_id": "t5_test", "permalink": f"/r/test/comments/{sid}/_/{cid}/"})
    s_file, c_file = folder / "RS_test.jsonl", folder / "RC_test.jsonl"
    s_file.write_text("".join(json.dumps(r) + "\n" for r in subs))
    c_file.write_text("".join(json.dumps(r) + "\n" for r in comments))
    return str(s_file), str(c_file)


@pytest.mark.parametrize("fmt", [[], COMPACT], ids=["paper", "compact"])
def test_reddit_dump_files_training_examples_quote_no_held_out_user(tmp_path, fmt):
    subs, comments = _pushshift_files(tmp_path)
    cfg, state = _flow(
        tmp_path / "a", "data=real", f"data.sources.reddit.submissions=[{subs}]",
        f"data.sources.reddit.comments=[{comments}]", "data.sources.twitter=null", "data.sources.blogger=null",
        "data.sources.amazon=null", "mixture.tasks.personalized_commenting.params.min_target_tokens=5",
        "mixture.tasks.personalized_commenting.params.per_user_max=null", *fmt,
    )
    state.tasks.pop("item_selection")  # no Amazon files here: nothing to select from
    _assert_no_leak(cfg, state, {"writing_imitation", "personalized_commenting"})
    assert state.tasks["personalized_commenting"].counts["dropped_quotes_held_out_user"] > 0


# --- a curated artifact: all six families -----------------------------------------------------------

def test_curated_artifact_training_examples_quote_no_held_out_user(tmp_path):
    with ScoringServer(latency_s=0.001) as server:
        cfg = load_config(server_overrides(server, tmp_path, "mixture=all_six", "model=tiny-random", *BASE[2:],
                                           "+synthesis.unselected_posts=raw"))
        ctx = RunContext.from_config(cfg)
        state = run_data(ctx, FlowState())
        state = run_task_stage(ctx, state)
    _assert_no_leak(cfg, state, {"writing_imitation", "personalized_commenting", "item_selection",
                                 "profile_generation", "scenario_generation", "social_qa"})
