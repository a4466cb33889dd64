"""Every shipped sweep spec validates, composes each of its values, and runs a trial on tiny-random;
bad specs fail naming the file and the key; grid enumeration and override formatting are exact."""

import math
from pathlib import Path

import optuna
import pytest
import yaml

from humanllm.schema import ConfigError
from humanllm.sweep.driver import _claim, _enqueue_next_grid_point, open_study
from humanllm.sweep.overrides import OverrideBuilder, merge_overrides
from humanllm.sweep.spec import load_spec
from humanllm.sweep.trial import TrialRunner

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "experiment=tiny",
    "progress=false",
    "tracker=none",
    "eval.perplexity.max_docs=2",
    "eval.indomain.max_samples=2",
]


def spec_files(folder: Path) -> list[Path]:
    """Every sweep spec in a folder: a spec is one file, nothing else lists it."""
    return sorted(folder.glob("*.yaml"))


def expected_trials(path: Path) -> int:
    """The trial count read from the file itself, not through load_spec: the product of its grids' sizes (every
    combination is one trial), else the n_trials it declares."""
    raw = yaml.safe_load(path.read_text())
    grids = [len(p["grid"]) for p in raw["params"].values() if isinstance(p, dict) and "grid" in p]
    return math.prod(grids) if grids else raw["n_trials"]


def check_spec(path: Path) -> None:
    spec = load_spec(path)
    OverrideBuilder(spec, TINY).check_values()
    assert spec.total_trials == expected_trials(path) > 0
    assert len(spec.grid_points()) in (0, spec.total_trials)


SPECS = spec_files(ROOT / "sweeps")


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_spec_validates_and_composes_each_value(path):
    check_spec(path)


def test_a_new_spec_file_is_picked_up_counted_and_validated(tmp_path):
    """A throwaway spec in a temporary folder: found, counted from its own grids (3 × 2) or its n_trials, and
    every value validated; a bad value in it fails naming the parameter."""
    folder = tmp_path / "sweeps"
    folder.mkdir()
    grid = folder / "ties_density.yaml"
    grid.write_text(
        "name: ties_density\noverrides: [merge=ties]\nparams:\n"
        "  merge.density: {grid: [0.3, 0.6, 0.9]}\n  merge.ratios: {grid: [0.4, 0.6]}\n"
        "objectives: [{name: gain, metric: indomain/writing_imitation/rouge_l, direction: maximize}]\n"
    )
    tpe = folder / "lr_only.yaml"
    tpe.write_text(
        "name: lr_only\nparams: {train.learning_rate: {low: 1.0e-5, high: 1.0e-3, log: true}}\n"
        "n_trials: 4\nobjectives: [{name: gain, metric: m, direction: maximize}]\n"
    )
    assert spec_files(folder) == [tpe, grid]
    assert (expected_trials(grid), expected_trials(tpe)) == (6, 4)
    for path in spec_files(folder):
        check_spec(path)
    grid.write_text(grid.read_text().replace("0.9]", "1.5]"))
    with pytest.raises(ConfigError, match=r"params.merge.density=1.5:\n.*merge.density"):
        check_spec(grid)


@pytest.mark.parametrize(
    "params,message",
    [
        (
            {"merge.ratios": {"grid": [0.5, 1.5]}},
            r"params.merge.ratios=1.5:\n.*merge.ratios",
        ),  # a plain key, set in the tree
        ({"train.epochs": {"choices": [1, 0]}}, r"params.train.epochs=0:\n.*train.epochs"),
        (
            {"mixture": {"choices": ["all_six", "no_such_mixture"]}},
            r"params.mixture=no_such_mixture:\n.*mixture",
        ),  # a group
    ],
)
def test_check_values_names_the_bad_value(tmp_path, params, message):
    """Every value is validated before the first trial: a bad one fails naming the parameter, the value and
    the config key it breaks, whether the key is a plain value or a config group."""
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(
        yaml.safe_dump(
            {
                "name": "s",
                "params": params,
                "n_trials": 2,
                "objectives": [{"name": "a", "metric": "m", "direction": "maximize"}],
            }
        )
    )
    with pytest.raises(ConfigError, match=message):
        OverrideBuilder(load_spec(spec_file), TINY).check_values()


@pytest.mark.parametrize(
    "text,message",
    [
        ("name: x\nparams: {merge.ratios: {grid: [0.1]}}\nobjectives: []\n", "objectives: give at least one objective"),
        (
            "name: x\nparams: {train.lr: {low: 1, high: 2}}\nobjectives: [{name: a, metric: m, direction: up}]\n",
            "objectives.0.direction",
        ),
        (
            "name: x\nparams: {train.learning_rate: {low: 1, high: 2}}\nobjectives: [{name: a, metric: m, direction: maximize}]\n",
            "n_trials: required",
        ),
        (
            "name: x\nparams: {merge.ratios: {grid: [0.1, 0.1]}}\nobjectives: [{name: a, metric: m, direction: maximize}]\n",
            "params.merge.ratios.grid: duplicate",
        ),
        (
            "name: x\nparams: {merge.ratios: {grid: [0.1]}}\nn_trials: 4\nobjectives: [{name: a, metric: m, direction: maximize}]\n",
            "n_trials: the grid has 1 points",
        ),
        ("name: x\nparams: [\n", "bad.yaml:3: invalid YAML"),
    ],
)
def test_bad_specs_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_spec(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_unknown_config_key_is_named(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "params: {train.learnin_rate: {grid: [0.1]}}\nobjectives: [{name: a, metric: m, direction: maximize}]\n"
    )
    with pytest.raises(ConfigError, match="params.train.learnin_rate: unknown config key"):
        OverrideBuilder(load_spec(path), TINY)


def test_overrides_wrap_list_keys_and_extra_overrides_replace_the_specs():
    spec = load_spec(ROOT / "sweeps" / "merge_method.yaml")
    b = OverrideBuilder(spec, ["experiment=tiny"])
    assert b.base == ["experiment=tiny"]
    assert b.param_overrides({"merge": "ties", "merge.ratios": 0.3}) == ["merge=ties", "merge.ratios=[0.3]"]
    assert merge_overrides(["a=1", "b=2"], ["+b=3"]) == ["a=1", "+b=3"]
    assert spec.grid_points()[:2] == [
        {"merge": "linear", "merge.ratios": 0.3},
        {"merge": "linear", "merge.ratios": 0.5},
    ]


def test_grid_points_are_enqueued_once_and_over_budget_trials_are_set_aside():
    spec = load_spec(ROOT / "sweeps" / "merge_ratio.yaml")
    study = open_study(spec, optuna.storages.InMemoryStorage())
    assert _enqueue_next_grid_point(spec, study) and _enqueue_next_grid_point(spec, study)
    assert len(study.trials) == 1, "a WAITING point is not enqueued twice"
    first = study.ask()
    first.suggest_categorical("merge.ratios", spec.params["merge.ratios"].grid)
    study.enqueue_trial({"merge.ratios": 0.1})  # a second copy of the same point (a racing worker)
    dup = study.ask()
    dup.suggest_categorical("merge.ratios", spec.params["merge.ratios"].grid)
    assert _claim(spec, study, first) is None
    assert "held by trial 0" in _claim(spec, study, dup)


@pytest.mark.parametrize(
    "name,params",
    [
        (
            "mixture_weights",
            {"mixture.tasks.item_selection.weight": 2.0, "mixture.tasks.writing_imitation.weight": 0.5},
        ),
        ("merge_method", {"merge": "ties", "merge.ratios": 0.5}),
        ("lr_epochs", {"train.learning_rate": 3e-4, "train.epochs": 1}),
    ],
)
def test_a_trial_of_each_spec_runs_on_tiny_random(name, params, tmp_path, monkeypatch):
    monkeypatch.setenv("HUMANLLM_ARTIFACTS", str(tmp_path / "artifacts"))
    spec = load_spec(ROOT / "sweeps" / f"{name}.yaml")
    builder = OverrideBuilder(spec, TINY)
    runner = TrialRunner(spec, tmp_path / "sweep")
    outcome = runner.run(0, runner.trial_overrides(0, builder.trial_overrides(params)), params)
    assert len(outcome.values) == len(spec.objectives) and all(v == v for v in outcome.values)
    assert outcome.artifact_keys["sft"] and outcome.artifact_keys["eval_merged"] != outcome.artifact_keys["eval_base"]
    assert (outcome.artifact_keys["merge"] is not None) == (name == "merge_method")  # mergekit only for TIES
    recorded = yaml.safe_load((outcome.results_dir / ".hydra" / "overrides.yaml").read_text())
    assert all(o in recorded for o in builder.param_overrides(params))


def test_synthesis_variant_trial_runs_against_the_fault_injecting_test_server(tmp_path, monkeypatch):
    """FaultServer (fault_rate=0) answers every curation request with schema-valid JSON on loopback."""
    from humanllm.llm.testing import FaultServer

    monkeypatch.setenv("HUMANLLM_ARTIFACTS", str(tmp_path / "artifacts"))
    spec = load_spec(ROOT / "sweeps" / "synthesis_variants.yaml")
    with FaultServer(latency_s=0.0, fault_rate=0.0) as server:
        llm = [f"llm.base_url={server.base_url}", f"llm.model={server.model}", "llm.autostart=false"]
        builder = OverrideBuilder(spec, [*TINY, *llm])
        runner = TrialRunner(spec, tmp_path / "sweep")
        params = {"synthesis": "no_qc"}
        outcome = runner.run(0, runner.trial_overrides(0, builder.trial_overrides(params)), params)
    assert server.requests > 0, "the curation stages sent no request"
    assert len(outcome.values) == 2
