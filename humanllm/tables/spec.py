"""A table spec (`sweeps/tables/<name>.yaml`): the fixed set of runs behind one paper table or ablation.

Each run is a set of Hydra overrides on top of the spec's config preset (`experiment=<name>` selects
conf/experiment/<name>.yaml); a run trains (or reuses) one SFT model, merges it at one α and scores
base and merged, exactly as a sweep trial does. Runs are listed by name, or generated from a grid over
one config key (α curves, base models, synthesis variants). Validated up front: a bad key fails naming
the file and the key.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from humanllm._aliases import renamed_attributes
from humanllm.eval.benchmarks.registry import benchmarks
from humanllm.paths import REPO_ROOT, shown
from humanllm.schema import ConfigError, StrictModel, at
from humanllm.spec_file import load_spec_file
from humanllm.sweep.overrides import merge_overrides

Scalar = bool | int | float | str
SPEC_DIR = REPO_ROOT / "sweeps" / "tables"
OLD_SPEC_DIR = REPO_ROOT / "sweeps" / "experiments"  # read for one more release, with a FutureWarning

# Fast mode (tests, smoke checks): the random 0.4M model, a few steps, a few held-out items.
FAST_OVERRIDES = [
    "model=tiny-random",
    "progress=false",
    "train.max_steps=4",
    "train.per_device_batch_size=4",
    "train.max_length=1024",
    "train.bf16=false",
    "train.logging_steps=2",
    "eval.indomain.max_samples=3",
    "eval.indomain.max_new_tokens=8",
    "eval.perplexity.max_docs=3",
    "eval.perplexity.max_chars=400",
    "eval.bootstrap.samples=200",
]


class RunSpec(StrictModel):
    """One run: a name (its folder), the row label in the table, and its overrides."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.=-]+$")
    label: str
    overrides: list[str] = Field(default_factory=list)


class GridSpec(StrictModel):
    """Runs from the values of one config key; `label` may use {value}."""

    key: str
    values: list[Scalar] = Field(min_length=1)
    label: str = "{key}={value}"
    name: str = "{value}"  # the run's name (its folder)
    list_value: bool = False  # the key holds a list (merge.ratios): a value v becomes [v]


class LayoutSpec(StrictModel):
    """Which score suites are the table's columns, and which plots to draw."""

    suites: list[str] = Field(min_length=1)  # indomain, general, judge or a registered benchmark's name
    plots: list[Literal["bars", "alpha_curve", "pareto"]] = Field(default_factory=lambda: ["bars"])
    gain_metric: str | None = None  # the Pareto front's x: a metric, as gain over base
    forgetting_metric: str = "general/english/bits_per_byte"  # the Pareto front's y, as change over base

    @field_validator("suites")
    @classmethod
    def _known_suites(cls, suites: list[str]) -> list[str]:
        known = ("indomain", "general", *benchmarks(), "judge")
        unknown = [s for s in suites if s not in known]
        if unknown:
            raise ValueError(f"unknown suites {unknown}: choose from {', '.join(known)}")
        return suites


class TableSpec(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    description: str = ""
    overrides: list[str] = Field(default_factory=list)  # every run's base overrides
    runs: list[RunSpec] = Field(default_factory=list)
    grid: GridSpec | None = None
    fast_overrides: list[str] = Field(default_factory=list)  # added to FAST_OVERRIDES in fast mode
    fast_runs: list[RunSpec] | None = None  # replaces the runs in fast mode (e.g. two tiny base models)
    layout: LayoutSpec
    gpu: str = ""  # the command for the paper's scale, printed in the report

    @model_validator(mode="before")
    @classmethod
    def _drop_needs(cls, data: Any) -> Any:
        """`needs` is deprecated and ignored (it was validated and never read): old spec files keep loading."""
        return {k: v for k, v in data.items() if k != "needs"} if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _consistent(self) -> TableSpec:
        if bool(self.runs) == (self.grid is not None):
            raise at("runs", "give either runs (a list of named override sets) or grid (one key's values)")
        for which, runs in (("runs", self.expand(fast=False)), ("fast_runs", self.fast_runs or [])):
            names = [r.name for r in runs]
            if len(set(names)) != len(names):
                raise at(which, f"duplicate run names: {sorted({n for n in names if names.count(n) > 1})}")
        if "pareto" in self.layout.plots and not self.layout.gain_metric:
            raise at("layout.gain_metric", "the Pareto plot needs an in-domain metric as its x axis")
        return self

    def expand(self, fast: bool = False) -> list[RunSpec]:
        """The runs, in table order (fast mode: `fast_runs` when given)."""
        if fast and self.fast_runs is not None:
            return list(self.fast_runs)
        if self.grid is None:
            return list(self.runs)
        g = self.grid
        return [
            RunSpec(
                name=_slug(g.name.format(key=g.key, value=v)),
                label=g.label.format(key=g.key, value=v),
                overrides=[f"{g.key}={f'[{v}]' if g.list_value else v}"],
            )
            for v in g.values
        ]

    def base_overrides(self, fast: bool = False, extra: list[str] | None = None) -> list[str]:
        base = [f"experiment={self.name}", *self.overrides]
        if fast:
            base = merge_overrides(base, [*FAST_OVERRIDES, *self.fast_overrides])
        return merge_overrides(base, list(extra or []))

    def run_overrides(self, run: RunSpec, fast: bool = False, extra: list[str] | None = None) -> list[str]:
        """The full override list of one run (extra overrides win over the spec's, the run's over both)."""
        return merge_overrides(self.base_overrides(fast, extra), run.overrides)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_")


def spec_path(name: str) -> Path:
    """sweeps/tables/<name>.yaml; a spec only in the old folder, sweeps/experiments/, is found there."""
    path, old = SPEC_DIR / f"{name}.yaml", OLD_SPEC_DIR / f"{name}.yaml"
    return old if not path.is_file() and old.is_file() else path


def table_names() -> list[str]:
    return sorted({p.stem for folder in (SPEC_DIR, OLD_SPEC_DIR) for p in folder.glob("*.yaml")})


def has_spec(name: str) -> bool:
    return spec_path(name).is_file()


def load_table_spec(name_or_path: str | Path) -> TableSpec:
    """Read and validate a table spec by name (sweeps/tables/<name>.yaml) or path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = spec_path(str(name_or_path))
    if not path.is_file():
        raise ConfigError(f"table: no spec {path} (known: {', '.join(table_names())})")
    if path.resolve().parent == OLD_SPEC_DIR.resolve():
        warnings.warn(
            f"{shown(path)}: table specs now live in sweeps/tables/ (sweeps/experiments/ is read for one more "
            "release); move the file there",
            FutureWarning,
            stacklevel=2,
        )
    return load_spec_file(path, TableSpec, "a table spec is a mapping (name, title, runs or grid, layout)")


__getattr__ = renamed_attributes(
    __name__, {"ExperimentSpec": "TableSpec", "experiment_names": "table_names", "load_experiment": "load_table_spec"}
)  # the old public names, for one release
