"""The curation stage against the fault-injecting test server: every kind is produced, the funnel
reconciles, the judge's thresholds decide, variants differ, faults lose nothing, no key leaks."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from humanllm.config import load_config
from humanllm.io import read_jsonl
from humanllm.pipeline.context import RunContext
from humanllm.synthesis.config import JUDGE_METRICS, JudgeConfig
from humanllm.synthesis.judge import failed_metrics
from humanllm.synthesis.prompts import judge_messages
from humanllm.synthesis.records import load_curated, load_rejected
from humanllm.synthesis.stage import curation_text, run_curate
from humanllm.synthesis.testing import ScoringServer, server_overrides, tiny_corpus

KINDS = ("profile", "style", "scenario", "social_qa")


@pytest.fixture(scope="module")
def server():
    with ScoringServer(latency_s=0.005) as s:
        yield s


def curate(server, tmp_path: Path, *overrides: str, users: int = 6, posts: int = 5):
    cfg = load_config(server_overrides(server, tmp_path / "artifacts", *overrides))
    ctx = RunContext.from_config(cfg)
    art = run_curate(ctx, tiny_corpus(tmp_path / "corpus", users, posts))
    return ctx, art


def funnel_rows(path: Path) -> dict[tuple[str, str], dict[str, int]]:
    rows: dict[tuple[str, str], dict[str, int]] = {}
    with (path / "curation_funnel.csv").open() as f:
        for r in csv.DictReader(f):
            row = rows.setdefault((r["stage"], r["kind"]), {"in": int(r["in"]), "kept": int(r["kept"]), "rejected": 0})
            row["rejected"] += int(r["reason_count"] or 0)
    return rows


def test_structured_curation_produces_every_kind_and_reconciles(server, tmp_path):
    ctx, art = curate(server, tmp_path)
    cur = load_curated(art.path)
    assert cur.profiles and cur.styles and cur.scenarios and cur.social_qa, art.counts["kept"]

    rows = funnel_rows(art.path)
    for (stage, kind), r in rows.items():
        assert r["in"] == r["kept"] + r["rejected"], (stage, kind, r)
    assert rows[("clean", "post")]["in"] == rows[("select", "post")]["kept"]
    for kind in KINDS:
        assert rows[("judge", kind)]["in"] == rows[("synthesize", kind)]["kept"], kind
        final = ("link", kind) if kind == "social_qa" else ("judge", kind)
        assert art.counts["kept"][kind] == rows[final]["kept"]
    # 1 QA per valid scenario; kept only when its scenario passed the judge too
    assert rows[("synthesize", "social_qa")]["in"] == rows[("synthesize", "scenario")]["kept"]
    assert rows[("link", "social_qa")]["in"] == rows[("judge", "social_qa")]["kept"]
    orphans = [r for r in load_rejected(art.path) if r.reason == "scenario_rejected"]
    assert len(orphans) == rows[("link", "social_qa")]["rejected"]
    kept_scenarios = {s.record_id for s in cur.scenarios}
    assert orphans and all(r.content["scenario_id"] not in kept_scenarios for r in orphans)

    # records point back at kept posts, QA at kept scenarios; kept records meet the thresholds
    judge = ctx.cfg.synthesis.judge
    for rec in [*cur.profiles.values(), *cur.styles.values(), *cur.scenarios, *cur.social_qa]:
        assert rec.source_post_ids and all(p in cur.posts for p in rec.source_post_ids)
        assert set(rec.judge_scores) == set(JUDGE_METRICS[rec.kind])
        assert failed_metrics(rec.judge_scores, rec.kind, judge) == []
    assert all(cur.scenario(qa.scenario_id) is not None for qa in cur.social_qa)

    # rejected by the judge: scores stored, and the named metric really is under its minimum
    judged_out = [r for r in load_rejected(art.path) if r.reason.startswith("judge_below_threshold:")]
    assert judged_out
    for r in judged_out:
        metric = r.reason.split(":", 1)[1]
        assert r.judge_scores[metric] < judge.minimum(metric) and r.content

    llm = art.counts["llm"]
    assert {"clean", "synthesize", "judge"} <= set(llm) and llm["judge"]["requests"] > 0
    assert (art.path / "judge_scores.png").stat().st_size > 1000
    text = curation_text(art.path)
    assert "Curation funnel" in text and "judge keep rate" in text

    # same config again: the artifact is reused, nothing is asked
    before = server.requests
    again = run_curate(ctx, tiny_corpus(tmp_path / "corpus", 6, 5))
    assert again.key == art.key and server.requests == before


def test_keep_rule_with_known_scores():
    default, strict = JudgeConfig(), JudgeConfig(overall_min=10, metric_min=9)
    qa = {m: 10 for m in JUDGE_METRICS["social_qa"]}
    assert failed_metrics(qa, "social_qa", default) == []
    assert failed_metrics({**qa, "overall": 8}, "social_qa", default) == ["overall"]
    assert failed_metrics({**qa, "leakage": 7}, "social_qa", default) == ["leakage"]
    assert failed_metrics({**qa, "leakage": 7}, "social_qa", JudgeConfig(per_metric={"leakage": 7})) == []
    assert failed_metrics({**qa, "overall": 9, "novelty": 8}, "social_qa", default) == []
    assert failed_metrics({**qa, "overall": 9, "novelty": 8}, "social_qa", strict) == ["overall", "novelty"]
    system = judge_messages("social_qa", "[1] post", "Q/A")[0]["content"]
    assert "Higher is always better" in system and "leakage: 10 = the situation does not give the answer away" in system
    assert "hallucination: 10 = nothing is invented" in system


def test_variants_keep_different_sets(server, tmp_path):
    kept = {}
    for variant in ("no_qc", "structured", "strict"):
        _, art = curate(server, tmp_path, f"synthesis={variant}")
        cur = load_curated(art.path)
        kept[variant] = {r.record_id for r in [*cur.profiles.values(), *cur.styles.values(), *cur.scenarios]}
        if variant == "no_qc":
            assert all(s.judge_scores is None for s in cur.scenarios) and ("judge", "profile") not in funnel_rows(
                art.path
            )
    assert kept["strict"] < kept["structured"] < kept["no_qc"], {k: len(v) for k, v in kept.items()}
    assert kept["strict"], "level-10 records pass the strict rule"


def test_faults_lose_nothing(tmp_path):
    with ScoringServer(latency_s=0.005, fault_rate=0.3, hang_s=3.0, seed=7) as faulty:
        _, art = curate(
            faulty, tmp_path, "synthesis.scenario.per_user=3", "synthesis.social_qa.per_scenario=2", users=8, posts=6
        )
        outcomes = dict(faulty.outcomes)
    assert {"hang", "http_429", "http_500", "invalid_json", "truncated"} <= set(outcomes), outcomes
    cur, rejected = load_curated(art.path), load_rejected(art.path)

    # every selected post is kept or rejected with a reason; every planned record likewise, once
    users = [u["user_id"] for u in read_jsonl(tmp_path / "corpus" / "users.jsonl")]
    post_ids = {p["post_id"] for u in read_jsonl(tmp_path / "corpus" / "users.jsonl") for p in u["posts"]}
    rejected_posts = {r.record_id for r in rejected if r.kind == "post"}
    assert set(cur.posts) | rejected_posts == post_ids and not set(cur.posts) & rejected_posts
    kept_ids = [r.record_id for r in [*cur.profiles.values(), *cur.styles.values(), *cur.scenarios, *cur.social_qa]]
    dropped_ids = [r.record_id for r in rejected if r.kind in KINDS]
    assert len(set(kept_ids + dropped_ids)) == len(kept_ids) + len(dropped_ids), "a record kept and rejected"
    for uid in users:
        for rid in (f"profile:{uid}", f"style:{uid}", *(f"scenario:{uid}:{i}" for i in range(3))):
            assert rid in kept_ids or rid in dropped_ids, rid
    valid_scen = [r for r in kept_ids if r.startswith("scenario:")]
    valid_scen += [r.record_id for r in rejected if r.kind == "scenario" and r.stage == "judge"]
    assert sum(1 for r in kept_ids + dropped_ids if r.startswith("social_qa:")) == 2 * len(valid_scen)
    assert all(r.reason for r in rejected)
    reasons = {r.reason.split(":")[0] for r in rejected}
    assert reasons <= {
        "clean_unsafe",
        "clean_unusable",
        "clean_failed",
        "no_source_posts",
        "synthesis_failed",
        "judge_failed",
        "judge_below_threshold",
        "scenario_rejected",
    }, reasons
    llm = art.counts["llm"]
    assert sum(sum(s["errors_seen"].values()) for s in llm.values()) > 0 and sum(s["repairs"] for s in llm.values()) > 0
    for (stage, kind), r in funnel_rows(art.path).items():
        assert r["in"] == r["kept"] + r["rejected"], (stage, kind, r)


def test_api_key_never_written(server, tmp_path, monkeypatch):
    secret = "sk-curate-test-9f8e7d6c5b4a3210"
    monkeypatch.setenv("HUMANLLM_CURATE_TEST_KEY", secret)
    _, _art = curate(server, tmp_path, "llm.api_key_env=HUMANLLM_CURATE_TEST_KEY", users=2, posts=3)
    assert f"Bearer {secret}" in server.authorizations  # the key was really used
    files = [p for p in (tmp_path / "artifacts").rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in files) and any(p.name == "manifest.json" for p in files)
    for p in files:
        assert secret.encode() not in p.read_bytes(), p
    assert os.environ["HUMANLLM_CURATE_TEST_KEY"] == secret


def test_clean_rewrite_and_keep_on_failure(tmp_path):
    with ScoringServer(latency_s=0.002, fault_rate=0.5, faults=("invalid_json",), seed=3) as flaky:
        _, art = curate(
            flaky,
            tmp_path,
            "synthesis.clean.rewrite=true",
            "synthesis.clean.on_failure=keep",
            "synthesis.clean.reject_unsafe=false",
            "synthesis.clean.reject_unusable=false",
            "llm.repair=false",
            "synthesis.social_qa.enabled=false",
            "synthesis.judge.enabled=false",
            users=3,
            posts=4,
        )
    posts = load_curated(art.path).posts
    assert len(posts) == 12 and not [r for r in load_rejected(art.path) if r.kind == "post"]
    untagged = [p for p in posts.values() if p.usable is None]
    rewritten = [p for p in posts.values() if p.rewritten]
    assert untagged and rewritten and all(not p.rewritten for p in untagged)
    originals = {p["post_id"]: p["text"] for u in read_jsonl(tmp_path / "corpus" / "users.jsonl") for p in u["posts"]}
    assert all(p.text != originals[p.post_id] for p in rewritten)
    assert all(p.text == originals[p.post_id] for p in untagged)


def test_a_user_cap_keeps_the_split_share_of_held_out_users(tmp_path):
    """Under `synthesis.max_users`, curation keeps round(test_fraction · cap) held-out users (by the tasks
    stage's own split), so the curated families have test users; without the split it may pick none."""
    from humanllm.data.records import Corpus
    from humanllm.data.split import held_out_users
    from humanllm.funnel import CurationFunnel
    from humanllm.synthesis.config import SynthesisConfig
    from humanllm.synthesis.select import select

    users = Corpus(tiny_corpus(tmp_path / "corpus", 24, 2).path).users
    held = held_out_users(users, 0.4, 7)
    cfg = SynthesisConfig(name="capped", mode="structured", max_users=5)
    for seed in range(6):
        sel = select(users, cfg, seed, CurationFunnel(), (held, 0.4))
        picked = {u.user_id for u in sel.users}
        assert len(picked) == 5 and len(picked & held) == 2  # round(0.4 * 5)
        assert {r.record_id for r in sel.rejected if r.reason == "over_max_users"} == {
            u.user_id for u in users
        } - picked
