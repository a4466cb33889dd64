"""A sweep spec (`sweeps/*.yaml`): base overrides, a search space over config keys, objectives, sampler.

Validated up front like every config: a bad key fails naming the file and the key. Each search-space
entry is a config key (`train.learning_rate`) or a group (`merge`, `synthesis`); the trial sets it with
a Hydra override, so any key the config tree has can be swept.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from humanllm.schema import ConfigError, StrictModel, at
from humanllm.spec_file import load_spec_file

Scalar = bool | int | float | str
ALPHA_KEY = "merge.ratios"  # the merge ratio α (weight of the fine-tuned model)


class ParamSpec(StrictModel):
    """One dimension: `grid` (enumerated in order), `choices` (categorical), or a `low`..`high` range."""

    grid: list[Scalar] | None = None
    choices: list[Scalar] | None = None
    low: float | None = None
    high: float | None = None
    type: Literal["float", "int"] = "float"
    log: bool = False
    step: float | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ParamSpec:
        kinds = [k for k in ("grid", "choices") if getattr(self, k) is not None]
        ranged = self.low is not None or self.high is not None
        if len(kinds) + ranged != 1:
            raise ValueError("give exactly one of grid, choices, or low/high")
        for k in kinds:
            values = getattr(self, k)
            if not values:
                raise at(k, "give at least one value")
            if len({repr(v) for v in values}) != len(values):
                raise at(k, f"duplicate values in {values}")
        if ranged:
            if self.low is None or self.high is None:
                raise at("high" if self.high is None else "low", "a range needs both low and high")
            if not self.low < self.high:
                raise at("high", f"must be greater than low ({self.low})")
            if self.log and self.low <= 0:
                raise at("low", "a log range needs low > 0")
        return self

    @property
    def kind(self) -> str:
        return "grid" if self.grid is not None else "choices" if self.choices is not None else "range"


class ObjectiveSpec(StrictModel):
    """A metric of the trial's merged model, optionally minus the base model's score on the same items, or
    (`statistic`) the share of its right/wrong items that flipped against the base: right_to_wrong = right
    in the base and wrong in the merged model (forgetting, item by item), wrong_to_right the reverse."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    metric: str  # a key of scores.json, e.g. general/english/bits_per_byte or bigbench/all/accuracy
    relative_to: Literal["base", "none"] = "none"
    statistic: Literal["value", "right_to_wrong", "wrong_to_right"] = "value"
    direction: Literal["maximize", "minimize"]

    @model_validator(mode="after")
    def _flips_are_against_base(self) -> ObjectiveSpec:
        if self.statistic != "value" and self.relative_to != "base":
            raise at("relative_to", f"statistic {self.statistic} compares with the base: set it to base")
        return self


class ForgettingBudget(StrictModel):
    """The most forgetting a merge may cost: best.md names the largest α whose right→wrong flip rate (the
    named objective, statistic right_to_wrong) stays within `max_rate`, judged by its point estimate or,
    with `bound: upper`, by the upper end of its 95% CI."""

    objective: str
    max_rate: float = Field(gt=0, lt=1)
    bound: Literal["estimate", "upper"] = "estimate"


class SamplerSpec(StrictModel):
    kind: Literal["auto", "tpe", "random", "nsga2"] = "auto"  # auto: NSGA-II for several objectives, else TPE
    seed: int = 0


class PrunerSpec(StrictModel):
    kind: Literal["none", "median"] = "none"


class SweepSpec(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    overrides: list[str] = Field(default_factory=list)  # base Hydra overrides of every trial
    params: dict[str, ParamSpec]
    objectives: list[ObjectiveSpec]
    n_trials: int | None = Field(None, gt=0)  # grid sweeps: the grid's size (may be omitted)
    sampler: SamplerSpec = Field(default_factory=SamplerSpec)
    pruner: PrunerSpec = Field(default_factory=PrunerSpec)
    in_memory_merge: bool = True  # linear / task_arithmetic trials merge in memory (no checkpoint per α)
    max_retries: int = Field(2, ge=0)  # a trial whose worker died is retried this many times
    forgetting_budget: ForgettingBudget | None = None  # best.md: the largest α within it

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if not self.params:
            raise at("params", "give at least one parameter to sweep")
        for key in self.params:
            if not key or any(c in key for c in " =,[]"):
                raise at(f"params.{key}", "must be a config key such as train.learning_rate or a group such as merge")
        if not self.objectives:
            raise at("objectives", "give at least one objective")
        names = [o.name for o in self.objectives]
        if len(set(names)) != len(names):
            raise at("objectives", f"duplicate objective names in {names}")
        if self.forgetting_budget is not None:
            self._check_budget(self.forgetting_budget)
        grid = self.grid_points()
        if grid:
            if self.n_trials is not None and self.n_trials != len(grid):
                raise at("n_trials", f"the grid has {len(grid)} points; set n_trials to {len(grid)} or omit it")
        elif self.n_trials is None:
            raise at("n_trials", "required when no parameter is a grid")
        return self

    def _check_budget(self, budget: ForgettingBudget) -> None:
        flips = [o.name for o in self.objectives if o.statistic == "right_to_wrong"]
        if budget.objective not in flips:
            raise at(
                "forgetting_budget.objective",
                f"'{budget.objective}' is not an objective with statistic "
                f"right_to_wrong (those: {', '.join(flips) or 'none'})",
            )
        if ALPHA_KEY not in self.params:
            raise at("forgetting_budget", f"names the largest α within budget: sweep {ALPHA_KEY} in params")

    @property
    def grid_keys(self) -> list[str]:
        return [k for k, p in self.params.items() if p.kind == "grid"]

    def grid_points(self) -> list[dict[str, Scalar]]:
        """Every grid combination in a fixed order (spec order, first key slowest)."""
        keys = self.grid_keys
        if not keys:
            return []
        return [dict(zip(keys, combo)) for combo in itertools.product(*(self.params[k].grid for k in keys))]

    @property
    def total_trials(self) -> int:
        return len(self.grid_points()) or int(self.n_trials or 0)

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.objectives]


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec; errors name the file and the key."""
    path = Path(path)
    if not path.is_file():
        known = sorted(p.name for p in Path("sweeps").glob("*.yaml")) if Path("sweeps").is_dir() else []
        raise ConfigError(f"{path}: no such sweep spec" + (f" (sweeps/ has: {', '.join(known)})" if known else ""))
    return load_spec_file(path, SweepSpec, "a sweep spec is a mapping (name, overrides, params, objectives, ...)")
