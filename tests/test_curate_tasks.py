"""The three task families built from curated records: valid chat examples, stable unique ids, user ids
set for the user-disjoint split, and a clear refusal without curated records."""

from __future__ import annotations

import random

import pytest

from humanllm.config import load_config
from humanllm.data.records import Corpus
from humanllm.pipeline.context import RunContext
from humanllm.synthesis.records import CleanedPost, CuratedSet, Profile, Scenario, SocialQA
from humanllm.synthesis.stage import run_curate
from humanllm.synthesis.testing import ScoringServer, server_overrides, tiny_corpus
from humanllm.task.base import TaskInputs
from humanllm.task.registry import task_family, validate_params
from humanllm.task.stage import load_examples, run_tasks

CURATED_TASKS = ("profile_generation", "scenario_generation", "social_qa")


def hand_made(tmp_path) -> TaskInputs:
    corpus = tiny_corpus(tmp_path / "corpus", 2, 3)
    posts = {
        f"reddit:p0_{i}": CleanedPost(
            post_id=f"reddit:p0_{i}",
            user_id="reddit:user0",
            platform="reddit",
            kind="submission",
            text=f"My sister asked me to help her move, post {i}.",
        )
        for i in range(3)
    }
    base = {"user_id": "reddit:user0", "platform": "reddit", "judge_scores": {"overall": 9}}
    profile = Profile(
        record_id="profile:reddit:user0",
        source_post_ids=list(posts),
        summary="A student who helps family.",
        traits="loyal, patient",
        interests="cycling, books",
        **base,
    )
    scenarios = [
        Scenario(
            record_id=f"scenario:reddit:user0:{i}",
            source_post_ids=[f"reddit:p0_{i}"],
            theme="moving day",
            situation="Their sister needs help moving flats the weekend before an exam.",
            behavior="They carry boxes all day and study on the train afterwards.",
            **base,
        )
        for i in range(2)
    ]
    qa = [
        SocialQA(
            record_id=f"social_qa:reddit:user0:{i}:0",
            scenario_id=f"scenario:reddit:user0:{i}",
            source_post_ids=[f"reddit:p0_{i}"],
            variant=v,
            question="What did they do?",
            answer="They helped their sister and studied later.",
            **base,
        )
        for i, v in enumerate(("action", "thought"))
    ]
    # a QA pair of a user without a kept profile
    qa.append(
        SocialQA(
            record_id="social_qa:twitter:user1:0:0",
            scenario_id="scenario:reddit:user0:0",
            source_post_ids=["reddit:p0_0"],
            variant="reason",
            question="Why?",
            answer="Family first.",
            user_id="twitter:user1",
            platform="twitter",
        )
    )
    cur = CuratedSet(posts=posts, profiles={"reddit:user0": profile}, scenarios=scenarios, social_qa=qa)
    return TaskInputs(Corpus(corpus.path), cur)


@pytest.mark.parametrize("name", CURATED_TASKS)
def test_family_yields_valid_chat_examples(name, tmp_path):
    family = task_family(name)
    assert family.needs_curated and "rouge_l" in family.metrics
    inputs = hand_made(tmp_path)
    params = validate_params(name, {})
    examples = list(family.examples(inputs, params, random.Random(0)))
    again = list(family.examples(inputs, params, random.Random(1)))
    assert examples and [e.example_id for e in examples] == [e.example_id for e in again]
    assert len({e.example_id for e in examples}) == len(examples)
    for e in examples:
        assert [m["role"] for m in e.messages] == ["system", "user", "assistant"]
        assert all(m["content"].strip() for m in e.messages)
        assert e.task == name and e.user_id in {"reddit:user0", "twitter:user1"} and e.meta["record_id"]
        assert e.reference not in e.messages[1]["content"], "the target must not be in the prompt"
    variants = {e.meta["variant"] for e in examples}
    expected = {
        "profile_generation": {"posts2profile", "persona2profile"},
        "scenario_generation": {"half2half", "persona_half", "theme2story"},
        "social_qa": {"action", "thought", "reason"},
    }[name]
    assert variants == expected


def test_social_qa_require_profile_drops_pairs_without_one(tmp_path):
    inputs = hand_made(tmp_path)
    family = task_family("social_qa")
    strict = list(family.examples(inputs, validate_params("social_qa", {"require_profile": True}), random.Random(0)))
    assert {e.user_id for e in strict} == {"reddit:user0"}
    lenient = list(family.examples(inputs, validate_params("social_qa", {}), random.Random(0)))
    without = [e for e in lenient if e.user_id == "twitter:user1"]
    assert without and "About the person" not in without[0].messages[1]["content"]


def test_tasks_build_from_a_curated_artifact(tmp_path):
    corpus = tiny_corpus(tmp_path / "corpus", 8, 5)
    with ScoringServer(latency_s=0.002) as server:
        cfg = load_config(
            server_overrides(server, tmp_path / "artifacts", "mixture=curated_three", "split.test_fraction=0.25")
        )
        ctx = RunContext.from_config(cfg)
        curated = run_curate(ctx, corpus)
    arts = run_tasks(ctx, corpus, curated)
    assert set(arts) == set(CURATED_TASKS)
    for name, art in arts.items():
        assert art.counts["examples"] > 0, name
        train, test = load_examples(art, "train"), load_examples(art, "test")
        assert not {e.user_id for e in train} & {e.user_id for e in test}, name

    with pytest.raises(ValueError, match="mixture.tasks.profile_generation: this task needs synthesized records"):
        run_tasks(ctx, corpus, None)
