"""lm-eval hooks for the ToMBench tasks; the logic lives in humanllm.evaluate.benchmarks.tombench.

The data folder and run settings arrive as TaskManager metadata (tombench_dir, tombench_shuffles,
tombench_limit, tombench_seed); the language comes from each task's dataset_kwargs.
"""

from humanllm.evaluate.benchmarks.orderings import score_generation as process_results_gen
from humanllm.evaluate.benchmarks.tombench import lm_eval_dataset as load_dataset
from humanllm.evaluate.benchmarks.tombench import prompt as doc_to_text

__all__ = ["load_dataset", "doc_to_text", "process_results_gen"]
