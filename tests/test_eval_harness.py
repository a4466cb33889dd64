"""The evaluation harness around the benchmarks: judge with position-bias control, social eval via the
flow on fixture data (tables, CIs, contamination), missing data errors, and the refusal as training input."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from humanllm.config import load_config
from humanllm.eval.benchmarks import write_motivebench_fixture, write_tombench_fixture
from humanllm.eval.judge import judge_generations, pair_outcome
from humanllm.io import write_jsonl
from humanllm.llm import LLMConfig, make_backend
from humanllm.llm.testing import FaultServer, schema_of
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_eval_stage
from humanllm.report.build import write_report


def test_pair_outcome_needs_both_orders_to_agree():
    assert pair_outcome("A", "B") == (1.0, False)  # model first wins, model second wins
    assert pair_outcome("B", "A") == (0.0, False)
    assert pair_outcome("A", "A") == (0.5, True)  # always the first slot: position bias
    assert pair_outcome("B", "B") == (0.5, True)
    assert pair_outcome("tie", "tie") == (0.5, False)
    assert pair_outcome("A", "tie") == (0.5, False)


class PositionBiasedJudge(FaultServer):
    """Always prefers candidate A and gives every answer 7."""

    @staticmethod
    def _content(body: Mapping[str, Any]) -> str:
        props = (schema_of(body) or {}).get("properties", {})
        return json.dumps({"better": "A"} if "better" in props else {"score": 7})


class FairJudge(FaultServer):
    """Prefers the candidate containing GOOD, whatever its position; scores GOOD answers 9, others 3."""

    @staticmethod
    def _content(body: Mapping[str, Any]) -> str:
        text = body["messages"][-1]["content"]
        props = (schema_of(body) or {}).get("properties", {})
        if "better" in props:
            a = text.split("Candidate A:")[1].split("Candidate B:")[0]
            return json.dumps({"better": "A" if "GOOD" in a else "B"})
        return json.dumps({"score": 9 if "GOOD" in text.split("Candidate:")[1] else 3})


def _generations(folder: Path, answer: str, n: int = 6) -> Path:
    rows = [
        {
            "example_id": f"writing_imitation:{i}",
            "user_id": f"u{i}",
            "reference": "the real post",
            "prompt": [{"role": "user", "content": f"write post {i}"}],
            "answer": f"{answer} {i}",
            "meta": {},
        }
        for i in range(n)
    ]
    write_jsonl(folder / "generations" / "writing_imitation.jsonl", rows)
    return folder


@pytest.mark.parametrize(
    "server_cls,winrate,flips,score", [(PositionBiasedJudge, 0.5, 1.0, 7.0), (FairJudge, 1.0, 0.0, 9.0)]
)
def test_judge_controls_position_bias(tmp_path, server_cls, winrate, flips, score):
    model_dir = _generations(tmp_path / "model", "GOOD answer")
    base_dir = _generations(tmp_path / "base", "weak answer")
    with server_cls() as server:
        cfg = LLMConfig(
            name="judge",
            base_url=server.base_url,
            model=server.model,
            structured_output="json_schema",
            cache_dir=str(tmp_path / "cache"),
        )
        with make_backend(cfg) as backend:
            scores, items, failed = judge_generations(
                backend, model_dir, base_dir, ["writing_imitation"], 50, 32, False
            )
        assert server.requests == 6 + 12  # pointwise + both orders of 6 pairs
    assert scores["judge/writing_imitation/winrate_vs_base"] == winrate
    assert scores["judge/writing_imitation/position_flip_rate"] == flips
    assert scores["judge/writing_imitation/score"] == score
    assert failed == {"writing_imitation/point": 0, "writing_imitation/pair": 0}
    assert scores["judge/writing_imitation/unparsed_point"] == scores["judge/writing_imitation/unparsed_pair"] == 0
    assert len([i for i in items if i["metric"] == "winrate_vs_base"]) == 6


def test_unparsed_judge_replies_are_counted_beside_the_scores(tmp_path):
    """A judge whose every reply is invalid JSON (FaultServer's `invalid_json` fault) scores nothing and says so."""
    model_dir = _generations(tmp_path / "model", "GOOD answer", n=3)
    with FaultServer(fault_rate=1.0, faults=("invalid_json",)) as server:
        cfg = LLMConfig(
            name="judge",
            base_url=server.base_url,
            model=server.model,
            structured_output="json_schema",
            cache_dir=str(tmp_path / "cache"),
            repair=False,
        )
        with make_backend(cfg) as backend:
            scores, items, failed = judge_generations(backend, model_dir, None, ["writing_imitation"], 50, 32, False)
    assert failed == {"writing_imitation/point": 3} and not items
    assert scores == {"judge/writing_imitation/unparsed_point": 3.0}


@pytest.fixture(scope="module")
def social_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("social")
    mb, tb = write_motivebench_fixture(tmp / "MotiveBench"), write_tombench_fixture(tmp / "ToMBench")
    cfg = load_config(
        [
            "model=tiny-random",
            "eval=social",
            "tracker=none",
            "progress=false",
            f"paths.artifacts={tmp / 'artifacts'}",
            f"paths.results={tmp / 'results'}",
            f"eval.data.motivebench={mb}",
            f"eval.data.tombench={tb}",
            "eval.motivebench.orderings=3",
            "eval.tombench.shuffles=3",
            "eval.perplexity.max_docs=2",
            "eval.bootstrap.samples=200",
            "eval.contamination.n=8",
        ]
    )
    ctx = RunContext.from_config(cfg)
    state = run_eval_stage(ctx, FlowState())
    write_report(cfg)
    return cfg, ctx, state


def test_social_eval_reports_every_group_with_intervals(social_run):
    cfg, _ctx, _state = social_run
    long = pd.read_csv(cfg.results_dir / "scores_long.csv", comment="#")
    mb = long[long.suite == "motivebench"]
    assert {"Persona.motivation", "Persona.behavior", "Persona.both", "Amazon.all", "Blog.all", "all.all"} <= set(
        mb.task
    )
    assert {"accuracy", "all_orderings_correct", "all_three_correct"} <= set(mb.metric)
    tb = long[long.suite == "tombench"]
    assert any(t.startswith("en.task.") for t in tb.task) and any(t.startswith("zh.ability") for t in tb.task)
    assert ((mb.value >= 0) & (mb.value <= 1)).all()
    with_ci = long[long.suite.isin(["motivebench", "tombench"]) & long.low.notna()]
    assert (
        len(with_ci) > 10
        and (with_ci.low <= with_ci.value + 1e-9).all()
        and (with_ci.value <= with_ci.high + 1e-9).all()
    )
    table = (cfg.results_dir / "benchmarks.md").read_text()
    assert "Persona.motivation" in table and "en.all.all" in table
    assert "motivebench" in (cfg.results_dir / "table.md").read_text()


def test_social_eval_checks_contamination(social_run):
    cfg, _ctx, _state = social_run
    text = (cfg.results_dir / "contamination.md").read_text()
    assert "items flagged" in text and "motivebench" in text


def test_second_identical_eval_is_served_from_cache(social_run, monkeypatch):
    cfg, _ctx, _state = social_run
    import humanllm.eval.stage as runner

    monkeypatch.setattr(
        runner, "load_eval_model", lambda *a, **k: (_ for _ in ()).throw(AssertionError("model loaded"))
    )
    ctx2 = RunContext.from_config(cfg)
    run_eval_stage(ctx2, FlowState())
    assert not [b for b in ctx2.built if b.startswith("eval/")]


def test_missing_benchmark_data_fails_before_any_model_loads(tmp_path):
    cfg = load_config(
        [
            "model=tiny-random",
            "eval=social",
            "tracker=none",
            f"paths.artifacts={tmp_path}",
            f"eval.data.tombench={tmp_path / 'nowhere'}",
        ]
    )
    with pytest.raises(FileNotFoundError, match="eval.data.motivebench") as err:
        run_eval_stage(RunContext.from_config(cfg), FlowState())
    assert "humanllm fetch benchmarks" in str(err.value)
    assert not (tmp_path / "base_model").exists()


def test_failed_suite_is_reported_with_its_cause_and_not_cached(tmp_path):
    from humanllm.eval.stage import SuitesFailed

    cfg = load_config(
        [
            "model=tiny-random",
            "eval=general",
            "eval.targets=[base]",
            "eval.lm_eval.tasks=[arc_easy]",
            "eval.bigbench.enabled=false",
            "eval.perplexity.max_docs=2",
            "tracker=none",
            "progress=false",
            f"paths.artifacts={tmp_path / 'a'}",
            f"paths.results={tmp_path / 'r'}",
        ]
    )
    with pytest.raises(SuitesFailed) as err:
        run_eval_stage(RunContext.from_config(cfg), FlowState())
    assert "lm_eval:arc_easy: " in str(err.value) and "scored: general" in str(err.value)  # the proxy still ran
    assert "data is not available" not in str(err.value)  # the real cause, not a guess
    published = [p.name for p in (tmp_path / "a" / "eval").iterdir() if not p.name.startswith(".")]
    assert published == []  # only the store's lock file: no finished eval artifact
