"""lm-eval hooks for the MotiveBench tasks; the logic lives in humanllm.evaluate.benchmarks.motivebench.

The data folder and run settings arrive as TaskManager metadata (motivebench_dir, motivebench_orderings,
motivebench_limit, motivebench_seed); the subset comes from each task's dataset_kwargs.
"""

from humanllm.evaluate.benchmarks.motivebench import lm_eval_dataset as load_dataset
from humanllm.evaluate.benchmarks.motivebench import prompt as doc_to_text
from humanllm.evaluate.benchmarks.orderings import score_generation as process_results_gen

__all__ = ["load_dataset", "doc_to_text", "process_results_gen"]
