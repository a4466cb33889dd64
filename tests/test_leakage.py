"""No held-out user's text in any training example, prompt included, for every task family.

Measured on normalised 8-word windows that occur in a held-out user's text (posts and curated records,
rendered) and in no text others wrote (humanllm.task.leakage): the sample corpus's shared template phrases
never count, a verbatim quote of a held-out user always does. Checked on the sample corpus (both task
formats), on Reddit files in the Pushshift schema written here, and on a curated artifact (all six
families) written by a test server that copies 12-word runs of each record's posts, as a writer LLM quotes.
In each family a held-out user's example planted in the training split is caught.
"""

from __future__ import annotations

import json
import random

import pytest

from humanllm.config import load_config
from humanllm.data.records import Corpus
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_data, run_task_stage
from humanllm.synthesis.records import load_curated
from humanllm.synthesis.testing import ScoringServer, server_overrides
from humanllm.task.base import TaskExample, TaskInputs
from humanllm.task.leakage import authored_texts, find_leaks, held_out_only_windows, rendered_text, windows
from humanllm.task.registry import task_family, validate_params
from humanllm.task.stage import held_out_users, load_examples, split_by_user

BASE = ["tracker=none", "progress=false", "split.test_fraction=0.25"]
# Families whose held-out test examples quote their user's posts on the sample corpus and the Reddit files
# (item selection shows item titles only, which other users' histories share).
LIVE_RAW = {"writing_imitation", "personalized_commenting"}
SIX = {
    "writing_imitation",
    "personalized_commenting",
    "item_selection",
    "profile_generation",
    "scenario_generation",
    "social_qa",
}
COMPACT = [
    f"mixture.tasks.{t}.params.format=compact"
    for t in ("writing_imitation", "personalized_commenting", "item_selection")
]


def _flow(tmp_path, *overrides: str) -> tuple[object, FlowState]:
    cfg = load_config([*BASE, "model=tiny-random", f"paths.artifacts={tmp_path}", *overrides])
    ctx = RunContext.from_config(cfg)
    return cfg, run_task_stage(ctx, FlowState())


Split = dict[str, tuple[list[TaskExample], list[TaskExample]]]  # family → (train, test)


def _splits(state: FlowState) -> Split:
    return {name: (load_examples(art, "train"), load_examples(art, "test")) for name, art in state.tasks.items()}


def _held_windows(cfg, state: FlowState) -> tuple[set[str], set]:
    corpus = Corpus(state.corpus.path)
    curated = load_curated(state.curated.path) if state.curated else None
    held = held_out_users(corpus.users, cfg.split)
    return held, held_out_only_windows(authored_texts(corpus, curated), held)


def _assert_no_leak(cfg, state: FlowState, families: set[str], live: set[str], splits: Split | None = None) -> None:
    """No training example of any family holds a held-out-only window; in each `live` family, held-out
    users' own test examples do (the detector sees that family's rendering)."""
    held, windows = _held_windows(cfg, state)
    assert held and windows, "the check needs held-out users with text of their own"
    splits = splits or _splits(state)
    assert set(splits) == families
    for name, (train, test) in splits.items():
        assert train, name
        leaks = find_leaks(train, windows)
        assert not leaks, f"{name}: {len(leaks)} training examples quote a held-out user, e.g. {leaks[0]}"
        assert not {e.user_id for e in train} & held, name
        if name in live:
            assert test and find_leaks(test, windows), (
                f"{name}: the detector sees no held-out text in its test examples"
            )


@pytest.mark.parametrize("fmt", [[], COMPACT], ids=["paper", "compact"])
def test_sample_corpus_training_examples_quote_no_held_out_user(tmp_path, fmt):
    cfg, state = _flow(tmp_path, *fmt)
    _assert_no_leak(cfg, state, {"writing_imitation", "personalized_commenting", "item_selection"}, LIVE_RAW)
    commenting = state.tasks["personalized_commenting"]
    assert commenting.counts["dropped_quotes_held_out_user"] > 0  # the sample corpus has such threads


def test_the_check_catches_the_old_thread_behaviour(tmp_path):
    """Split by the example's own user only (the old rule): commenting prompts quote held-out threads."""
    cfg, state = _flow(tmp_path, *COMPACT)
    corpus = Corpus(state.corpus.path)
    held = held_out_users(corpus.users, cfg.split)
    family = task_family("personalized_commenting")
    made = [
        e
        for e in family.examples(
            TaskInputs(corpus), validate_params(family.name, {"format": "compact"}), random.Random(0)
        )
        if isinstance(e, TaskExample)
    ]
    old_train = [e for e in made if e.user_id not in held]
    windows = held_out_only_windows(authored_texts(corpus), held)
    assert find_leaks(old_train, windows)
    new_train, _, dropped = split_by_user(made, held)
    assert not find_leaks(new_train, windows) and dropped
    assert all(held & set(e.quoted_users) for e in made if e.example_id in {d.key for d in dropped})


# --- Reddit files in the Pushshift schema -----------------------------------------------------------

VOCAB = [
    f"{a}{b}"
    for a in ("tor", "mel", "qua", "zen", "bri", "fol", "kar", "lum", "vex", "dro")
    for b in ("am", "ix", "ol", "ur", "en", "ap", "is", "ow", "ek", "ut")
]


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
            subs.append(
                {
                    "id": sid,
                    "name": f"t3_{sid}",
                    "author": f"writer{u}",
                    "title": f"Notes {u}-{i}",
                    "selftext": _prose(rng, 70),
                    "created_utc": str(1_600_000_000 + 1000 * u + i),
                    "score": 5,
                    "num_comments": 3,
                    "is_self": True,
                    "subreddit": "test",
                    "subreddit_id": "t5_test",
                    "domain": "self.test",
                    "distinguished": None,
                }
            )
    for u in range(n_users):
        rng = random.Random(100 + u)
        for post, v in ((post, v) for post in (0, 1) for v in range(n_users) if v != u):
            cid, sid = f"c{u}x{v}x{post}", f"s{v}x{post}"
            comments.append(
                {
                    "id": cid,
                    "author": f"writer{u}",
                    "body": _prose(rng, 45),
                    "link_id": f"t3_{sid}",
                    "parent_id": f"t3_{sid}",
                    "created_utc": 1_600_100_000 + 100 * post + 10 * u + v,
                    "score": 2,
                    "subreddit_id": "t5_test",
                    "permalink": f"/r/test/comments/{sid}/_/{cid}/",
                }
            )
    s_file, c_file = folder / "RS_test.jsonl", folder / "RC_test.jsonl"
    s_file.write_text("".join(json.dumps(r) + "\n" for r in subs))
    c_file.write_text("".join(json.dumps(r) + "\n" for r in comments))
    return str(s_file), str(c_file)


@pytest.mark.parametrize("fmt", [[], COMPACT], ids=["paper", "compact"])
def test_reddit_dump_files_training_examples_quote_no_held_out_user(tmp_path, fmt):
    subs, comments = _pushshift_files(tmp_path)
    cfg, state = _flow(
        tmp_path / "a",
        "data=real",
        f"data.sources.reddit.submissions=[{subs}]",
        f"data.sources.reddit.comments=[{comments}]",
        "data.sources.twitter=null",
        "data.sources.blogger=null",
        "data.sources.amazon=null",
        "mixture.tasks.personalized_commenting.params.min_target_tokens=5",
        "mixture.tasks.personalized_commenting.params.per_user_max=null",
        *fmt,
    )
    state.tasks.pop("item_selection")  # no Amazon files here: nothing to select from
    _assert_no_leak(cfg, state, {"writing_imitation", "personalized_commenting"}, LIVE_RAW)
    assert state.tasks["personalized_commenting"].counts["dropped_quotes_held_out_user"] > 0


# --- a curated artifact: all six families -----------------------------------------------------------


@pytest.fixture(scope="module")
def curated_flow(tmp_path_factory):
    """The flow with LLM curation against a test server whose free-text fields copy 12-word runs of the
    record (its user's posts), as a writer LLM quotes: curated records hold their users' text."""
    tmp = tmp_path_factory.mktemp("curated")
    with ScoringServer(latency_s=0.001, quote_prompt=True) as server:
        cfg = load_config(
            server_overrides(
                server, tmp, "mixture=all_six", "model=tiny-random", *BASE[2:], "+synthesis.unselected_posts=raw"
            )
        )
        ctx = RunContext.from_config(cfg)
        state = run_data(ctx, FlowState())
        state = run_task_stage(ctx, state)
    return cfg, state


def test_curated_records_quote_their_users(curated_flow):
    """The copying server works: held-out users' records hold windows of their own posts."""
    cfg, state = curated_flow
    corpus, curated = Corpus(state.corpus.path), load_curated(state.curated.path)
    held = held_out_users(corpus.users, cfg.split)
    posts = held_out_only_windows([t for t in authored_texts(corpus) if t[0] in held], held)
    records = [t for t in authored_texts(corpus, curated) if t[2] and t[0] in held]
    assert records and any(windows(text) & posts for _, text, _ in records)
    # windowed as rendered: values one per line, no JSON (braces, quotes, field names) between them
    assert not any(ch in text for _, text, _ in records for ch in '{}"'), records[0][1][:200]


def test_curated_artifact_training_examples_quote_no_held_out_user(curated_flow):
    cfg, state = curated_flow
    _assert_no_leak(cfg, state, SIX, live=SIX)


@pytest.mark.parametrize("family", sorted(SIX))
def test_a_planted_leak_is_caught_in_every_family(curated_flow, family):
    """A held-out user's test example, relabelled as a training user's and put in the training split."""
    cfg, state = curated_flow
    splits = _splits(state)
    train, test = splits[family]
    _held, windows_ = _held_windows(cfg, state)
    planted = next(e for e in test if find_leaks([e], windows_))
    splits[family] = ([*train, planted.model_copy(update={"user_id": train[0].user_id})], test)
    with pytest.raises(AssertionError, match=f"{family}: 1 training examples quote a held-out user"):
        _assert_no_leak(cfg, state, SIX, live=SIX, splits=splits)


def test_a_training_users_record_does_not_launder_a_held_out_post():
    """A window of a held-out user's post stays held-out-only when an LLM copied it into another user's
    record; a phrase only records share (an LLM's template) does not count."""
    post = "the quiet lighthouse keeper painted seven blue boats every single winter morning"
    template = "this person enjoys spending quality time with close family and friends on weekends"
    texts = [
        ("held", post, False),
        ("train", "an unrelated post about cooking pasta with fresh basil leaves tonight", False),
        ("train", f"{post}\n{template}", True),
        ("held", template, True),
    ]
    found = held_out_only_windows(texts, {"held"})
    assert windows(post) <= found
    assert not windows(template) & found


def test_records_are_windowed_as_rendered_text():
    """Field values, one per line; no field names, no JSON quoting (windows never span two values)."""
    text = rendered_text(
        {
            "summary": "she moved to a new city for work last spring",
            "traits": ["kind", "curious"],
            "nested": {"goal": "finish the marathon"},
            "score": None,
        }
    )
    assert text.splitlines() == [
        "she moved to a new city for work last spring",
        "kind",
        "curious",
        "finish the marathon",
    ]
