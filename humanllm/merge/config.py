"""`merge/` config group: method and ratios α (α = weight of the fine-tuned model)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from humanllm.schema import StrictModel

MergeMethod = Literal["linear", "task_arithmetic", "ties", "dare_ties", "slerp"]


class MergeConfig(StrictModel):
    method: MergeMethod = "linear"
    ratios: list[float] = Field(default_factory=lambda: [0.5])
    density: float = Field(0.5, gt=0, le=1)  # ties / dare_ties: fraction of the task vector kept
    normalize: bool = False  # ties / dare_ties (normalising one model cancels α)
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"

    @field_validator("ratios")
    @classmethod
    def _ratios_in_unit_interval(cls, v: list[float]) -> list[float]:
        if not v:
            raise ValueError("give at least one merge ratio")
        for a in v:
            if not 0.0 <= a <= 1.0:
                raise ValueError(f"merge ratio α={a} is outside [0, 1]")
        if len(set(v)) != len(v):
            raise ValueError(f"duplicate merge ratios in {v}")
        return v
