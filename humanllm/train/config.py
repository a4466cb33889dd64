"""`train/` config group: SFT hyper-parameters (LoRA or full fine-tuning)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from humanllm.schema import StrictModel


class LoraSpec(StrictModel):
    r: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: str | list[str] = "all-linear"


class TrainConfig(StrictModel):
    """Paper defaults: full FT, lr 5e-6, 3 epochs, cosine, warmup 0.05, effective batch 64, seed 2025."""

    method: Literal["lora", "full"] = "lora"
    lora: LoraSpec = LoraSpec()
    learning_rate: float = Field(2e-4, gt=0)
    epochs: float = Field(3.0, gt=0)
    max_steps: int = Field(-1, ge=-1)  # > 0 overrides epochs
    per_device_batch_size: int = Field(8, gt=0)
    gradient_accumulation_steps: int = Field(1, gt=0)
    lr_scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = "cosine"
    warmup_ratio: float = Field(0.05, ge=0, le=1)
    weight_decay: float = Field(0.0, ge=0)
    max_length: int = Field(1024, gt=0)  # longer samples are dropped (paper: 8192), counted in the manifest
    max_train_samples: int | None = Field(None, gt=0)  # total cap after mixing
    assistant_only_loss: bool = True  # loss on the reply only; False: the prompt tokens are trained on too
    bf16: bool = False
    gradient_checkpointing: bool = False
    logging_steps: int = Field(5, gt=0)
    seed: int = 2025

    @model_validator(mode="after")
    def _check(self) -> "TrainConfig":
        if self.method == "full" and self.learning_rate > 1e-3:
            raise ValueError(f"learning_rate {self.learning_rate} is far too high for full fine-tuning")
        return self
