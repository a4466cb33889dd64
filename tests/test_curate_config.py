"""The synthesis config group: variants compose, bad values fail naming the key, the stage key holds
exactly what determines the curated records, and the clean rules decide as configured."""

from __future__ import annotations

import pytest

from humanllm.config import load_config
from humanllm.pipeline.context import RunContext
from humanllm.schema import ConfigError
from humanllm.store import ArtifactStore
from humanllm.synthesis.clean import rule_reason
from humanllm.synthesis.config import CleanConfig
from humanllm.synthesis.schemas import PostTags
from humanllm.synthesis.stage import run_curate, stage_config

BASE = ["tracker=none"]


def test_variants_compose_with_their_differences():
    cfgs = {v: load_config([*BASE, f"synthesis={v}"]).synthesis for v in ("raw", "structured", "no_qc", "strict")}
    assert cfgs["raw"].mode == "raw" and cfgs["structured"].mode == "structured"
    assert cfgs["structured"].judge.enabled and (
        cfgs["structured"].judge.overall_min,
        cfgs["structured"].judge.metric_min,
    ) == (9, 8)
    assert not cfgs["no_qc"].judge.enabled and cfgs["no_qc"].scenario == cfgs["structured"].scenario
    assert (cfgs["strict"].judge.overall_min, cfgs["strict"].judge.metric_min) == (10, 9)
    assert load_config([*BASE, "mixture=all_six", "synthesis=structured"]).mixture.tasks.keys() >= {
        "profile_generation",
        "scenario_generation",
        "social_qa",
    }


BAD = [
    (["synthesis.scenario.enabled=false"], "synthesis.social_qa.enabled", "scenario.enabled=true"),
    (["+synthesis.judge.per_metric.leakag=7"], "synthesis.judge.per_metric.leakag", "unknown metric"),
    (["synthesis.judge.overall_min=11"], "synthesis.judge.overall_min", "less than or equal to 10"),
    (["synthesis.clean.on_failure=drop"], "synthesis.clean.on_failure", "'keep' or 'reject'"),
    (["synthesis.social_qa.variants=[plain,gossip]"], "synthesis.social_qa.variants.1", "gossip"),
    (["synthesis.max_users=0"], "synthesis.max_users", "greater than or equal to 1"),
]


@pytest.mark.parametrize("overrides,key,fragment", BAD, ids=[b[1] for b in BAD])
def test_bad_synthesis_config_names_the_key(overrides, key, fragment):
    with pytest.raises(ConfigError) as err:
        load_config([*BASE, "synthesis=structured", *overrides])
    assert key in str(err.value) and fragment in str(err.value), str(err.value)


def key_of(*overrides: str) -> str:
    cfg = load_config([*BASE, *overrides])
    return ArtifactStore.key("curated", 1, stage_config(cfg), {"corpus": "c"})


def test_stage_key_holds_what_determines_outputs():
    structured = key_of("synthesis=structured")
    assert key_of("synthesis=structured", "llm.max_in_flight=64", "llm.timeout_s=9") == structured
    assert key_of("synthesis=structured", "llm.base_url=http://elsewhere:1/v1") != structured  # another server
    assert key_of("synthesis=structured", "llm.temperature=0.7") != structured
    assert key_of("synthesis=strict") != structured
    assert key_of("synthesis=structured", "synthesis.scenario.per_user=3") != structured
    cfg = load_config([*BASE, "synthesis=structured", "llm=openai"])
    assert "api_key" not in str(stage_config(cfg)) and "OPENAI_API_KEY" not in str(stage_config(cfg))


def test_raw_mode_has_nothing_to_curate(tmp_path):
    ctx = RunContext.from_config(load_config([*BASE, f"paths.artifacts={tmp_path}", "synthesis=raw"]))
    with pytest.raises(ValueError, match="synthesis.mode=raw"):
        run_curate(ctx, None)  # type: ignore[arg-type]


def test_clean_rules():
    tags = PostTags(usable=True, unsafe=False, social_event=False)
    assert rule_reason(tags, CleanConfig()) is None
    assert rule_reason(tags, CleanConfig(require_social_event=True)) == "clean_no_social_event"
    assert rule_reason(PostTags(usable=True, unsafe=True, social_event=True), CleanConfig()) == "clean_unsafe"
    assert rule_reason(PostTags(usable=True, unsafe=True, social_event=True), CleanConfig(reject_unsafe=False)) is None
    assert rule_reason(PostTags(usable=False, unsafe=False, social_event=True), CleanConfig()) == "clean_unusable"
