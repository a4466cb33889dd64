"""`merge/` config group: method and ratios α (α = weight of the fine-tuned model).

`method` is checked against the method table (humanllm.merge.methods), plug-ins included."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from humanllm.merge.methods import BUILTIN, method_names
from humanllm.schema import StrictModel

# The built-in methods' names (for tools that read the type); a plug-in's name is any other string the
# table holds. Either way the validator checks the value against the table, naming the choices.
MergeMethodName = Literal[tuple(m.name for m in BUILTIN)]  # type: ignore[valid-type]


class MergeConfig(StrictModel):
    method: MergeMethodName | str = "linear"  # a name in humanllm.merge.methods
    ratios: list[float] = Field(default_factory=lambda: [0.5])
    density: float = Field(0.5, gt=0, le=1)  # ties / dare_ties: fraction of the task vector kept
    normalize: bool = False  # ties / dare_ties (normalising one model cancels α)
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"

    @field_validator("method")
    @classmethod
    def _known_method(cls, v: str) -> str:
        names = method_names()
        if v not in names:
            raise ValueError(f"unknown merge method; choices: {', '.join(names)}")
        return v

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
