"""`train/` config group: SFT hyper-parameters (LoRA or full fine-tuning)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from humanllm.paths import conf_dir
from humanllm.schema import StrictModel, at

LAUNCH_KEYS = {"launcher", "num_processes", "accelerate_config"}  # how the SFT is run, not what it computes


def accelerate_config_file(name: str) -> Path:
    """`train.accelerate_config`: a name under conf/accelerate/ (`gpu_8_fsdp`) or a path to a YAML file."""
    path = Path(name).expanduser()
    return path.resolve() if path.suffix in (".yaml", ".yml") else conf_dir() / "accelerate" / f"{name}.yaml"


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
    # none: train in this process; accelerate: `accelerate launch` num_processes ranks with accelerate_config
    launcher: Literal["none", "accelerate"] = "none"
    num_processes: int = Field(1, ge=1)  # ranks: global batch = per_device × accumulation × num_processes
    accelerate_config: str | None = None  # a file of conf/accelerate/ (cpu_2proc, gpu_8_fsdp, ...) or a path

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        if self.method == "full" and self.learning_rate > 1e-3:
            raise ValueError(f"learning_rate {self.learning_rate} is far too high for full fine-tuning")
        if self.launcher == "none":
            if self.num_processes > 1:
                raise at("num_processes", f"{self.num_processes} processes need train.launcher=accelerate")
            return self
        if self.accelerate_config is None:
            raise at("accelerate_config", f"train.launcher=accelerate needs a config: {_known_configs()}")
        self._check_accelerate_file(accelerate_config_file(self.accelerate_config))
        return self

    def _check_accelerate_file(self, path: Path) -> None:
        import yaml

        if not path.is_file():
            raise at("accelerate_config", f"{path} does not exist ({_known_configs()})")
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or "distributed_type" not in data:
            raise at("accelerate_config", f"{path} is not an accelerate config (no distributed_type)")
        if self.num_processes > 1 and data["distributed_type"] == "NO":
            raise at(
                "accelerate_config",
                f"{path.name} runs one process (distributed_type: NO); "
                f"train.num_processes={self.num_processes} needs a multi-process one "
                f"({_known_configs()})",
            )


def _known_configs() -> str:
    names = sorted(p.stem for p in (conf_dir() / "accelerate").glob("*.yaml"))
    return f"conf/accelerate/ has {', '.join(names)}" if names else "conf/accelerate/ is empty"
