"""`mixture/` config group (which task families, with what weights and caps) and the user split."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from humanllm.schema import ConfigError, StrictModel, at
from humanllm.task.registry import task_family, validate_params


class TaskSpec(StrictModel):
    """One task family inside a mixture. `params` is validated by the family's own Params model."""

    weight: float = Field(1.0, ge=0)
    max_train: int | None = Field(None, gt=0)
    max_test: int = Field(500, gt=0)
    params: dict[str, Any] = Field(default_factory=dict)


class MixtureConfig(StrictModel):
    name: str
    tasks: dict[str, TaskSpec]

    @model_validator(mode="after")
    def _known_tasks(self) -> MixtureConfig:
        if not self.tasks:
            raise at("tasks", "a mixture needs at least one task")
        if sum(t.weight for t in self.tasks.values()) <= 0:
            raise at("tasks", "weights sum to 0: give at least one task a positive weight")
        for name, spec in self.tasks.items():
            try:
                task_family(name)
            except ValueError as e:
                raise at(f"tasks.{name}", str(e)) from None
            try:
                validate_params(name, spec.params)
            except ConfigError as e:
                raise at(f"tasks.{name}", str(e)) from None
        return self


class SplitConfig(StrictModel):
    """Users, not samples, are split: a test user never appears in any task's training data."""

    test_fraction: float = Field(0.1, gt=0, lt=1)
    seed: int = 2025
