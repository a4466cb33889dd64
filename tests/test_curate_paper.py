"""synthesis=paper: the official record kinds, metric sets and keep rules, the cleaned corpus, the judge
endpoint, and the three curated task families in the official formats."""

from __future__ import annotations

import json
import random

import pytest

from humanllm.config import load_config
from humanllm.data.records import Corpus
from humanllm.llm.testing import schema_of
from humanllm.pipeline.context import RunContext
from humanllm.schema import ConfigError
from humanllm.store import ArtifactStore
from humanllm.synthesis.config import JUDGE_METRICS, SynthesisConfig
from humanllm.synthesis.judge import failed_metrics
from humanllm.synthesis.paper_synthesize import plan_paper_records
from humanllm.synthesis.records import (
    CleanedPost,
    CuratedSet,
    Persona,
    ProfileParagraph,
    ScenarioQA,
    Stories,
    Story,
    cleaned_corpus_path,
    load_curated,
    load_rejected,
)
from humanllm.synthesis.stage import run_curate, stage_config
from humanllm.synthesis.testing import ScoringServer, is_judge_schema, server_overrides, tiny_corpus
from humanllm.task.base import Skipped, TaskExample, TaskInputs
from humanllm.task.registry import task_family, validate_params
from humanllm.task.stage import load_examples, run_tasks

BASE = ["tracker=none"]


def paper_cfg(*overrides: str) -> SynthesisConfig:
    return load_config([*BASE, "synthesis=paper", *overrides]).synthesis


def test_paper_preset_holds_the_official_rules():
    cfg = paper_cfg()
    assert cfg.mode == "paper" and cfg.max_users is None and cfg.posts.per_user is None
    assert cfg.clean.prompt == "paper" and cfg.clean.rewrite and cfg.clean.reject_unsafe
    assert cfg.clean.require_social_event and not cfg.clean.reject_unusable
    assert JUDGE_METRICS["profile_paragraph"] == (
        "hallucination",
        "coverage",
        "relevance",
        "fluency",
        "conciseness",
        "informativeness",
        "novelty",
        "overall",
    )
    assert cfg.judge.rule("persona") == {
        "hallucination": 8,
        "coverage": 7,
        "conciseness": 8,
        "relevance": 8,
        "overall": 8,
    }
    assert cfg.judge.rule("stories")["novelty"] == 7 and cfg.judge.rule("profile_paragraph")["fluency"] == 9
    assert cfg.judge.rule("long_scenario") == {
        "hallucination": 8,
        "coverage": 8,
        "fidelity": 8,
        "novelty": 8,
        "overall": 9,
    }
    assert (
        cfg.judge.rule("scenario_qa", "plain")["overall"] == 9
        and cfg.judge.rule("scenario_qa", "plain")["leakage"] == 8
    )
    assert cfg.judge.rule("scenario_qa", "reason") == {
        "hallucination": 8,
        "coverage": 8,
        "fidelity": 8,
        "novelty": 7,
        "leakage": 7,
        "overall": 8,
    }
    demo = paper_cfg("synthesis=paper_demo")
    assert demo.mode == "paper" and set(demo.judge.rule("scenario_qa", "reason").values()) == {1}
    assert set(demo.judge.rule("profile_paragraph").values()) == {1} and demo.unselected_posts == "raw"


def test_keep_rules_per_kind_and_variant():
    judge = paper_cfg().judge
    persona = {"hallucination": 8, "coverage": 7, "conciseness": 8, "relevance": 8, "overall": 8}
    assert failed_metrics(persona, "persona", judge) == []
    assert failed_metrics({**persona, "coverage": 6}, "persona", judge) == ["coverage"]
    qa = {"hallucination": 8, "coverage": 8, "fidelity": 8, "novelty": 7, "leakage": 7, "overall": 8}
    assert failed_metrics(qa, "scenario_qa", judge, "reason") == []
    assert failed_metrics(qa, "scenario_qa", judge, "thought") == ["overall", "novelty", "leakage"]


BAD = [
    (
        ["+synthesis.judge.per_kind.persona.leakage=7"],
        "synthesis.judge.per_kind.persona.leakage",
        "not a persona metric",
    ),
    (["+synthesis.judge.per_kind.blog.overall=7"], "synthesis.judge.per_kind.blog", "unknown record kind"),
    (["synthesis.clean.rewrite=false"], "synthesis.clean.rewrite", "always rewrites"),
    (["synthesis.paper.kinds=[persona,gossip]"], "synthesis.paper.kinds.1", "gossip"),
]


@pytest.mark.parametrize("overrides,key,fragment", BAD, ids=[b[1] for b in BAD])
def test_bad_paper_config_names_the_key(overrides, key, fragment):
    with pytest.raises(ConfigError) as err:
        load_config([*BASE, "synthesis=paper", *overrides])
    assert key in str(err.value) and fragment in str(err.value), str(err.value)


def _posts(uid: str, kinds: list[str]) -> list[CleanedPost]:
    return [
        CleanedPost(post_id=f"{uid}:p{i}", user_id=uid, platform="reddit", kind=k, text=f"post {i} of {uid}")
        for i, k in enumerate(kinds)
    ]


def test_plan_follows_min_posts_source_kinds_and_caps():
    cfg = paper_cfg(
        "synthesis.paper.long_scenario_posts=2",
        "synthesis.paper.qa_variants=[plain,reason]",
        "synthesis.paper.qa_posts.plain=1",
        "synthesis.paper.qa_posts.reason=3",
    )
    posts = {
        "u1": _posts("u1", ["submission"] * 4 + ["comment"] * 3),
        "u2": _posts("u2", ["submission", "comment"] * 2),
    }
    plan = plan_paper_records(posts, cfg)
    drafted = {d.record_id: d for d in plan.drafts}
    assert {d.user_id for d in plan.drafts} == {"u1"}, "u2 has 2 kept posts (< min_posts 3)"
    assert {r.reason for r in plan.rejected} == {"too_few_posts"} and {r.user_id for r in plan.rejected} == {"u2"}
    assert all(p.kind == "submission" for d in plan.drafts for p in [posts["u1"][int(d.source_post_ids[0][-1])]])
    assert len(drafted["persona:u1"].source_post_ids) == 4
    kinds = [d.kind for d in plan.drafts]
    assert kinds.count("long_scenario") == 2 and kinds.count("post_summary") == 4
    qa = [d for d in plan.drafts if d.kind == "scenario_qa"]
    assert sorted(d.extra["variant"] for d in qa) == ["plain", "reason", "reason", "reason"]


def _roles(e: TaskExample) -> list[str]:
    return [m["role"] for m in e.messages]


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory):
    """Curate a tiny corpus with synthesis=paper (a separate judge server), then build the curated tasks."""
    tmp = tmp_path_factory.mktemp("paper")
    corpus = tiny_corpus(tmp / "corpus", 8, 6)
    with ScoringServer(latency_s=0.001) as writer, ScoringServer(latency_s=0.001, model="judge") as judge:
        overrides = [
            o
            for o in server_overrides(writer, tmp / "artifacts", "mixture=curated_three", "split.test_fraction=0.25")
            if o != "synthesis=structured"
        ]
        overrides += [
            "synthesis=paper",
            "llm@judge_llm=llama_server",
            f"judge_llm.base_url={judge.base_url}",
            "judge_llm.model=judge",
            "judge_llm.structured_output=json_schema",
            "judge_llm.autostart=false",
        ]
        ctx = RunContext.from_config(load_config(overrides))
        curated = run_curate(ctx, corpus)
        writer_judged = sum(is_judge_schema(schema_of(b)) for b in writer.bodies)
        judge_bodies = list(judge.bodies)
    tasks = run_tasks(ctx, corpus, curated)
    return corpus, curated, tasks, writer_judged, judge_bodies


def test_paper_curation_reconciles_and_uses_the_judge_endpoint(paper_run):
    _corpus, curated, _, writer_judged, judge_bodies = paper_run
    counts = curated.counts
    for row in counts["funnel"]:
        assert row["in"] == row["kept"] + row["rejected"], row
    assert writer_judged == 0 and judge_bodies and all(is_judge_schema(schema_of(b)) for b in judge_bodies)
    assert all(next(iter(schema_of(b)["properties"])) == "explanation" for b in judge_bodies), "reasons, then scores"
    assert counts["llm"]["judge"]["requests"] == len(judge_bodies)
    cur = load_curated(curated.path)
    assert cur.paper and cur.personas and cur.stories and cur.long_scenarios and cur.scenario_qa and cur.post_summaries
    assert all(r.judge_scores for r in [*cur.personas.values(), *cur.scenario_qa, *cur.long_scenarios])
    kept_rule = {m: v for m, v in paper_cfg().judge.rule("profile_paragraph").items()}
    for p in cur.profile_paragraphs.values():
        assert all(p.judge_scores[m] >= v for m, v in kept_rule.items())
    judged_out = [r for r in load_rejected(curated.path) if r.reason.startswith("judge_below_threshold:")]
    assert judged_out and all(r.judge_scores and r.detail.startswith("judged ") for r in judged_out)
    assert all("explanation" not in r.judge_scores for r in judged_out)


def test_cleaned_corpus_carries_rewritten_text_and_drops_rejected_posts(paper_run):
    corpus, curated, *_ = paper_run
    raw, cleaned = Corpus(corpus.path), Corpus(cleaned_corpus_path(curated.path))
    cur = load_curated(curated.path)
    assert [u.user_id for u in cleaned.users] == [u.user_id for u in raw.users]
    dropped = {r.record_id for r in load_rejected(curated.path) if r.reason == "clean_no_social_event"}
    assert dropped, "the fixture server tags one post in five as no social event"
    raw_text = {p.post_id: p.text for u in raw.users for p in u.posts}
    for u in cleaned.users:
        for p in u.posts:
            assert p.post_id not in dropped and p.text == cur.posts[p.post_id].text != raw_text[p.post_id]
    assert sum(len(u.posts) for u in cleaned.users) + len(dropped) == len(raw_text)
    assert curated.counts["cleaned_corpus"]["posts_raw"] == 0


def test_curated_families_build_in_the_official_formats(paper_run):
    _, curated, tasks, *_ = paper_run
    cur = load_curated(curated.path)
    for name, art in tasks.items():
        examples = load_examples(art, "train") + load_examples(art, "test")
        assert examples, (name, art.counts)
        for e in examples:
            assert _roles(e) == ["user", "assistant"] and "about" in e.messages[0]["content"]
            assert e.meta["max_new_tokens"] >= 768
    stories = [
        e
        for e in load_examples(tasks["scenario_generation"], "train")
        + load_examples(tasks["scenario_generation"], "test")
        if e.meta["variant"] == "half2half_stories"
    ]
    assert stories
    for e in stories:
        future = json.loads(e.reference)
        full = cur.stories[e.user_id].stories
        assert e.meta["split_index"] >= 2 and [s["content"] for s in future] == [
            s.content for s in full[e.meta["split_index"] :]
        ]
    qa = load_examples(tasks["social_qa"], "train") + load_examples(tasks["social_qa"], "test")
    assert {e.meta["variant"] for e in qa} == {"plain", "action", "thought", "reason"}
    assert all(cur.user_descriptions(e.user_id) for e in qa), "social QA needs a kept persona or profile"


def hand_made(tmp_path) -> TaskInputs:
    corpus = tiny_corpus(tmp_path / "corpus", 2, 3)
    base = {"platform": "reddit", "judge_scores": {"overall": 9}}
    words = " ".join(["word"] * 123)
    stories = [Story(summary=f"summary {i}", content=f"content {i} " + words) for i in range(5)]
    cur = CuratedSet(
        mode="paper",
        personas={
            "reddit:user0": Persona(
                record_id="persona:reddit:user0",
                user_id="reddit:user0",
                source_post_ids=["a"],
                persona="The user is a patient student.",
                **base,
            )
        },
        profile_paragraphs={
            u: ProfileParagraph(
                record_id=f"profile_paragraph:{u}", user_id=u, source_post_ids=["a"], profile=words, **base
            )
            for u in ("reddit:user0", "twitter:user1")
        },
        stories={
            u: Stories(record_id=f"stories:{u}", user_id=u, source_post_ids=["a"], stories=stories[:n], **base)
            for u, n in (("reddit:user0", 5), ("twitter:user1", 2))
        },
        scenario_qa=[
            ScenarioQA(
                record_id=f"scenario_qa:{v}:{u}:p",
                user_id=u,
                source_post_ids=["p"],
                variant=v,
                scenario="The author is asked to help move.",
                question="What does the author do?",
                answer="They help. " + words,
                **base,
            )
            for v in ("plain", "reason")
            for u in ("reddit:user0", "twitter:user1", "twitter:user2")
        ],
    )
    return TaskInputs(Corpus(corpus.path), cur)


def made(name: str, inputs: TaskInputs, seed: int = 0, **params) -> tuple[list[TaskExample], list[Skipped]]:
    out = list(task_family(name).examples(inputs, validate_params(name, params), random.Random(seed)))
    return [e for e in out if isinstance(e, TaskExample)], [s for s in out if isinstance(s, Skipped)]


def test_scenario_generation_paper_variants(tmp_path):
    inputs = hand_made(tmp_path)
    examples, skipped = made("scenario_generation", inputs)
    assert {e.meta["variant"] for e in examples} == {
        "half2half_stories",
        "half_persona2half_stories",
        "half_theme2target_story",
        "half_theme_persona2target_story",
    }
    assert {(s.user_id, s.reason) for s in skipped} == {("twitter:user1", "too_few_stories")}
    full = inputs.curated.stories["reddit:user0"].stories
    for e in examples:
        k = e.meta["split_index"]
        assert 2 <= k <= len(full) - 1
        if "target" in e.meta["variant"]:
            assert e.reference == full[k].content and full[k].summary in e.messages[0]["content"]
            assert "about 120 words" in e.messages[0]["content"]
        else:
            assert len(json.loads(e.reference)) == len(full) - k
        assert ("user description" in e.messages[0]["content"]) == ("persona" in e.meta["variant"])
    again, _ = made("scenario_generation", inputs, seed=0)
    assert [e.messages for e in again] == [e.messages for e in examples], "seeded: the same split points"


def test_social_qa_paper_requires_a_description_and_caps_per_variant(tmp_path):
    inputs = hand_made(tmp_path)
    examples, skipped = made("social_qa", inputs)
    assert {e.user_id for e in examples} == {"reddit:user0", "twitter:user1"} and len(examples) == 4
    assert {(s.user_id, s.reason) for s in skipped} == {("twitter:user2", "no_kept_persona_or_profile")}
    for e in examples:
        assert any(d in e.messages[0]["content"] for d in inputs.curated.user_descriptions(e.user_id))
        assert "about 120 words" in e.messages[0]["content"]
    one, over = made("social_qa", inputs, paper_cap_per_variant=1)
    assert sorted(e.meta["variant"] for e in one) == ["plain", "reason"]
    assert sum(s.reason == "over_task_cap" for s in over) == 2


def test_profile_generation_paper_is_persona_to_profile_with_a_word_count(tmp_path):
    inputs = hand_made(tmp_path)
    examples, skipped = made("profile_generation", inputs)
    assert [e.user_id for e in examples] == ["reddit:user0"]
    e = examples[0]
    assert (
        "The user is a patient student." in e.messages[0]["content"] and "about 120 words" in e.messages[0]["content"]
    )
    assert e.reference == inputs.curated.profile_paragraphs["reddit:user0"].profile
    assert [(s.user_id, s.reason) for s in skipped] == [("twitter:user1", "no_kept_persona")]


def test_judge_llm_is_in_the_stage_key():
    def key(*o: str) -> str:
        return ArtifactStore.key(
            "curated", 1, stage_config(load_config([*BASE, "synthesis=paper", *o])), {"corpus": "c"}
        )

    same = key()
    assert key("llm@judge_llm=vllm") != same
    assert key("llm@judge_llm=vllm", "judge_llm.model=Qwen/Qwen2.5-72B-Instruct") != key("llm@judge_llm=vllm")
    assert key("llm@judge_llm=vllm", "judge_llm.max_in_flight=3") == key("llm@judge_llm=vllm")
