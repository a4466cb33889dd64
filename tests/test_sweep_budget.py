"""The forgetting budget of a sweep spec: validated up front, and best.md's choice of the largest α whose
right→wrong flip rate stays within it (on a real Optuna study with hand-set trial values)."""

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from humanllm.report.sweep_budget import budget_choice, budget_markdown
from humanllm.schema import ConfigError, validate
from humanllm.sweep.spec import SweepSpec

OBJECTIVES = [
    {"name": "gain", "metric": "indomain/writing_imitation/rouge_l", "relative_to": "base", "direction": "maximize"},
    {
        "name": "forgetting",
        "metric": "bigbench/all/accuracy",
        "relative_to": "base",
        "statistic": "right_to_wrong",
        "direction": "minimize",
    },
]


def _spec(**extra):
    return validate(
        SweepSpec,
        {"name": "s", "params": {"merge.ratios": {"grid": [0.1, 0.5, 0.9]}}, "objectives": OBJECTIVES, **extra},
    )


def test_budget_and_flip_objectives_are_checked_up_front():
    assert _spec(forgetting_budget={"objective": "forgetting", "max_rate": 0.05}).forgetting_budget.max_rate == 0.05
    with pytest.raises(ConfigError, match=r"forgetting_budget.objective.*'gain' is not an objective with statistic"):
        _spec(forgetting_budget={"objective": "gain", "max_rate": 0.05})
    with pytest.raises(ConfigError, match=r"forgetting_budget.max_rate"):
        _spec(forgetting_budget={"objective": "forgetting", "max_rate": 1.5})
    with pytest.raises(ConfigError, match=r"relative_to"):
        _spec(objectives=[{**OBJECTIVES[1], "relative_to": "none"}])
    with pytest.raises(ConfigError, match=r"sweep merge.ratios"):
        validate(
            SweepSpec,
            {
                "name": "s",
                "params": {"train.epochs": {"grid": [1, 2]}},
                "objectives": OBJECTIVES,
                "forgetting_budget": {"objective": "forgetting", "max_rate": 0.05},
            },
        )


def _study(rates):
    study = optuna.create_study(directions=["maximize", "minimize"])
    for alpha, rate in rates.items():
        study.add_trial(
            create_trial(
                params={"merge.ratios": alpha},
                values=[alpha, rate],
                distributions={"merge.ratios": FloatDistribution(0, 1)},
            )
        )
    return study


@pytest.mark.parametrize("bound,chosen", [("estimate", 0.5), ("upper", 0.1)])
def test_best_names_the_largest_alpha_within_the_budget(bound, chosen):
    spec = _spec(forgetting_budget={"objective": "forgetting", "max_rate": 0.05, "bound": bound}).model_dump()
    study = _study({0.1: 0.0, 0.5: 0.04, 0.9: 0.12})
    cis = {0.1: (0.0, 0.03), 0.5: (0.01, 0.08), 0.9: (0.07, 0.2)}
    choice = budget_choice(study, spec, lambda t, o: cis[t.params["merge.ratios"]])
    assert [r["alpha"] for r in choice["rows"]] == [0.9, 0.5, 0.1]
    assert choice["chosen"]["alpha"] == chosen
    md = budget_markdown(choice)
    assert f"**α = {chosen:g}**" in md and "[95% CI" in md and "| 0.9 | 2 | 0.12 | [0.07, 0.2] | no |" in md


def test_no_alpha_within_the_budget_is_said():
    spec = _spec(forgetting_budget={"objective": "forgetting", "max_rate": 0.01}).model_dump()
    md = budget_markdown(budget_choice(_study({0.1: 0.02, 0.9: 0.3}), spec, lambda t, o: None))
    assert "**No α is within the budget.** The lowest rate is 0.02 (no CI: too few items) at α=0.1" in md
    assert budget_choice(_study({0.1: 0.0}), _spec().model_dump(), lambda t, o: None) is None


def test_flip_objective_counts_items_right_for_the_base_and_wrong_when_merged():
    from humanllm.sweep.spec import ObjectiveSpec
    from humanllm.sweep.trial import objective_values

    def rows(values):
        return [
            {"suite": "bigbench", "task": "all", "metric": "accuracy", "item_id": str(i), "value": v}
            for i, v in enumerate(values)
        ]

    base, merged = [1, 1, 1, 1, 0, 0, 0, 1, 1, 0], [1, 0, 0, 1, 1, 0, 0, 1, 0, 0]
    objectives = [ObjectiveSpec(**o) for o in OBJECTIVES[1:]]
    objectives.append(ObjectiveSpec(**{**OBJECTIVES[1], "name": "gained", "statistic": "wrong_to_right"}))
    scores = {"bigbench/all/accuracy": 0.4}
    values = objective_values(objectives, scores, {"bigbench/all/accuracy": 0.6}, lambda: (rows(base), rows(merged)))
    assert values == [pytest.approx(0.3), pytest.approx(0.1)]
    with pytest.raises(ConfigError, match=r"objectives.forgetting.statistic: .*not right/wrong"):
        objective_values(objectives, scores, scores, lambda: (rows([0.5] * 10), rows(merged)))
