"""Task families on the sample corpus: chat records, user-disjoint splits, caps, candidates, mixing."""

from collections import Counter

import pytest

from humanllm.config import load_config
from humanllm.data.records import Corpus
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_task_stage
from humanllm.task.base import TaskExample
from humanllm.task.registry import task_family, task_names
from humanllm.task.stage import held_out_users, load_examples
from humanllm.train.sft import mix_examples


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tasks")
    cfg = load_config(
        [
            "model=tiny-random",
            "tracker=none",
            "progress=false",
            f"paths.artifacts={tmp}",
            f"paths.results={tmp / 'results'}",
            "split.test_fraction=0.25",
        ]
    )
    ctx = RunContext.from_config(cfg)
    return cfg, ctx, run_task_stage(ctx, FlowState())


def test_registry_lists_the_families():
    assert {"writing_imitation", "personalized_commenting", "item_selection"} <= set(task_names())
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        task_family("nope")


def test_every_task_builds_chat_records_split_by_user(built):
    cfg, _ctx, state = built
    all_test_users = set()
    for name, art in state.tasks.items():
        train, test = load_examples(art, "train"), load_examples(art, "test")
        assert train and test, name
        for e in train + test:
            roles = [m["role"] for m in e.messages]
            assert roles == ["user", "assistant"], "paper format: no system message, as the official data"
            assert all(m["content"].strip() for m in e.messages) and e.meta["format"] == "paper"
        train_users, test_users_ = {e.user_id for e in train}, {e.user_id for e in test}
        assert not train_users & test_users_, name
        all_test_users |= test_users_
        assert len({e.example_id for e in train + test}) == len(train + test)
        assert (art.path / "dataset" / "train").is_dir()
    corpus = Corpus(state.corpus.path)
    expected = held_out_users(corpus.users, cfg.split)
    assert all_test_users <= expected  # one split for every task


def test_split_is_stratified_and_deterministic(built):
    cfg, _ctx, state = built
    corpus = Corpus(state.corpus.path)
    held = held_out_users(corpus.users, cfg.split)
    assert held == held_out_users(list(reversed(corpus.users)), cfg.split)
    per_platform = Counter(u.platform for u in corpus.users if u.user_id in held)
    assert set(per_platform) == {"reddit", "twitter", "blogger", "amazon"}


def test_item_selection_has_one_true_item_among_unseen_same_category_candidates(built):
    _cfg, _ctx, state = built
    corpus = Corpus(state.corpus.path)
    users = {u.user_id: u for u in corpus.users}
    art = state.tasks["item_selection"]
    examples = load_examples(art, "train") + load_examples(art, "test")
    assert examples
    for e in examples:
        cands, ids = e.meta["candidate_titles"], e.meta["candidate_ids"]
        assert len(cands) == 20 and len({c.casefold() for c in cands}) == 20
        assert e.reference == e.meta["answer_title"] == cands[e.meta["true_index"]]
        assert {corpus.items[i].category for i in ids} == {e.meta["category"]}
        reviewed = {p.meta.get("parent_asin") for p in users[e.user_id].posts}
        negatives = set(ids) - {ids[e.meta["true_index"]]}
        assert not negatives & reviewed, "a negative candidate was an item the user reviewed"
        assert e.reference not in e.meta["history_titles"] and 1 <= len(e.meta["history_titles"]) <= 30
        assert all(f"Candidate {i + 1}: {t}" in e.messages[0]["content"] for i, t in enumerate(cands))


def test_commenting_uses_the_thread_the_comment_replied_to(built):
    _cfg, _ctx, state = built
    corpus = Corpus(state.corpus.path)
    for e in load_examples(state.tasks["personalized_commenting"], "train"):
        thread = corpus.threads[e.meta["thread_id"]]
        assert thread.title in e.prompt[-1]["content"] and thread.text[:200] in e.prompt[-1]["content"]


def test_caps_limit_each_split(tmp_path):
    cfg = load_config(
        [
            "model=tiny-random",
            "tracker=none",
            "progress=false",
            f"paths.artifacts={tmp_path}",
            "mixture.tasks.writing_imitation.max_train=5",
            "mixture.tasks.writing_imitation.max_test=2",
        ]
    )
    state = run_task_stage(RunContext.from_config(cfg), FlowState())
    art = state.tasks["writing_imitation"]
    assert art.counts["train"] == 5 and art.counts["test"] == 2 and art.counts["dropped_by_cap_train"] > 0


def _ex(task, i):
    return TaskExample(
        example_id=f"{task}:{i}",
        task=task,
        user_id="u",
        messages=[{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    )


def test_mixture_weights_scale_each_task():
    data = {"a": [_ex("a", i) for i in range(10)], "b": [_ex("b", i) for i in range(10)]}
    mixed = mix_examples(data, {"a": 2.0, "b": 0.5}, seed=0)
    counts = Counter(e.task for e in mixed)
    assert counts == {"a": 20, "b": 5}
    assert mix_examples(data, {"a": 2.0, "b": 0.5}, seed=0) == mixed
    capped = Counter(e.task for e in mix_examples(data, {"a": 1.0, "b": 1.0}, seed=0, cap=10))
    assert capped == {"a": 5, "b": 5}
    assert not mix_examples(data, {"a": 0.0, "b": 0.0}, seed=0)


def test_benchmark_file_is_refused_as_training_input(tmp_path):
    import json

    bench = tmp_path / "Persona_questions.json"
    bench.write_text(
        json.dumps([{"idx": 0, "Motivation Reasoning Question": "q", "Options 1": ["A. x"], "Correct Answer 1": "A"}])
    )
    cfg = load_config(
        [
            "data=real",
            "tracker=none",
            f"paths.artifacts={tmp_path / 'a'}",
            f"data.sources.reddit.submissions=[{bench}]",
            "data.sources.reddit.comments=[]",
            "data.sources.twitter=null",
            "data.sources.blogger=null",
            "data.sources.amazon=null",
        ]
    )
    with pytest.raises(ValueError, match="benchmark"):
        run_task_stage(RunContext.from_config(cfg), FlowState())
